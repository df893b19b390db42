"""DataLoaders, made per request: each relation of a list costs one statement.

A loader batches every key asked for in one tick of the event loop into one
``= any($1)`` query, and caches per request, so a page of 100 wishes with
their regions, stations, sources and claims costs a handful of statements
whatever its size.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any, Generic, TypeVar

import asyncpg
from aiodataloader import DataLoader

from hub import matching, read, wishlist
from hub import stats as hub_stats
from hub import stats_flow as hub_flow
from hub.models import (
    Activity,
    Claim,
    Region,
    Station,
    Team,
    TeamSuggestion,
    Wish,
    WishDispatch,
    WishTransfer,
)
from hub.sql import read as q
from hub.sql import wishlist as wq
from hub.stats_escalated import EscalatedCounts, escalated_counts

K = TypeVar("K", bound=Hashable)
# (batch, member, filter, days): see _overdue_batch.
OverdueKey = tuple[Any, Any, Any, int]
# (batch, member, filter): see _escalated_batch.
EscalatedKey = tuple[Any, Any, Any]
# (batch, member, filter): see _flow_batch.
FlowKey = tuple[Any, Any, Any]
V = TypeVar("V")


class _ByKey(DataLoader[K, V | None], Generic[K, V]):
    """Loads rows by key with one query; missing keys give None."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        sql: str,
        build: Callable[[asyncpg.Record], V],
        key: Callable[[V], K],
    ) -> None:
        super().__init__()
        self._pool = pool
        self._sql = sql
        self._build = build
        self._key = key

        self.done: dict[K, V | None] = {}

    async def batch_load_fn(self, keys: Sequence[K]) -> list[V | None]:
        rows = await self._pool.fetch(self._sql, list(keys))
        found = {self._key(v): v for v in map(self._build, rows)}
        values = [found.get(k) for k in keys]
        self.done.update(zip(keys, values, strict=True))
        return values

    def get(self, key: K) -> V | Awaitable[V | None] | None:
        """The value at once when already loaded, else the loader's future."""
        if key in self.done:
            return self.done[key]
        return self.load(key)


class _ManyByKey(DataLoader[K, list[V]], Generic[K, V]):
    """Loads lists by key with one query; a key with no rows gives []."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        sql: str,
        build: Callable[[asyncpg.Record], V],
        key: Callable[[V], K],
    ) -> None:
        super().__init__()
        self._pool = pool
        self._sql = sql
        self._build = build
        self._key = key

        self.done: dict[K, list[V]] = {}

    async def batch_load_fn(self, keys: Sequence[K]) -> list[list[V]]:
        rows = await self._pool.fetch(self._sql, list(keys))
        groups: dict[K, list[V]] = defaultdict(list)
        for value in map(self._build, rows):
            groups[self._key(value)].append(value)
        values = [groups.get(k, []) for k in keys]
        self.done.update(zip(keys, values, strict=True))
        return values

    def get(self, key: K) -> list[V] | Awaitable[list[V]]:
        """The values at once when already loaded, else the loader's future."""
        if key in self.done:
            return self.done[key]
        return self.load(key)


class Loaders:
    """Every loader of one request."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.region: _ByKey[str, Region] = _ByKey(
            pool, q.REGIONS_BY_CODE, read.region_from_row, lambda r: r.code
        )
        self.region_children: _ManyByKey[str, Region] = _ManyByKey(
            pool, q.REGION_CHILDREN, read.region_from_row, _parent_code
        )
        self.station: _ByKey[int, Station] = _by_id(pool, read.STATIONS)
        self.team: _ByKey[int, Team] = _by_id(pool, read.TEAMS)
        self.wish: _ByKey[int, Wish] = _by_id(pool, read.WISHES)
        self.activity: _ByKey[int, Activity] = _by_id(pool, read.ACTIVITIES)
        self.claims: _ManyByKey[int, Claim] = _ManyByKey(
            pool, q.CLAIMS_BY_WISH, read.claim_from_row, lambda c: c.wish_id
        )
        self.transfers: _ManyByKey[int, WishTransfer] = _ManyByKey(
            pool, wq.TRANSFERS_BY_WISH, wishlist.transfer_from_row, lambda t: t.wish_id
        )
        self.dispatch: _ByKey[int, WishDispatch] = _ByKey(
            pool, wq.CURRENT_DISPATCH_BY_WISH, wishlist.dispatch_from_row, lambda d: d.wish_id
        )
        self.dispatches: _ManyByKey[int, WishDispatch] = _ManyByKey(
            pool, wq.ENDED_DISPATCHES_BY_WISH, wishlist.dispatch_from_row, lambda d: d.wish_id
        )
        self.overdue: DataLoader[OverdueKey, int] = DataLoader(
            batch_load_fn=functools.partial(_overdue_batch, pool))
        self.escalated: DataLoader[EscalatedKey, EscalatedCounts] = DataLoader(
            batch_load_fn=functools.partial(_escalated_batch, pool))
        # (wish id, how many): one statement for every wish of a page.
        self.suggestions: DataLoader[tuple[int, int], list[TeamSuggestion]] = DataLoader(
            batch_load_fn=functools.partial(_suggestions_batch, pool))
        self.rejected_last_day: DataLoader[int, int] = DataLoader(
            batch_load_fn=functools.partial(_rejected_last_day, pool))
        self.flow: DataLoader[FlowKey, hub_flow.WishFlow] = DataLoader(
            batch_load_fn=functools.partial(_flow_batch, pool))


def _by_id(pool: asyncpg.Pool, kind: read.ListKind[V]) -> _ByKey[int, V]:
    """A list kind's objects by id (deleted and shadowed ones are none)."""
    return _ByKey(pool, kind.by_id, kind.build, _id_of)


