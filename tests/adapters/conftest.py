"""Fixtures for the adapter tests: the real Places, native payloads and batch views.

The suite runs with ``--import-mode=importlib``, so shared helpers come as the
``kit`` fixture rather than an importable module.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from pathlib import Path
from typing import TypeVar

import pytest

from hub.models import Batch, Parsed, Places, Rejection
from hub.places import load_places

R = TypeVar("R")


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def record_as(kind: type[R], item: object) -> R:
    """The canonical record a translated item carries, checked to be a ``kind``."""
    record = getattr(item, "record", None)
    assert isinstance(record, kind), record
    return record


ADAPTER_TESTS = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def places() -> Places:
    """The same in-memory Places the hub hands to adapters."""
    return load_places()


class Kit:
    @staticmethod
    def fixture(name: str) -> bytes:
        """A native payload saved under tests/adapters/<code>/fixtures (``"shengjing/example.json"``)."""
        code, _, rest = name.partition("/")
        return (ADAPTER_TESTS / code / "fixtures" / rest).read_bytes()

    @classmethod
    def fixture_json(cls, name: str) -> dict[str, object]:
        value = json.loads(cls.fixture(name))
        assert isinstance(value, dict)
        return value

    @staticmethod
    def body(obj: object) -> bytes:
        return json.dumps(obj, ensure_ascii=False).encode("utf-8")

    @staticmethod
    def parsed(batch: Batch) -> dict[str, Parsed]:
        """Translated items by source id."""
        return {item.record.meta.source_id: item for item in batch.items if isinstance(item, Parsed)}

    @staticmethod
    def rejected(batch: Batch) -> dict[str | None, Rejection]:
        """Rejections by source id (``None`` for records without a readable id)."""
        return {item.source_id: item for item in batch.items if isinstance(item, Rejection)}

    @staticmethod
    def assert_body_order(batch: Batch, count: int) -> None:
        assert batch.received == count
        assert [item.index for item in batch.items] == list(range(count))

    @staticmethod
    def assert_free_of(batch: Batch, secrets: Iterable[str]) -> None:
        """No rejection's kept raw record, id or message holds any of ``secrets``."""
        wanted = list(secrets)
        for item in batch.items:
            if isinstance(item, Rejection):
                kept = json.dumps(item.raw, ensure_ascii=False) + item.message
                kept += item.source_id or ""
                for secret in wanted:
                    assert secret not in kept, f"{secret!r} leaked into rejection {item.index}"


@pytest.fixture(scope="session")
def kit() -> Kit:
    return Kit()
