"""Bring a database to what this hub expects: schema, regions, sources."""

from __future__ import annotations

import asyncpg

import adapters
from hub import migrate, regions
from hub.sql import reference as q


async def prepare_database(conn: asyncpg.Connection) -> list[migrate.Migration]:
    """Migrate, then load the shipped reference data. Idempotent."""
    applied = await migrate.migrate(conn)
    async with conn.transaction():
        await load_regions(conn)
        await load_sources(conn)
    return applied


async def load_regions(conn: asyncpg.Connection) -> None:
    rows = regions.reference_regions()
    await conn.execute(
        q.UPSERT_REGIONS,
        [r.code for r in rows],
        [r.name for r in rows],
        [r.level.value for r in rows],
        [r.parent_code for r in rows],
    )


async def load_sources(conn: asyncpg.Connection) -> None:
    for adapter in adapters.REGISTRY.values():
        info = adapter.info
        await conn.execute(q.UPSERT_SOURCE, info.code, info.name, info.scope_code)
