"""Whatever a platform sends inside its envelope, parse yields one item per record.

Property tests: valid native records from the fixtures, with one field (or a
nested one) replaced by arbitrary JSON, never make ``parse`` raise, and every
rejection names a field and keeps no contact data.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters import REGISTRY
from hub.models import Places, Rejection

if TYPE_CHECKING:
    from conftest import Kit

_ENVELOPES = {
    "shengjing": ("shengjing/variants.json", "records"),
    "fengxiang": ("fengxiang/variants.json", "data"),
    "wenhuayun": ("wenhuayun/variants.json", "items"),
    "huludao": ("huludao/variants.json", "events"),
}

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
    code=st.sampled_from(sorted(_ENVELOPES)),
    record_index=st.integers(min_value=0, max_value=20),
    key_index=st.integers(min_value=0, max_value=40),
    value=json_values,
    nested=st.booleans(),
)
def test_parse_never_raises_on_bad_fields(
    places: Places,
    kit: Kit,
    code: str,
    record_index: int,
    key_index: int,
    value: object,
    nested: bool,
) -> None:
    name, key = _ENVELOPES[code]
    envelope = kit.fixture_json(name)
    records = envelope[key]
    assert isinstance(records, list)
    i = record_index % len(records)
    records[i] = _mutate(records[i], key_index, value, nested)
    batch = REGISTRY[code].parse(kit.body(envelope), places)
    kit.assert_body_order(batch, len(records))
    for item in batch.items:
        if isinstance(item, Rejection):
            assert item.field and item.message
            assert item.index == i
            json.dumps(item.raw, ensure_ascii=False)  # kept as JSON in the dead-letter store


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(code=st.sampled_from(sorted(_ENVELOPES)), records=st.lists(json_values, max_size=4))
def test_parse_never_raises_on_arbitrary_records(places: Places, kit: Kit, code: str, records: list[object]) -> None:
    _, key = _ENVELOPES[code]
    envelope: dict[str, object] = {key: records}
    if code == "wenhuayun":
        envelope["code"] = 0
    batch = REGISTRY[code].parse(kit.body(envelope), places)
    kit.assert_body_order(batch, len(records))
