"""Scalars of the contract: ``DateTime`` with its offset, ``Date``.

The store keeps ``timestamptz``; asyncpg reads them in UTC. We serve them in
Beijing time (+08:00), the offset every user of the hub lives in, so that
``2022-03-05T10:12:00+08:00`` reads as the platform showed it.

A value that does not parse is refused with what to write instead, never
quoting what was sent (``schema.errors``: messages hold no input).
"""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types.scalar import ScalarDefinition

BEIJING = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")


def _serialize_datetime(value: dt.datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("DateTime values must carry an offset")
    return value.astimezone(BEIJING).isoformat()


_DATETIME_EXAMPLE = "write e.g. 2022-03-14T09:30:00+08:00"


def _parse_datetime(value: object) -> dt.datetime:
    if not isinstance(value, str):
        raise ValueError(f"DateTime must be an ISO-8601 string with an offset; {_DATETIME_EXAMPLE}")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"DateTime is not an ISO-8601 date-time; {_DATETIME_EXAMPLE}"
        ) from None
    if parsed.tzinfo is None:
        raise ValueError(f"DateTime has no offset; {_DATETIME_EXAMPLE}")
    return parsed


def _parse_date(value: object) -> dt.date:
    # Exactly YYYY-MM-DD: fromisoformat alone also takes 20220314 and 2022-W11-1.
    if not isinstance(value, str) or len(value) != 10 or value[4] != "-" or value[7] != "-":
        raise ValueError("Date must be an ISO-8601 calendar date; write e.g. 2022-03-14")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError("Date is not a day of the calendar; write e.g. 2022-03-14") from None


DateTime = strawberry.scalar(
    name="DateTime",
    description="ISO-8601 时间，带时区偏移（以北京时间 +08:00 输出）/ ISO-8601 date-time with "
    "offset, served in Beijing time, e.g. 2022-03-14T09:30:00+08:00.",
    serialize=_serialize_datetime,
    parse_value=_parse_datetime,
)

Date = strawberry.scalar(
    name="Date",
    description="日期，ISO-8601（北京日历日）/ A calendar date, ISO-8601, e.g. 2022-03-14.",
    serialize=dt.date.isoformat,
    parse_value=_parse_date,
)

SCALAR_MAP: dict[object, ScalarDefinition] = {dt.datetime: DateTime, dt.date: Date}
