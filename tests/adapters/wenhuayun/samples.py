"""辽宁文化云 bodies for the shared tests (robustness, personal data)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

_FIXTURES = Path(__file__).resolve().parent / "fixtures"

PHONES = ["13455556666", "15066667777"]
ID_NUMBERS = ["210521196004041212"]
NAMES = ["欧阳娜娜", "赵铁柱"]


def _fixture(name: str) -> Any:
    return json.loads((_FIXTURES / name).read_text(encoding="utf-8"))


def variants() -> list[dict[str, Any]]:
    """Valid native records of every shape the platform sends."""
    records: list[dict[str, Any]] = _fixture("variants.json")["items"]
    return records


def personal_data() -> tuple[list[bytes], list[str]]:
    """Bodies carrying phones, ID numbers and full names (one record accepted, one
    rejected), and those secrets."""
    body = _fixture("example.json")
    wish = body["items"][1]
    wish.update(target_name="欧阳娜娜", target_phone=PHONES[0],
                title=f"想看一次电影（身份证{ID_NUMBERS[0]}）",
                claimers=[{"kind": "志愿者", "name": "赵铁柱", "team_id": None}],
                state="已认领", claim_time="2022-03-12T10:00:00+08:00")
    bad = copy.deepcopy(wish)
    bad.update(wish_id="WHY-PII-BAD", division_code="220102", target_phone=PHONES[1])
    body["items"].append(bad)
    return [json.dumps(body, ensure_ascii=False).encode()], PHONES + ID_NUMBERS + NAMES


def written(texts: Callable[[int], str]) -> tuple[list[bytes], list[str], list[str]]:
    """A wish whose beneficiary's full name is repeated in its title, which holds a phone
    and an ID number written in one of many ways (``texts(n)``), and a rejected one; the
    name; and the title the hub must keep, masked."""
    body = _fixture("example.json")
    item = body["items"][1]
    item.update(target_name="欧阳娜娜", title=f"欧阳娜娜想看一次电影 {texts(3)}")
    body["items"].append({**copy.deepcopy(item), "wish_id": "WHY-W-BAD", "state": texts(4)})
    return ([json.dumps(body, ensure_ascii=False).encode()], ["欧阳娜娜"],
            ["欧阳某某想看一次电影 想要轮椅，电话***，ID***"])
