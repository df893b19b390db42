"""葫芦岛 bodies for the shared tests (robustness, personal data)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

_FIXTURES = Path(__file__).resolve().parent / "fixtures"

PHONES = ["18877778888"]
ID_NUMBERS = ["210102800101123"]
NAMES = ["刘建军", "赵铁柱"]


def _fixture(name: str) -> Any:
    return json.loads((_FIXTURES / name).read_text(encoding="utf-8"))


def variants() -> list[dict[str, Any]]:
    """Valid native records of every shape the platform sends."""
    records: list[dict[str, Any]] = _fixture("variants.json")["events"]
    return records


def personal_data() -> tuple[list[bytes], list[str]]:
    """Bodies carrying phones, ID numbers and full names (one record accepted, one
    rejected, one orphan card), and those secrets."""
    body = _fixture("example.json")
    blue, pink = body["events"]
    pink.update(name="刘建军", phone=PHONES[0], wish=f"代购常用药 身份证{ID_NUMBERS[0]}")
    blue["by"] = {"kind": "volunteer", "name": "赵铁柱"}
    bad = copy.deepcopy(pink)
    bad.update(code="PK-PII-BAD", county="锦州市太和区")
    body["events"].append(bad)
    orphan = copy.deepcopy(blue)
    orphan.update(card="BL-PII-ORPHAN", pink="PK-211421-999999")
    body["events"].append(orphan)
    return [json.dumps(body, ensure_ascii=False).encode()], PHONES + ID_NUMBERS + NAMES


def written(texts: Callable[[int], str]) -> tuple[list[bytes], list[str], list[str]]:
    """A pink card whose beneficiary's full name is repeated in its wish, which holds a
    phone and an ID number written in one of many ways (``texts(n)``), and a rejected one;
    the name; and the wish's beginning the hub must keep, masked."""
    body = _fixture("example.json")
    pink = body["events"][1]
    pink.update(name="刘建军", wish=f"刘建军需要代购常用药 {texts(5)}")
    body["events"].append({**copy.deepcopy(pink), "code": "PK-W-BAD", "kind": texts(0)})
    return [json.dumps(body, ensure_ascii=False).encode()], ["刘建军"], ["刘某某需要代购"]
