"""Statistics resolvers: translate GraphQL filters, call ``hub.stats``, return its figures.

The schema wraps the figures in its own types (``schema.stats.wrap``): this
module imports nothing of the schema.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol

from strawberry.types.nodes import Selection

from hub import stats as hub_stats
from hub.errors import QueryError
from hub.models import Region, RegionLevel
from hub.places import load_places
from resolvers.context import Context
from resolvers.lookahead import selects

OVERDUE_DAYS = hub_stats.OVERDUE_DAYS  # ``overdue``'s default, counted with the other figures


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
        raise QueryError(f"`regionCode` {f.region_code!r} is not a division code of 辽宁")
    if f.from_ is not None and f.to is not None and f.from_ > f.to:
        raise QueryError("`from` must not be after `to`")
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
    ``overdue(days)`` the batch no longer has).
    """

    result: Any
    filter: hub_stats.StatsFilter | None
    batch: Batch = _ALONE
    member: Any = None


def wants_medians(selections: list[Selection], *above: str) -> bool:
    """Whether a median is asked for: they are the costly part of the figures."""
    return any(selects(selections, (*above, "wishes", name))
               for name in ("medianHoursToClaim", "medianHoursToFulfill"))


async def stats(ctx: Context, f: FilterInput | None, medians: bool = True) -> Figures:
    flt = hub_filter(f)
    async with ctx.pool.acquire() as conn:
        return Figures(await hub_stats.stats(conn, flt, medians=medians, pool=ctx.pool), flt)


async def stats_by_region(
    ctx: Context, f: FilterInput | None, level: RegionLevel, medians: bool = True
) -> list[tuple[Region, Figures]]:
    flt = hub_filter(f)
    async with ctx.pool.acquire() as conn:
        rows = await hub_stats.stats_by_region(conn, flt, level, medians=medians,
                                               pool=ctx.pool)
    regions = await _regions(ctx, [code for code, _ in rows])
    batch = ("region", flt, level)
    return [
        (region, Figures(result, None, batch, code))
        for region, (code, result) in zip(regions, rows, strict=True)
        if region is not None
    ]


async def _regions(ctx: Context, codes: list[str]) -> list[Region | None]:
    """Reference regions at once; towns and villages in one statement (every
    load is asked for before the first is awaited)."""
    found = [ctx.region(code) for code in codes]
    return [r if isinstance(r, Region) else await r for r in found]


async def stats_series(
    ctx: Context, f: FilterInput | None, granularity: Any, medians: bool = True
) -> list[tuple[dt.date, Figures]]:
    flt = hub_filter(f)
    async with ctx.pool.acquire() as conn:
        rows = await hub_stats.stats_series(conn, flt, granularity.value, medians=medians,
                                            pool=ctx.pool)
    # A point's ``overdue(days)`` counts within its own bucket, as its other figures do.
    batch = ("series", flt, granularity.value)
    return [(day, Figures(result, None, batch, day)) for day, result in rows]


async def overdue(ctx: Context, figures: Figures, days: int) -> int:
    if days < 0:
        raise QueryError("`days` must not be negative")
    value: int = await ctx.loaders.overdue.load((figures.batch, figures.member, figures.filter, days))
    return value
