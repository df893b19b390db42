"""Deterministic, realistic content for the platform fakes (no personal data, no platform).

Shared by the fakes of pulled platforms (``tests/adapters/<code>/fake_api.py``).
Labels are the province's own, used by every platform alike; places are real
codes from the hub's shipped reference data, so records land in the regions
the adapters resolve.
"""

from __future__ import annotations

import functools
import json
import random
from pathlib import Path

WISH_TYPES = (
    "学习用品", "文体产品", "图书读物", "医疗器械", "食品药品", "衣物鞋帽", "小家电日用品",
    "理论政策宣讲", "文化艺术演出", "学习辅导", "科普讲座", "法律援助", "卫生环保",
    "家政培训", "生产求助", "生活求助", "医疗求助", "其他",
)
GOODS_TYPES = WISH_TYPES[:7]
GROUPS = (
    "留守妇女", "留守儿童", "老人", "空巢老人", "独居老人", "残疾人", "老党员", "老战士",
    "困难群众", "低保户", "身边好人",
)
SERVICE_TYPES = (
    "理论政策宣讲", "文化艺术服务", "助学支教", "医疗健身", "科学普及", "法律服务",
    "卫生环保", "扶危帮困",
)
SURNAMES = ("王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "欧阳", "司马")
WISH_TITLES = {
    "学习用品": "孩子即将入学，想要书包等学习用品",
    "图书读物": "想要一套课外读物",
    "衣物鞋帽": "想要一件过冬的棉衣",
    "小家电日用品": "想要一台电饭锅",
    "医疗器械": "想要一副助行器",
    "文化艺术演出": "想看一次电影",
    "学习辅导": "希望有人辅导数学功课",
    "生活求助": "想请人帮忙修缮漏雨的屋顶",
    "医疗求助": "希望有医生上门量血压",
}
ACTIVITY_TITLES = (
    "科普进农家", "政策宣讲进社区", "义诊送健康", "法律知识讲座", "清洁家园行动",
    "关爱留守儿童读书会", "文艺演出下乡", "助老志愿服务",
)
TEAM_NAMES = ("爱心连心", "红枫", "暖阳", "春雨", "青松", "同心", "雷锋", "巾帼")

_PLACES = Path(__file__).resolve().parents[2] / "hub" / "data" / "places_liaoning.json"


@functools.cache
def villages(county: str) -> tuple[str, ...]:
    """Real 12-digit village/community codes under a county, sorted."""
    data = json.loads(_PLACES.read_text(encoding="utf-8"))
    found = tuple(sorted(code for code in data["villages"] if code.startswith(county)))
    if not found:
        raise LookupError(f"no villages under {county} in {_PLACES}")
    return found


def masked_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "某某"


def wish_title(wish_type: str) -> str:
    return WISH_TITLES.get(wish_type, f"{wish_type}方面的心愿")
