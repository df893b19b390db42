"""Bring a database to what this hub expects: schema, regions, sources."""

from __future__ import annotations

import asyncpg

import adapters
from hub import migrate, regions
from hub.places import load_places
from hub.sql import reference as q


async def prepare_database(conn: asyncpg.Connection) -> list[migrate.Migration]:
    """Migrate, then load the shipped reference data. Idempotent."""
    applied = await migrate.migrate(conn)
    async with conn.transaction():
        await load_regions(conn)
        await name_numbered_places(conn)
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


async def name_numbered_places(conn: asyncpg.Connection) -> None:
    """Give the towns and villages held under their code the shipped name, if any."""
    places = load_places()
    named = [(r["code"], places.official_name(r["code"])) for r in await conn.fetch(q.NUMBERED_PLACES)]
    known = [(code, name) for code, name in named if name]
    if known:
        await conn.execute(q.NAME_PLACES, [c for c, _ in known], [n for _, n in known])


async def load_sources(conn: asyncpg.Connection) -> None:
    for adapter in adapters.REGISTRY.values():
        info = adapter.info
        await conn.execute(q.UPSERT_SOURCE, info.code, info.name, info.scope_code)
