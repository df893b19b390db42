"""盛京使者 bodies for the shared tests (robustness, personal data)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

_FIXTURES = Path(__file__).resolve().parent / "fixtures"

PHONES = ["13800001234", "13911112222", "13722223333"]
ID_NUMBERS = ["210102198001011234", "21010219900202123X", "211421200503031111"]
NAMES = ["王建国", "欧阳娜娜", "赵铁柱"]


def _fixture(name: str) -> Any:
    return json.loads((_FIXTURES / name).read_text(encoding="utf-8"))


def variants() -> list[dict[str, Any]]:
    """Valid native records of every shape the platform sends."""
    records: list[dict[str, Any]] = _fixture("variants.json")["records"]
    return records


def personal_data() -> tuple[list[bytes], list[str]]:
    """Bodies carrying phones, ID numbers and full names (one record accepted, one
    rejected each), and those secrets."""
    body = _fixture("example.json")
    wish = body["records"][0]
    wish.update(objName="王建国", objPhone=PHONES[0], objIdCard=ID_NUMBERS[0],
                xyContent=f"联系电话{PHONES[1]}，身份证{ID_NUMBERS[1]}")
    wish["claimers"].append({"type": "个人", "name": "赵铁柱", "id": "P-1"})
    bad = copy.deepcopy(wish)
    bad.update(xyId="SJ-PII-BAD", status="7", objName="欧阳娜娜", objPhone=PHONES[2],
               objIdCard=ID_NUMBERS[2])
    body["records"].append(bad)
    return [json.dumps(body, ensure_ascii=False).encode()], PHONES + ID_NUMBERS + NAMES


def written(texts: Callable[[int], str]) -> tuple[list[bytes], list[str], list[str]]:
    """Wishes whose beneficiary's full name is repeated in their title and whose texts
    (``texts(n)``) hold phone and ID numbers written every way, some rejected; the
    names; and titles (beginnings) the hub must keep, masked."""
    body = _fixture("example.json")
    wish = body["records"][0]
    wish.update(objName="王建国", xyTitle="王建国老人想要轮椅", xyContent=texts(0))
    body["records"] += [
        {**copy.deepcopy(wish), "xyId": f"SJ-W-{n}", "xyTitle": f"王建国{texts(n)}"}
        for n in range(1, 6)
    ]
    body["records"].append({**copy.deepcopy(wish), "xyId": "SJ-W-BAD", "status": "王某某+8613812345678",
                            "objName": "王建国13812345678", "xyContent": texts(6)})
    body["records"].append({**copy.deepcopy(wish), "xyId": "SJ-W-BAD2",
                            "claimers": {"type": "个人", "name": "赵铁柱", "id": "P-9"}})
    return [json.dumps(body, ensure_ascii=False).encode()], ["王建国", "赵铁柱"], ["王某某老人想要轮椅"]
