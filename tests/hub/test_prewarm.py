"""The statistics relations the hub prewarms when it starts."""

from __future__ import annotations

import asyncpg

from hub.prewarm import prewarm
from hub.sql import stats as q


async def test_every_prewarmed_relation_exists_and_is_read_whole(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        sizes = {r["relname"]: r["blocks"] for r in await conn.fetch(
            "select relname, pg_relation_size(oid) / current_setting('block_size')::int as blocks"
            "  from pg_class where relname = any($1::text[])"
            "   and relnamespace = current_schema()::regnamespace",
            list(q.PREWARM_RELATIONS))}
        assert await conn.fetchval(q.HAS_PREWARM)
    # A relation renamed by a migration would silently stay cold.
    assert sorted(sizes) == sorted(q.PREWARM_RELATIONS)
    assert await prewarm(pool) == sum(sizes.values())
