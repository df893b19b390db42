"""The loop every adapter shares: native records in body order → Batch items."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from adapters._fields import Fields, Invalid
from adapters._privacy import redact_text
from hub.models import Batch, Parsed, Record, Rejection

Translation = tuple[Record, tuple[Record, ...]]
# Translates one native object (wrapped in Fields) into a record and its side records.
Translate = Callable[[Fields], Translation]
# The record's platform id if it can be read, for the rejection report.
SourceId = Callable[[Mapping[str, object]], str | None]
# The record minus personal data, and the full names it held (to keep them out
# of messages).
Scrub = Callable[[Mapping[str, object]], tuple[object, list[str]]]


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
        try:
            record, side = translate(Fields(native))
        except Invalid as exc:
            items.append(_reject(index, native, exc.field, exc.message, source_id, scrub))
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
            # A shape no accessor foresaw: still this record's fault, not the batch's.
            message = f"cannot be translated ({type(exc).__name__})"
            items.append(_reject(index, native, "record", message, source_id, scrub))
        else:
            items.append(Parsed(index, record, side))
    return Batch(source=source, items=tuple(items))


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
        source_id=None if ident is None else redact_text(ident, names),
        field=field,
        message=redact_text(message, names),
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
