"""Whatever a platform sends inside its envelope, parse yields one item per record.

Property tests over every registered platform: valid native records (each
platform's ``tests/adapters/<code>/samples.py``), with one field (or a nested
one) replaced by arbitrary JSON and wrapped in the platform's own envelope,
never make ``parse`` raise, and every rejection names a field and keeps
nothing that is not JSON.
"""

from __future__ import annotations

import importlib
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters import REGISTRY
from hub.models import Batch, Places, Rejection

_CODES = sorted(REGISTRY)


def _variants(code: str) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = importlib.import_module(f"tests.adapters.{code}.samples").variants()
    return records


def _assert_one_item_per_record(batch: Batch, count: int) -> None:
    assert batch.received == count
    indexes = [item.index for item in batch.items]
    assert indexes == sorted(set(indexes))  # body order, each record once

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
    | st.sampled_from(["", "0", "1", "2022-03-12 10:00:00", "2022-03-12T02:00:00Z", "210521"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


def _mutate(record: dict[str, object], key_index: int, value: object, nested: bool) -> object:
    keys = sorted(record)
    key = keys[key_index % len(keys)]
    target = record.get(key)
    if nested and isinstance(target, dict) and target:
        inner = sorted(target)
        target = dict(target)
        target[inner[key_index % len(inner)]] = value
        return {**record, key: target}
    if nested and isinstance(target, list) and target and isinstance(target[0], dict):
        first = dict(target[0])
        first[sorted(first)[0]] = value
        return {**record, key: [first, *target[1:]]}
    return {**record, key: value}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    code=st.sampled_from(_CODES),
    record_index=st.integers(min_value=0, max_value=20),
    key_index=st.integers(min_value=0, max_value=40),
    value=json_values,
    nested=st.booleans(),
)
def test_parse_never_raises_on_bad_fields(
    places: Places,
    code: str,
    record_index: int,
    key_index: int,
    value: object,
    nested: bool,
) -> None:
    platform = REGISTRY[code]
    records: list[object] = list(_variants(code))
    i = record_index % len(records)
    record = records[i]
    assert isinstance(record, dict)
    records[i] = _mutate(record, key_index, value, nested)
    batch = platform.parse(platform.envelope(records, None), places)
    _assert_one_item_per_record(batch, len(records))
    for position, item in enumerate(batch.items):
        if isinstance(item, Rejection):
            assert item.field and item.message
            assert position == i
            json.dumps(item.raw, ensure_ascii=False)  # kept as JSON in the dead-letter store


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(code=st.sampled_from(_CODES), records=st.lists(json_values, max_size=4))
def test_parse_never_raises_on_arbitrary_records(places: Places, code: str, records: list[object]) -> None:
    platform = REGISTRY[code]
    batch = platform.parse(platform.envelope(records, None), places)
    _assert_one_item_per_record(batch, len(records))


def test_every_platform_has_samples_and_they_translate(places: Places) -> None:
    for code, platform in REGISTRY.items():
        records = _variants(code)
        assert records, code
        batch = platform.parse(platform.envelope(records, None), places)
        _assert_one_item_per_record(batch, len(records))
