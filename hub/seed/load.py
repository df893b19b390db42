"""Pushing a seed through the hub's own write path.

Every body goes through ``hub.ingest.ingest`` (``via="seed"``), exactly as a
platform's push would, a few at a time: the adapters translate, the store
applies version rules, mirrors and cards, and the statistics' rollups move
in the same transactions.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import asyncpg

from hub.ingest import ingest
from hub.seed.bodies import bodies, seed_world
from hub.sql import seed as q
from hub.stats_refresh import refresh_medians

# Bodies in flight at once: enough to keep PostgreSQL busy while Python parses
# the next one, few enough not to queue on the rollups' lock.
DEFAULT_CONCURRENCY = 3


@dataclass(slots=True)
class SeedProgress:
    bodies: int = 0
    records: int = 0
    expected_records: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    @property
    def rate(self) -> float:
        """Records per second so far."""
        return self.records / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        """Seconds left, from the plan's estimate of the records to come."""
        if self.rate <= 0 or self.expected_records <= self.records:
            return None
        return (self.expected_records - self.records) / self.rate


@dataclass(slots=True)
class SeedSummary:
    scale: float
    seed: int
    bodies: int = 0
    received: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    by_source: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    # Wishes the hub holds afterwards (visible: not deleted, not a shadowed mirror).
    wishes: int = 0


async def load(
    pool: asyncpg.Pool,
    scale: float,
    *,
    seed: int = 7,
    now: dt.datetime,
    progress: Callable[[SeedProgress], None] | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> SeedSummary:
    """Generate the seed for ``scale`` and push every body into the hub.

    At most ``concurrency`` bodies are in flight at once, in the order
    generated; the hub's version rules make the final state independent of
    the order they land in. Raises the first error a body caused, after the
    bodies in flight finish (nothing more is pushed after it).
    """
    world = seed_world(scale, seed, now)
    summary = SeedSummary(scale=scale, seed=seed)
    state = SeedProgress(expected_records=world.plan.expected_records())
    slots = asyncio.Semaphore(concurrency)
    tasks: set[asyncio.Task[None]] = set()
    failure: list[BaseException] = []

    async def push(source: str, body: bytes) -> None:
        try:
            # A deadlock's victim is stored again inside ``ingest``.
            report = await ingest(pool, source, body, via="seed")
        except BaseException as exc:
            failure.append(exc)
            return
        finally:
            slots.release()
        summary.bodies += 1
        summary.received += report.received
        summary.accepted += report.accepted
        summary.duplicates += report.duplicates
        summary.rejected += report.rejected
        summary.by_source[source] = summary.by_source.get(source, 0) + report.received
        state.bodies += 1
        state.records += report.received
        if progress is not None:
            progress(state)

    for source, body in bodies(world):
        await slots.acquire()
        if failure:
            slots.release()
            break
        task = asyncio.create_task(push(source, body))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.gather(*list(tasks))
    if failure:
        raise failure[0]
    summary.seconds = state.elapsed
    async with pool.acquire() as conn:
        summary.wishes = int(await conn.fetchval(q.VISIBLE_WISHES))
        # Figures are exact without this; stored medians make them cheap again.
        await refresh_medians(conn)
    return summary


async def tidy(pool: asyncpg.Pool) -> float:
    """Vacuum and analyze what a seed wrote (seconds taken); worth it after a large one."""
    started = time.monotonic()
    async with pool.acquire() as conn:
        await conn.execute(q.TIDY)
    return time.monotonic() - started
