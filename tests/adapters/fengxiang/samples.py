"""枫乡 bodies for the shared tests (robustness, personal data)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

_FIXTURES = Path(__file__).resolve().parent / "fixtures"

PHONES = ["13633334444", "13544445555"]
NAMES = ["李建华"]


def _fixture(name: str) -> Any:
    return json.loads((_FIXTURES / name).read_text(encoding="utf-8"))


def variants() -> list[dict[str, Any]]:
    """Valid native records of every shape the platform sends."""
    records: list[dict[str, Any]] = _fixture("variants.json")["data"]
    return records


def personal_data() -> tuple[list[bytes], list[str]]:
    """Bodies carrying phones and full names (one record accepted, one rejected), and those."""
    body = _fixture("example.json")
    order = body["data"][0]
    order["person"].update(name_masked="李建华", phone=PHONES[0])
    order["demand"]["text"] = f"孩子想要书包，电话{PHONES[0]}"
    bad = copy.deepcopy(order)
    bad.update(order_no="FX-PII-BAD", stage="PAIDAN")
    bad["demand"]["text"] = f"想要收音机 {PHONES[1]}"
    body["data"].append(bad)
    return [json.dumps(body, ensure_ascii=False).encode()], PHONES + NAMES


def written(texts: Callable[[int], str]) -> tuple[list[bytes], list[str], list[str]]:
    """An order whose beneficiary's full name is repeated in its text, which holds a phone
    and an ID number written in one of many ways (``texts(n)``), and a rejected one; the
    name; and the title's beginning the hub must keep, masked."""
    body = _fixture("example.json")
    order = body["data"][0]
    order["person"]["name_masked"] = "李建华"
    order["demand"]["text"] = f"李建华的孩子想要书包 {texts(1)}"
    body["data"].append({**copy.deepcopy(order), "order_no": "FX-W-BAD", "stage": texts(2)})
    return [json.dumps(body, ensure_ascii=False).encode()], ["李建华"], ["李某某的孩子"]
