"""What several commands share: opening the database the environment names,
after saying which one it is (a command must not create a 50 MB embedded
cluster in the current folder without a word)."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from hub import db
from hub.bootstrap import prepare_database
from hub.config import DEFAULT_DATA_DIR, data_dir, database_url


@asynccontextmanager
async def open_pool(*, migrate: bool = True, max_size: int = 10) -> AsyncIterator[asyncpg.Pool]:
    """A pool on ``DATABASE_URL`` or the embedded server, migrated first."""
    announce_database()
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


def announce_database() -> None:
    """One line on stderr: the database this command is about to use (or create)."""
    url = database_url()
    if url:
        print(f"hub: database: {db.redact(url)} (DATABASE_URL)", file=sys.stderr, flush=True)
        return
    where = data_dir().expanduser().resolve()
    named = "HUB_DATA_DIR" if os.environ.get("HUB_DATA_DIR") else (
        f"HUB_DATA_DIR not set: the default {DEFAULT_DATA_DIR}")
    fresh = not (where / "pg" / "PG_VERSION").exists()
    action = "creating a new one (about 50 MB)" if fresh else "existing"
    print(f"hub: database: the embedded PostgreSQL in {where / 'pg'} ({named}; {action}); "
          "set DATABASE_URL or HUB_DATA_DIR to use another", file=sys.stderr, flush=True)
