"""Statistics resolvers: translate GraphQL filters, call ``hub.stats``, return its figures.

The schema wraps the figures in its own types (``schema.stats.wrap``): this
module imports nothing of the schema.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, Protocol

from strawberry.types.nodes import Selection

from hub import stats as hub_stats
from hub import stats_flow as hub_flow
from hub.errors import QueryError
from hub.models import Region, RegionLevel
from hub.places import load_places
from hub.stats_calendar import check_dates
from hub.stats_escalated import EscalatedCounts
from resolvers.context import Context
from resolvers.lookahead import beyond, selects

OVERDUE_DAYS = hub_stats.OVERDUE_DAYS  # ``overdue``'s default, counted with the other figures
MAX_OVERDUE_DAYS = 36_525
# Rows built between two turns of the event loop (thousands of villages, up
# to 1,000 points): the same slice as the executor's long lists.
_SLICE = 100


class FilterInput(Protocol):
    """The schema's ``StatsFilter`` as far as the hub's filter needs it."""

    region_code: str | None
    from_: dt.date | None
    to: dt.date | None
    category: Any
    beneficiary_group: Any
    source_code: str | None


def hub_filter(f: FilterInput | None) -> hub_stats.StatsFilter:
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


# ``WishStats._batch``: figures alone, or a member (region code, bucket start)
# of the rows of one statsByRegion or the points of one statsSeries.
Batch = tuple[Any, ...]
_ALONE: Batch = ("alone",)


@dataclass(frozen=True, slots=True)
class Figures:
    """``hub.stats``' figures for a filter, and how to count more of them later.

    ``filter`` is None for a member of a batch (its own filter follows from
    the batch's, see ``resolvers.loaders``, and is rarely needed: only for an
    ``overdue(days)`` the batch no longer has). ``flow`` is there when the
    query asked for it (counted with the list, not one by one).
    """

    result: Any
    filter: hub_stats.StatsFilter | None
    batch: Batch = _ALONE
    member: Any = None
    flow: hub_flow.WishFlow | None = None


def wants_flow(selections: list[Selection], *above: str) -> bool:
    """Whether ``flow`` is asked for: then it is counted with the other figures."""
    return selects(selections, (*above, "wishes", "flow"))


def wants_medians(selections: list[Selection], *above: str) -> bool:
    """Whether a median is asked for: they are the costly part of the figures."""
    return any(selects(selections, (*above, "wishes", name))
               for name in ("medianHoursToClaim", "medianHoursToFulfill"))


def wants_stock(selections: list[Selection], *above: str) -> bool:
    """Whether any figure but ``flow`` is asked for (else only the flow is counted)."""
    return beyond(selections, above, ("wishes", "flow"))


async def stats(ctx: Context, f: FilterInput | None, medians: bool = True,
                flow: bool = False, stock: bool = True) -> Figures:
    flt = hub_filter(f)
    async with ctx.pool.acquire() as conn:
        result = await hub_stats.stats(conn, flt, medians=medians, pool=ctx.pool, flow=flow,
                                       stock=stock)
    return Figures(result, flt, flow=result.flow)


async def stats_by_region(
    ctx: Context, f: FilterInput | None, level: RegionLevel, medians: bool = True,
    flow: bool = False, stock: bool = True,
) -> list[tuple[Region, Figures]]:
    flt = hub_filter(f)
    async with ctx.pool.acquire() as conn:
        rows = await hub_stats.stats_by_region(conn, flt, level, medians=medians,
                                               pool=ctx.pool, flow=flow, stock=stock)
    regions = await _regions(ctx, [code for code, _ in rows])
    batch = ("region", flt, level)
    out: list[tuple[Region, Figures]] = []
    for index, (region, (code, result)) in enumerate(zip(regions, rows, strict=True)):
        if index and index % _SLICE == 0:
            await asyncio.sleep(0)  # thousands of villages: let the event loop run
        if region is not None:
            out.append((region, Figures(result, None, batch, code, result.flow)))
    return out


async def _regions(ctx: Context, codes: list[str]) -> list[Region | None]:
    """Reference regions at once; towns and villages in one statement (every
    load is asked for before the first is awaited)."""
    found = [ctx.region(code) for code in codes]
    return [r if isinstance(r, Region) else await r for r in found]


async def stats_series(
    ctx: Context, f: FilterInput | None, granularity: Any, medians: bool = True,
    flow: bool = False, stock: bool = True,
) -> list[tuple[dt.date, Figures]]:
    flt = hub_filter(f)
    async with ctx.pool.acquire() as conn:
        rows = await hub_stats.stats_series(conn, flt, granularity.value, medians=medians,
                                            pool=ctx.pool, flow=flow, stock=stock)
    # A point's ``overdue(days)`` counts within its own bucket, as its other figures do.
    batch = ("series", flt, granularity.value)
    out: list[tuple[dt.date, Figures]] = []
    for index, (day, result) in enumerate(rows):
        if index and index % _SLICE == 0:
            await asyncio.sleep(0)  # up to 1,000 points: let the event loop run
        out.append((day, Figures(result, None, batch, day, result.flow)))
    return out


async def overdue(ctx: Context, figures: Figures, days: int) -> int:
    if days < 0:
        raise QueryError("`days` must not be negative")
    if days > MAX_OVERDUE_DAYS:
        # Beyond the calendar's dates (PostgreSQL would refuse the arithmetic).
        raise QueryError(f"`days` must be at most {MAX_OVERDUE_DAYS:,} (a century)")
    value: int = await ctx.loaders.overdue.load((figures.batch, figures.member, figures.filter, days))
    return value


def escalated(ctx: Context, figures: Figures) -> Awaitable[EscalatedCounts]:
    """``WishStats.escalated``: every one of a request in one statement (the loader)."""
    return ctx.loaders.escalated.load((figures.batch, figures.member, figures.filter))


async def flow(ctx: Context, figures: Figures) -> hub_flow.WishFlow:
    """``WishStats.flow`` when it was not counted with the list: one statement
    for every row or point of a request (the loader)."""
    found: hub_flow.WishFlow = await ctx.loaders.flow.load((figures.batch, figures.member, figures.filter))
    return found
