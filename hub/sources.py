"""Reading the sources with their health, as the API shows them."""

from __future__ import annotations

import datetime as dt

import asyncpg

from hub.config import Config
from hub.health import data_health, source_health
from hub.models import Source
from hub.sql import read as q


async def all_sources(
    conn: asyncpg.Pool | asyncpg.Connection, config: Config, now: dt.datetime
) -> dict[int, Source]:
    rows = await conn.fetch(q.SOURCES)
    return {
        r["id"]: Source(
            id=r["id"],
            code=r["code"],
            name=r["name"],
            scope_code=r["scope_code"],
            health=source_health(r, now, config),
            last_received_at=r["last_received_at"],
            records_accepted=r["records_accepted"],
            records_rejected=r["records_rejected"],
            data_health=data_health(r),
        )
        for r in rows
    }
