"""Stored medians brought up to date in the background after deliveries."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt

import asyncpg
import pytest

from hub import db
from hub.app import create_app
from hub.config import parse_config
from hub.errors import ConfigError
from hub.ingest import ingest
from hub.seed.bodies import generate
from hub.stats import StatsFilter, stats, warm
from hub.stats_refresh import keep_medians_fresh, refresh_medians

NOW = dt.datetime(2026, 3, 20, 4, tzinfo=dt.UTC)

_BRUTE_MEDIANS = """
select percentile_cont(0.5) within group (order by claim_hours)
           filter (where claim_hours is not null),
       percentile_cont(0.5) within group (order by fulfil_hours)
           filter (where fulfil_hours is not null)
  from wishes where not deleted and not shadowed
"""


async def _marks(pool: asyncpg.Pool) -> int:
    async with pool.acquire() as conn:
        n: int = await conn.fetchval("select count(*) from stats_medians_dirty")
        return n


async def test_deliveries_mark_periods_and_the_background_task_refreshes_them(
    clean_db: asyncpg.Pool,
) -> None:
    for source, body in list(generate(0.0005, seed=3, now=NOW))[:12]:
        await ingest(clean_db, source, body)
    assert await _marks(clean_db) > 0
    task = asyncio.create_task(keep_medians_fresh(clean_db, interval=0.05))
    try:
        for _ in range(200):  # at most ~10 s
            if await _marks(clean_db) == 0:
                break
            await asyncio.sleep(0.05)
        assert await _marks(clean_db) == 0
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    async with clean_db.acquire() as conn:
        kept = await conn.fetchval(
            "select count(*) from stats_wish_medians where g = 'A' and area = '21'")
        assert kept == 1  # all time, for the province: what a filter without dates reads
        w = (await stats(conn, StatsFilter(), today=NOW.date())).wishes
        assert (w.median_hours_to_claim, w.median_hours_to_fulfill) == tuple(
            await conn.fetchrow(_BRUTE_MEDIANS))


async def test_one_refresh_at_a_time(clean_db: asyncpg.Pool) -> None:
    for source, body in list(generate(0.0005, seed=3, now=NOW))[:4]:
        await ingest(clean_db, source, body)
    async with clean_db.acquire() as first, clean_db.acquire() as second:
        async with first.transaction():
            assert await first.fetchval("select stats_refresh_medians_batch(1)") == 1
            # The other waits for nothing: it leaves the work to the one running.
            assert await refresh_medians(second) == 0
        assert await refresh_medians(second) > 0
    assert await _marks(clean_db) == 0


def test_a_bad_refresh_interval_stops_the_hub_at_start() -> None:
    for bad in (-1, "often", True):
        with pytest.raises(ConfigError, match="refresh_medians_seconds"):
            create_app(config=parse_config({"statistics": {"refresh_medians_seconds": bad}}))
    create_app(config=parse_config({"statistics": {"refresh_medians_seconds": 0}}))


async def test_a_hub_started_before_its_migrations_still_starts(
    scratch_url: str, caplog: pytest.LogCaptureFixture,
) -> None:
    """Connections stay cold and the refresh waits, saying so once: ``/readyz``
    tells the operator to run ``hub migrate``."""
    pool = await db.create_pool(scratch_url, min_size=2, max_size=2, init=warm)
    try:
        assert await pool.fetchval("select 1") == 1
        task = asyncio.create_task(keep_medians_fresh(pool, interval=0.02))
        await asyncio.sleep(0.3)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    finally:
        await pool.close()
    failures = [r for r in caplog.records if "refreshing stored medians failed" in r.message]
    assert len(failures) == 1
