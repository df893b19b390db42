"""Statistics resolvers: translate GraphQL filters, call ``hub.stats``, wrap results."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from strawberry.types.nodes import Selection

from hub import stats as hub_stats
from hub import stats_flow as hub_flow
from hub.errors import QueryError
from hub.models import Region, RegionLevel
from hub.places import load_places
from hub.stats_calendar import check_dates
from hub.stats_escalated import EscalatedCounts
from resolvers.context import Context
from resolvers.lookahead import selects
from schema import stats as s
from schema.executor import PLAIN_SLICE


def hub_filter(f: s.StatsFilter | None) -> hub_stats.StatsFilter:
    if f is None:
        return hub_stats.StatsFilter()
    if f.region_code is not None and load_places().region(f.region_code) is None:
        raise QueryError("`regionCode` is not a division code of 辽宁 (6, 9 or 12 digits, "
                         "e.g. 210100)")
    check_dates(f.from_, f.to)
    return hub_stats.StatsFilter(
        region_code=f.region_code,
        from_=f.from_,
        to=f.to,
        category=f.category,
        beneficiary_group=f.beneficiary_group,
        source_code=f.source_code,
    )


MAX_OVERDUE_DAYS = 36_525

# ``WishStats._batch``: figures alone, or a member (region code, bucket start)
# of the rows of one statsByRegion or the points of one statsSeries.
Batch = tuple[Any, ...]
_ALONE: Batch = ("alone",)


def wrap(result: Any, flt: hub_stats.StatsFilter | None, batch: Batch = _ALONE,
         member: Any = None, flow: hub_flow.WishFlow | None = None) -> s.Stats:
    """The schema's figures; ``flt`` is None for a member of a batch (its own
    filter follows from the batch's, see ``resolvers.loaders``, and is rarely needed:
    only for an ``overdue(days)`` the batch no longer has)."""
    w, a = result.wishes, result.activities
    return s.Stats(
        wishes=s.WishStats(
            submitted=w.submitted,
            open=w.open,
            claimed=w.claimed,
            fulfilled=w.fulfilled,
            cancelled=w.cancelled,
            fulfillment_rate=w.fulfillment_rate,
            median_hours_to_claim=w.median_hours_to_claim,
            median_hours_to_fulfill=w.median_hours_to_fulfill,
            _filter=flt,
            _overdue_default=w.overdue,
            _batch=(batch, member),
            _flow=None if flow is None else _flow(flow),
        ),
        activities=s.ActivityStats(
            activities=a.activities,
            sessions=a.sessions,
            volunteer_attendances=a.volunteer_attendances,
            beneficiaries=a.beneficiaries,
            volunteer_hours=a.volunteer_hours,
        ),
        teams=result.teams,
        team_members=result.team_members,
        stations=result.stations,
    )


def _flow(found: hub_flow.WishFlow) -> s.WishFlow:
    return s.WishFlow(submitted=found.submitted, claimed=found.claimed,
                      fulfilled=found.fulfilled, cancelled=found.cancelled)


def wants_flow(selections: list[Selection], *above: str) -> bool:
    """Whether ``flow`` is asked for: then it is counted with the other figures."""
    return selects(selections, (*above, "wishes", "flow"))


def wants_medians(selections: list[Selection], *above: str) -> bool:
    """Whether a median is asked for: they are the costly part of the figures."""
    return any(selects(selections, (*above, "wishes", name))
               for name in ("medianHoursToClaim", "medianHoursToFulfill"))


async def stats(ctx: Context, f: s.StatsFilter | None, medians: bool = True,
                flow: bool = False) -> s.Stats:
    flt = hub_filter(f)
    async with ctx.pool.acquire() as conn:
        result = await hub_stats.stats(conn, flt, medians=medians, pool=ctx.pool)
        found = (await hub_flow.flows(conn, [flt]))[0] if flow else None
    return wrap(result, flt, flow=found)


async def stats_by_region(
    ctx: Context, f: s.StatsFilter | None, level: RegionLevel, medians: bool = True,
    flow: bool = False,
) -> list[s.RegionStats]:
    flt = hub_filter(f)
    async with ctx.pool.acquire() as conn:
        rows = await hub_stats.stats_by_region(conn, flt, level, medians=medians,
                                               pool=ctx.pool)
        flows = (await hub_flow.flows(conn, [hub_stats.region_filter(flt, c) for c, _ in rows])
                 if flow else [None] * len(rows))
    regions = await _regions(ctx, [code for code, _ in rows])
    batch = ("region", flt, level)
    out: list[s.RegionStats] = []
    for index, (region, (code, result), found) in enumerate(zip(regions, rows, flows, strict=True)):
        if index and index % PLAIN_SLICE == 0:
            await asyncio.sleep(0)  # thousands of villages: let the event loop run
        if region is not None:
            out.append(s.RegionStats(region=region,  # type: ignore[arg-type]
                                     stats=wrap(result, None, batch, code, found)))
    return out


async def _regions(ctx: Context, codes: list[str]) -> list[Region | None]:
    """Reference regions at once; towns and villages in one statement (every
    load is asked for before the first is awaited)."""
    found = [ctx.region(code) for code in codes]
    return [r if isinstance(r, Region) else await r for r in found]


async def stats_series(
    ctx: Context, f: s.StatsFilter | None, granularity: Any, medians: bool = True,
    flow: bool = False,
) -> list[s.SeriesPoint]:
    flt = hub_filter(f)
    async with ctx.pool.acquire() as conn:
        rows = await hub_stats.stats_series(conn, flt, granularity.value, medians=medians,
                                            pool=ctx.pool)
        flows = (await hub_flow.flows(conn, [hub_stats.bucket_filter(flt, day, granularity.value)
                                            for day, _ in rows])
                 if flow else [None] * len(rows))
    # A point's ``overdue(days)`` counts within its own bucket, as its other figures do.
    batch = ("series", flt, granularity.value)
    out: list[s.SeriesPoint] = []
    for index, ((day, result), found) in enumerate(zip(rows, flows, strict=True)):
        if index and index % PLAIN_SLICE == 0:
            await asyncio.sleep(0)  # up to 1,000 points: let the event loop run
        out.append(s.SeriesPoint(start=day, stats=wrap(result, None, batch, day, found)))
    return out


async def overdue(ctx: Context, wish_stats: s.WishStats, days: int) -> int:
    if days < 0:
        raise QueryError("`days` must not be negative")
    if days > MAX_OVERDUE_DAYS:
        # Beyond the calendar's dates (PostgreSQL would refuse the arithmetic).
        raise QueryError(f"`days` must be at most {MAX_OVERDUE_DAYS:,} (a century)")
    batch, member = wish_stats._batch
    value: int = await ctx.loaders.overdue.load((batch, member, wish_stats._filter, days))
    return value


def escalated(ctx: Context, wish_stats: s.WishStats) -> Awaitable[EscalatedCounts]:
    """``WishStats.escalated``: every one of a request in one statement (the loader)."""
    batch, member = wish_stats._batch
    return ctx.loaders.escalated.load((batch, member, wish_stats._filter))


async def flow(ctx: Context, wish_stats: s.WishStats) -> s.WishFlow:
    batch, member = wish_stats._batch
    found: hub_flow.WishFlow = await ctx.loaders.flow.load((batch, member, wish_stats._filter))
    return _flow(found)
