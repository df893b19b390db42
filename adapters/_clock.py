"""The platforms' clocks, parsed into aware datetimes, and version encodings.

Every function returns ``None`` for a value it cannot read, and leaves it to
the caller (``_fields.Fields``) to reject the record naming the field: the
functions themselves never raise on bad input.
"""

from __future__ import annotations

import datetime as dt
import re

UTC = dt.UTC
# 北京时间 has had no daylight saving since 1991: a fixed offset is exact for
# every record the platforms hold.
BEIJING = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = dt.timedelta(microseconds=1)

_BEIJING_FORMAT = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
_DATE_FORMAT = re.compile(r"\d{4}-\d{2}-\d{2}")
# Spellings of "no time" used by 盛京使者.
BEIJING_UNSET = frozenset({"", "0000-00-00 00:00:00"})


def beijing_local(value: str) -> dt.datetime | None:
    """``yyyy-MM-dd HH:mm:ss`` read as Beijing time, returned in UTC."""
    text = value.strip()
    if not _BEIJING_FORMAT.fullmatch(text):
        return None
    try:
        # The regex fixed the shape; fromisoformat is ~10x faster than strptime
        # and rejects the same impossible dates (2022-02-30). The offset read
        # with it saves a replace() per time (three a record).
        local = dt.datetime.fromisoformat(text + "+08:00")
    except ValueError:
        return None
    return local.astimezone(UTC)


def epoch_millis(value: int) -> dt.datetime | None:
    """Epoch milliseconds (UTC) as an aware datetime."""
    if value < 0:
        return None
    try:
        return _EPOCH + dt.timedelta(milliseconds=value)
    except OverflowError:
        return None


def iso_aware(value: str) -> dt.datetime | None:
    """ISO-8601 with an offset (``+08:00`` or ``Z``), returned in UTC.

    A time without an offset is refused rather than guessed.
    """
    text = value.strip()
    if "T" not in text or not _DATE_FORMAT.match(text):
        return None
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        return None
    return parsed.astimezone(UTC)


def local_date(value: str) -> dt.date | None:
    """A ``yyyy-MM-dd`` calendar date (local to the platform: no time zone)."""
    text = value.strip()
    if not _DATE_FORMAT.fullmatch(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def epoch_micros(instant: dt.datetime) -> int:
    """An aware datetime as an integer version: epoch microseconds."""
    return (instant - _EPOCH) // _MICROSECOND
