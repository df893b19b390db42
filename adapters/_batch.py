"""The loop every adapter shares: native records in body order → Batch items.

Whatever one record holds, it becomes one item: a ``Parsed`` record, or a
``Rejection`` naming the field and the reason, whose ``raw`` (kept in the
dead-letter store) holds no personal data and nothing PostgreSQL refuses.
The full person names a record's accessors read (``Fields.person_name``) are
masked wherever else the translated record repeats them (its title …).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from adapters._fields import Fields, Invalid
from hub.models import Batch, Parsed, Record, RecordMeta, Region, Rejection
from hub.privacy import redact_text, safe_message

Translation = tuple[Record, tuple[Record, ...]]
# Translates one native object (wrapped in Fields) into a record and its side records.
Translate = Callable[[Fields], Translation]
# The record's platform id if it can be read, for the rejection report.
SourceId = Callable[[Mapping[str, object]], str | None]
# The record minus personal data, and the full names it held (to keep them out
# of messages).
Scrub = Callable[[Mapping[str, object]], tuple[object, list[str]]]

# Longest platform id quoted in a report or a dead letter.
_MAX_SHOWN_ID = 200


def build_batch(
    source: str,
    natives: Sequence[object],
    translate: Translate,
    source_id: SourceId,
    scrub: Scrub,
) -> Batch:
    items: list[Parsed | Rejection] = []
    for index, native in enumerate(natives):
        if not isinstance(native, dict):
            items.append(Rejection(index, None, "record", "is not a JSON object", None))
            continue
        fields = Fields(native)
        try:
            record, side = translate(fields)
        except Invalid as exc:
            items.append(_reject(index, native, exc.field, exc.message, source_id, scrub))
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError, RecursionError) as exc:
            # A shape no accessor foresaw: still this record's fault, not the batch's.
            message = f"cannot be translated ({type(exc).__name__})"
            items.append(_reject(index, native, "record", message, source_id, scrub))
        else:
            if fields.names and fields.repeats_a_name():
                record = _masking(record, fields.names)
                side = tuple(_masking(s, fields.names) for s in side)
            items.append(Parsed(index, record, side))
    return Batch(source=source, items=tuple(items))


def _masking(value: Any, names: list[str]) -> Any:
    """``value`` (a record, or a claim of one) with ``names`` masked in its texts.

    Ids, regions (the hub's reference data) and enums are left as they are.
    """
    if type(value) is str:
        return redact_text(value, names) if any(n in value for n in names) else value
    if isinstance(value, tuple):
        masked = tuple(_masking(v, names) for v in value)
        return value if all(a is b for a, b in zip(masked, value, strict=True)) else masked
    if dataclasses.is_dataclass(value) and not isinstance(value, type | Region | RecordMeta):
        changes = {}
        for f in dataclasses.fields(value):
            old = getattr(value, f.name)
            new = _masking(old, names)
            if new is not old:
                changes[f.name] = new
        return dataclasses.replace(value, **changes) if changes else value
    return value


def _reject(
    index: int,
    native: Mapping[str, object],
    field: str,
    message: str,
    source_id: SourceId,
    scrub: Scrub,
) -> Rejection:
    raw, names = scrub(native)
    ident = source_id(native)
    return Rejection(
        index=index,
        source_id=None if ident is None else safe_message(ident, names, _MAX_SHOWN_ID),
        field=safe_message(field, names, _MAX_SHOWN_ID),
        message=safe_message(message, names),
        raw=raw,
    )


def id_reader(*keys: str) -> SourceId:
    """Reads the first present id among ``keys`` (strings or integers)."""

    def read(native: Mapping[str, object]) -> str | None:
        for key in keys:
            value = native.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
            if isinstance(value, int) and not isinstance(value, bool):
                return str(value)
        return None

    return read
