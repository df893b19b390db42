"""Scalars of the contract: ``DateTime`` with its offset, ``Date``.

The store keeps ``timestamptz``; asyncpg reads them in UTC. We serve them in
Beijing time (+08:00), the offset every user of the hub lives in, so that
``2022-03-05T10:12:00+08:00`` reads as the platform showed it.
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


def _parse_datetime(value: object) -> dt.datetime:
    if not isinstance(value, str):
        raise ValueError("DateTime must be an ISO-8601 string with an offset")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed = dt.datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        raise ValueError(
            f"DateTime {value!r} has no offset; write e.g. 2022-03-14T09:30:00+08:00"
        )
    return parsed


DateTime = strawberry.scalar(
    name="DateTime",
    description="ISO-8601 时间，带时区偏移（以北京时间 +08:00 输出）/ ISO-8601 date-time with "
    "offset, served in Beijing time, e.g. 2022-03-14T09:30:00+08:00.",
    serialize=_serialize_datetime,
    parse_value=_parse_datetime,
)

SCALAR_MAP: dict[object, ScalarDefinition] = {dt.datetime: DateTime}