def _id_of(value: Any) -> int:
    key: int = value.id
    return key


def _parent_code(region: Region) -> str:
    assert region.parent_code is not None
    return region.parent_code




async def _suggestions_batch(
    pool: asyncpg.Pool, keys: Sequence[tuple[int, int]]
) -> list[list[TeamSuggestion]]:
    found = await matching.suggestions(pool, keys)
    return [found[k] for k in keys]


async def _overdue_batch(pool: asyncpg.Pool, keys: Sequence[OverdueKey]) -> list[int]:
    """``overdue(days)`` for many figures: one query per statsByRegion or
    statsSeries and ``days`` (all the rows or points of a list), one per
    figures alone. A key is (batch, member, the figures' own filter or None for
    a member of a batch, days); see ``WishStats._batch``."""
    today = hub_stats.beijing_today()
    groups: dict[tuple[Any, int], list[int]] = {}
    for i, (batch, _, _, days) in enumerate(keys):
        groups.setdefault((batch, days), []).append(i)
    out = [0] * len(keys)
    async with pool.acquire() as conn:
        for (batch, days), members in groups.items():
            found: dict[Any, int] = {}
            if batch[0] == "region":
                found = await hub_stats.overdue_by_region(conn, batch[1], batch[2], days, today)
            elif batch[0] == "series":
                found = await hub_stats.overdue_series(conn, batch[1], batch[2], days, today)
            for i in members:
                member, flt = keys[i][1], keys[i][2]
                if member in found:
                    out[i] = found[member]
                else:  # alone, or a row or point the batch no longer has
                    own = flt if flt is not None else _member_filter(batch, member)
                    out[i] = await hub_stats.overdue(conn, own, days, today)
    return out


async def _escalated_batch(
    pool: asyncpg.Pool, keys: Sequence[EscalatedKey]
) -> list[EscalatedCounts]:
    """``WishStats.escalated`` of every figures of a request in one statement:
    each key is (batch, member, the figures' own filter or None for a member
    of a batch), as for ``overdue``."""
    filters = [flt if flt is not None else _member_filter(batch, member)
               for batch, member, flt in keys]
    return await escalated_counts(pool, filters)
async def _rejected_last_day(pool: asyncpg.Pool, keys: Sequence[int]) -> list[int]:
    """Records each source (by id) rejected in the last 24 hours, in one statement."""
    rows = await pool.fetch(q.REJECTED_LAST_DAY, list(keys))
    found = {r["source"]: int(r["rejected"]) for r in rows}
    return [found.get(k, 0) for k in keys]


async def _flow_batch(pool: asyncpg.Pool, keys: Sequence[FlowKey]) -> list[hub_flow.WishFlow]:
    """``flow`` for many figures (every row of a statsByRegion, every point of
    a statsSeries, figures alone) in one call: a key is (batch, member, the
    figures' own filter or None for a member of a batch)."""
    filters = [flt if flt is not None else _member_filter(batch, member)
               for batch, member, flt in keys]
    async with pool.acquire() as conn:
        return await hub_flow.flows(conn, filters)


def _member_filter(batch: Any, member: Any) -> hub_stats.StatsFilter:
    """The filter of one row of a statsByRegion or one point of a statsSeries."""
    if batch[0] == "region":
        return hub_stats.region_filter(batch[1], member)
    return hub_stats.bucket_filter(batch[1], member, batch[2])
