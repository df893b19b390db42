"""Migrators racing on a fresh database: several workers or hosts starting at once."""

from __future__ import annotations

import asyncio

from hub import db, migrate


async def test_concurrent_migrators_apply_each_migration_once(scratch_url: str) -> None:
    conns = [await db.connect(scratch_url) for _ in range(3)]
    try:
        results = await asyncio.gather(*(migrate.migrate(c) for c in conns))
        versions = sorted(m.version for applied in results for m in applied)
        assert versions == [m.version for m in migrate.shipped()]
        # No lock outlives its transaction (a pooler may hand the session to anyone).
        assert await conns[0].fetchval(
            "select count(*) from pg_locks where locktype = 'advisory'") == 0
        assert await conns[0].fetchval("select count(*) from schema_migrations") == len(versions)
    finally:
        for c in conns:
            await c.close()
