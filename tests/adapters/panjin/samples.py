"""盘锦 ledgers for the shared tests (robustness, personal data)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from adapters.panjin.translate import envelope

PHONES = ["13988887777", "15123456789"]
ID_NUMBERS = ["211122198805051234", "21110319700101888X"]
NAMES = ["王建设", "欧阳小雪", "钱多多"]


def _wish(ident: object, **cells: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "_sheet": "微心愿", "心愿编号": ident, "心愿内容": "想要一套课外读物", "心愿类别": "图书读物",
        "心愿类型": "实物", "帮扶对象类别": "留守儿童", "帮扶对象": "李小花", "所在县区": "盘山县",
        "乡镇（街道）": "胡家镇", "村（社区）": "胡家村", "征集时间": "2022-03-06", "状态": "待认领",
        "更新时间": "2022-03-10 14:00",
    }
    row.update(cells)
    return row


def variants() -> list[dict[str, Any]]:
    """Valid native rows of every shape the ledger holds."""
    return [
        _wish("PJ-2022-0001"),
        _wish(20220002, 征集时间="2022/3/7 9:30", 状态="已认领", 认领方="红马甲志愿服务队",
              认领时间="2022.3.8", 更新时间="2022年3月8日 10:00"),
        _wish("PJ-2022-0003", 状态="已圆梦", 认领方="李建国", 认领方类型="个人", 认领时间="2022-03-08 09:30:00",
              圆梦时间="2022-03-09", 所在县区="盘锦市大洼区", 心愿类型="服务", 心愿类别="生活求助"),
        _wish("PJ-2022-0004", 状态="已撤销", 心愿类别="情感陪伴", 帮扶对象类别="外来务工人员"),
        _wish("PJ-2022-0005", 状态="已删除", 更新时间="2022-03-11 08:00"),
        {"_sheet": "队伍", "队伍编号": "PJ-TM-01", "队伍名称": "红马甲志愿服务队", "服务类别": "扶危帮困",
         "所在县区": "双台子区", "队员人数": "25人", "更新时间": "2022-03-01"},
        {"_sheet": "队伍", "队伍编号": 102, "队伍名称": "兴隆台区青年志愿者协会", "服务类别": "助学支教",
         "所在县区": "兴隆台区", "队员人数": 40, "更新时间": "2022-03-01 08:00"},
    ]


def personal_data() -> tuple[list[bytes], list[str]]:
    """A ledger carrying phones, ID numbers and full names (one row accepted, one rejected),
    and those secrets."""
    rows = [
        _wish("PJ-PII-1", 帮扶对象="王建设", 联系电话=PHONES[0], 身份证号=ID_NUMBERS[0],
              心愿内容=f"孩子想要书包，电话{PHONES[0]}", 认领方="钱多多", 认领方类型="个人",
              状态="已认领", 认领时间="2022-03-09"),
        _wish("PJ-PII-BAD", 帮扶对象="欧阳小雪", 联系电话=int(PHONES[1]), 身份证号=ID_NUMBERS[1],
              状态="不知道", 心愿内容=f"身份证{ID_NUMBERS[1]}"),
    ]
    return [envelope(rows, None)], PHONES + ID_NUMBERS + NAMES


def written(texts: Callable[[int], str]) -> tuple[list[bytes], list[str], list[str]]:
    """A ledger row whose beneficiary's full name is repeated in its wish, which holds a
    phone and an ID number written in one of many ways (``texts(n)``), and a rejected row;
    the name; and the wish's beginning the hub must keep, masked."""
    rows = [
        _wish("PJ-W-1", 帮扶对象="孙建业", 心愿内容=f"孙建业老人想要棉衣 {texts(2)}"),
        _wish("PJ-W-BAD", 帮扶对象="孙建业", 状态=texts(3), 心愿内容=f"孙建业 {texts(4)}"),
    ]
    return [envelope(rows, None)], ["孙建业"], ["孙某某老人想要棉衣"]
