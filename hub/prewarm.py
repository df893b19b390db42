"""Statistics relations loaded into shared buffers when the hub starts.

After a restart PostgreSQL's shared buffers are empty, and on a machine
whose file cache holds little (this one keeps under 100 MB) the first
figures of every kind wait for the disk: tens of milliseconds each, for
minutes. ``prewarm`` reads the rollups and the records' statistics indexes
once, in the background, with pg_prewarm (migration 0007); a server without
it is left as it is. Of the processes sharing a database, one does it
(``prewarm_once``): the buffers are the server's, not the process's.
"""

from __future__ import annotations

import logging
import time

import asyncpg

from hub import leases
from hub.errors import DatabaseError
from hub.sql import stats as q

__all__ = ["prewarm", "prewarm_once"]

LEASE = "prewarm"
LEASE_SECONDS = 600.0  # processes starting within ten minutes of it skip it

log = logging.getLogger("hub.prewarm")


async def prewarm(pool: asyncpg.Pool) -> int:
    """Blocks read into shared buffers (0 without pg_prewarm). Never raises:
    a failure only leaves the server colder."""
    started = time.monotonic()
    blocks = 0
    try:
        async with pool.acquire() as conn:
            if not await conn.fetchval(q.HAS_PREWARM):
                return 0
            for name in q.PREWARM_RELATIONS:
                blocks += int(await conn.fetchval(q.PREWARM, name))
    except (asyncpg.PostgresError, DatabaseError, OSError) as exc:
        log.warning("prewarming the statistics stopped: %s", exc)
    log.info("prewarmed %d blocks of statistics in %.1fs", blocks, time.monotonic() - started)
    return blocks


async def prewarm_once(pool: asyncpg.Pool) -> int:
    """``prewarm``, unless another process sharing the database did it in the
    last ``LEASE_SECONDS`` (0 then)."""
    try:
        if not await leases.claim_period(pool, LEASE, LEASE_SECONDS):
            return 0
    except (asyncpg.PostgresError, DatabaseError, OSError) as exc:
        log.warning("prewarming the statistics skipped: %s", exc)
        return 0
    return await prewarm(pool)
