"""Stored medians brought up to date after deliveries (migration 0006).

A delivery only marks the periods whose one-hour histograms it changed;
their stored medians are recomputed here, later, outside its transaction.
Until then readers sum the histograms of a marked period instead, so figures
are exact at every moment; the refresh only makes them cheaper again.
"""

from __future__ import annotations

import asyncio
import logging
import time

import asyncpg

from hub.errors import DatabaseError
from hub.sql import stats as q

__all__ = ["keep_medians_fresh", "refresh_medians"]

log = logging.getLogger("hub.stats")

# Periods per transaction: about 2 ms each on average at province scale (all
# 7,200 in ~15 s; an all-time period ~35 ms), so a batch takes about a second.
BATCH = 500


async def refresh_medians(conn: asyncpg.Connection, *, batch: int = BATCH) -> int:
    """Recompute every marked period; how many. Stops early (returning what it
    did) when another refresh holds the lock: that one finishes the work."""
    done = 0
    while True:
        n: int = await conn.fetchval(q.REFRESH_MEDIANS, batch)
        if n <= 0:
            return done
        done += n


async def keep_medians_fresh(pool: asyncpg.Pool, *, interval: float = 0.5,
                             share: float = 0.25) -> None:
    """Refresh marked periods forever (the app's lifespan runs it as a task).

    One batch at a time, then a pause long enough that refreshing takes at
    most ``share`` of the time while work remains (a backfill leaves most of
    the database to the deliveries), or ``interval`` once none is left.
    """
    pause = interval
    reported = ""  # a failure is logged once, not every pause (say, before `hub migrate`)
    while True:
        await asyncio.sleep(pause)
        started = time.monotonic()
        n = 0
        try:
            async with pool.acquire() as conn:
                n = await conn.fetchval(q.REFRESH_MEDIANS, BATCH)
            reported = ""
        except (asyncpg.PostgresError, DatabaseError, OSError) as exc:
            if str(exc) != reported:
                log.warning("refreshing stored medians failed: %s", exc)
                reported = str(exc)
        took = time.monotonic() - started
        pause = took * (1 - share) / share if n >= BATCH else interval
