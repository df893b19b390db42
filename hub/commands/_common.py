"""What several commands share: opening the database the environment names."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from hub import db
from hub.bootstrap import prepare_database


@asynccontextmanager
async def open_pool(*, migrate: bool = True, max_size: int = 10) -> AsyncIterator[asyncpg.Pool]:
    """A pool on ``DATABASE_URL`` or the embedded server, migrated first."""
    url = await db.resolve_url()
    if migrate:
        conn = await db.connect(url)
        try:
            await prepare_database(conn)
        finally:
            await conn.close()
    pool = await db.create_pool(url, max_size=max_size)
    try:
        yield pool
    finally:
        await pool.close()
