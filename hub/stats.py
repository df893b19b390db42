"""Provincial statistics: exact figures for any region, dates and filter.

Every figure equals counting the underlying records one by one under the
same filter. How a request is read (rollup cells kept in step with the
records in the same transactions, histograms, the records themselves where no
cell holds a figure) is ``hub.stats_query``'s; here are the filter's region
and the groups asked for. The filter (``StatsFilter``):

* ``region_code``: a region at any level, meaning that region and everything
  below it (default: the province);
* ``from_`` (inclusive) / ``to`` (exclusive): Beijing calendar dates, of the
  day a wish was submitted and of an activity's date. A wish submitted at
  07:00 on 5 March in 沈阳 belongs to 5 March, whatever the time zone of the
  server or the database;
* ``category``, ``beneficiary_group``: wishes only (activities, teams and
  stations have no such thing; their figures ignore them);
* ``source_code``: every figure.

Deleted records and mirrored duplicates (a provincial copy of a city
platform's wish) never count. ``teams``, ``team_members`` and ``stations``
count what exists in the region now, whatever the dates (teams known only by
name from 枫乡's orders included).

This module knows nothing of GraphQL; ``schema/`` exposes it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import asyncpg

from hub import regions as _regions
from hub.errors import QueryError
from hub.models import RegionLevel
from hub.sql import stats as q
from hub.sql import stats_flow as fq
from hub.stats_calendar import Granularity, bucket_end, buckets, check_series
from hub.stats_query import (
    OVERDUE_DAYS,
    ActivityStats,
    Query,
    StatsFilter,
    StatsResult,
    WishStats,
    beijing_today,
    code_range,
    empty_result,
)

__all__ = [
    "OVERDUE_DAYS",
    "ActivityStats",
    "Granularity",
    "StatsFilter",
    "StatsResult",
    "WishStats",
    "beijing_today",
    "bucket_filter",
    "overdue",
    "overdue_by_region",
    "overdue_series",
    "region_filter",
    "stats",
    "stats_by_region",
    "stats_series",
    "warm",
]

# Descriptions for the schema (copied into schema/stats.py).
MEDIAN_DESCRIPTION = (
    "Median of whole hours (each wish's time truncated to the hour, 0 if negative; the mean "
    "of the two middle values for an even count), read from pre-aggregated histograms at a "
    "resolution of one hour, so within an hour of the exact median. Null when no wish counts."
)
OVERDUE_DESCRIPTION = (
    "OPEN wishes in the filter submitted more than `days` days before today: on a Beijing "
    "calendar day before today minus `days`."
)
SERIES_DESCRIPTION = (
    "One point per bucket from `from` to `to` (default: the first and the last day the hub "
    "holds any wish or activity), zeros included. Weeks start on Monday. The first and last "
    "buckets may be partial: their figures count only the days inside [from, to)."
)
BY_REGION_DESCRIPTION = (
    "One row per region at `level` inside the filter's region (the province by default), "
    "every one listed even when all its figures are zero, in code order."
)




# ---------------------------------------------------------------- public API


async def stats(
    conn: asyncpg.Connection,
    f: StatsFilter,
    *,
    today: dt.date | None = None,
    medians: bool = True,
    pool: asyncpg.Pool | None = None,
    flow: bool = False,
    stock: bool = True,
) -> StatsResult:
    """The figures of one filter. ``medians=False`` skips them (None) when not asked for.

    ``pool``, here and below: where a second connection may be borrowed, when
    one is idle, for statements that can run at once (the same figures).
    ``flow``, here and below: the flow figures too (``StatsResult.flow``,
    see ``hub.stats_flow``), read with the others; ``stock=False``: only
    them (the other figures zeros)."""
    scope = _scope(f.region_code)
    if scope is None:
        return empty_result(medians, flow)
    query = Query.build(f, [scope.prefix], scope.lvl, today, medians, stock=stock, flow=flow)
    query.set_dates(f.from_, f.to)
    out = await query.run(conn, pool)
    return out[(scope.prefix, None)]


async def stats_by_region(
    conn: asyncpg.Connection,
    f: StatsFilter,
    level: RegionLevel,
    *,
    today: dt.date | None = None,
    medians: bool = True,
    overdue_days: int = OVERDUE_DAYS,
    figures: bool = True,
    pool: asyncpg.Pool | None = None,
    flow: bool = False,
    stock: bool = True,
) -> list[tuple[str, StatsResult]]:
    """Figures of every region at ``level`` inside the filter's region; see BY_REGION_DESCRIPTION.

    ``figures=False`` counts only ``overdue`` (the rest zeros)."""
    scope = _scope(f.region_code)
    if scope is None:
        return []
    if _DEPTH[level] < _DEPTH[scope.level]:
        raise QueryError(f"level {level.value} is above the filter's region {scope.code}")
    if level in _LVL:
        # Counties and above are the reference data, which records never add to.
        codes = sorted(r.code for r in _regions.reference_regions()
                       if r.level is level and r.code.startswith(scope.prefix))
    else:
        lo, hi = code_range(scope.prefix)
        codes = [r["code"] for r in await conn.fetch(q.REGIONS_IN_RANGE, level.value, lo, hi)]
    if not codes:
        return []
    prefixes = [_regions.prefix_of(c) for c in codes]
    query = Query.build(f, prefixes, _LVL.get(level), today, medians and figures,
                        within=scope.prefix, overdue_days=overdue_days, stock=stock,
                        flow=flow and figures)
    query.set_dates(f.from_, f.to, figures=figures)
    out = await query.run(conn, pool)
    return [(code, out[(prefix, None)]) for code, prefix in zip(codes, prefixes, strict=True)]


async def stats_series(
    conn: asyncpg.Connection,
    f: StatsFilter,
    granularity: Granularity | str,
    *,
    today: dt.date | None = None,
    medians: bool = True,
    overdue_days: int = OVERDUE_DAYS,
    pool: asyncpg.Pool | None = None,
    flow: bool = False,
    stock: bool = True,
) -> list[tuple[dt.date, StatsResult]]:
    """Figures per DAY/WEEK/MONTH/YEAR bucket over [from, to); see SERIES_DESCRIPTION."""
    granularity = Granularity(granularity)
    scope = _scope(f.region_code)
    if scope is None:
        return []
    lo, hi = f.from_, f.to
    if lo is None or hi is None:
        span = await conn.fetchrow(q.DATA_SPAN)
        if span is None or span["first"] is None:
            return []
        lo = lo or span["first"]
        hi = hi or span["last"] + dt.timedelta(days=1)
    if lo >= hi:
        return []
    check_series(lo, hi, granularity)  # a bounded number of points, before any figure
    starts = buckets(lo, hi, granularity)
    query = Query.build(f, [scope.prefix], scope.lvl, today, medians,
                        overdue_days=overdue_days, stock=stock, flow=flow)
    query.set_series(lo, hi, granularity, starts, flow_lo=f.from_, flow_hi=f.to)
    out = await query.run(conn, pool)
    return [(start, out[(scope.prefix, start)]) for start in starts]


async def overdue(
    conn: asyncpg.Connection, f: StatsFilter, days: int, today: dt.date | None = None
) -> int:
    """OPEN wishes in the filter submitted on a Beijing day before ``today - days``."""
    scope = _scope(f.region_code)
    if scope is None:
        return 0
    query = Query.build(f, [scope.prefix], scope.lvl, today, False,
                               overdue_days=days)
    query.set_dates(f.from_, f.to, figures=False)
    out = await query.run(conn)
    return out[(scope.prefix, None)].wishes.overdue


async def overdue_by_region(
    conn: asyncpg.Connection, f: StatsFilter, level: RegionLevel, days: int,
    today: dt.date | None = None,
) -> dict[str, int]:
    """``overdue(days)`` of every row of ``stats_by_region(f, level)``, in one query."""
    rows = await stats_by_region(conn, f, level, today=today, medians=False,
                                 overdue_days=days, figures=False)
    return {code: result.wishes.overdue for code, result in rows}


async def overdue_series(
    conn: asyncpg.Connection, f: StatsFilter, granularity: Granularity | str, days: int,
    today: dt.date | None = None,
) -> dict[dt.date, int]:
    """``overdue(days)`` of every point of ``stats_series(f, granularity)``, in one query."""
    rows = await stats_series(conn, f, granularity, today=today, medians=False,
                              overdue_days=days)
    return {start: result.wishes.overdue for start, result in rows}


async def warm(conn: asyncpg.Connection) -> None:
    """Run every statement of the figures once, on no input (nothing is read).

    A new connection's first figures otherwise cost about 20 ms more: its
    backend loads the catalog entries of the rollups and their indexes, and
    asyncpg prepares each statement. For a pool's ``init``. On a database not
    migrated yet the connection stays cold (``/readyz`` says what is missing).
    """
    no: list[object] = []
    try:
        await conn.fetch(q.FIGURES, no, no, no, no, no, no, None, no, 0, None, 0, False)
        await conn.fetch(q.FIGURES_COUNTS, no, no, no, no, no, no, None, no, 0, None, 0, False)
        await conn.fetch(q.WISH_FIGURES, no, no, no, no, no, no, None, no, 0, None, 0)
        for with_network in (q.FIGURES_FLOW, q.FIGURES_COUNTS_FLOW):
            await conn.fetch(with_network, no, no, no, no, no, no, None, no, 0, None, 0, False)
        for wish_alone in (q.WISH_FIGURES_FLOW, q.FLOW_FIGURES):
            await conn.fetch(wish_alone, no, no, no, no, no, no, None, no, 0, None, 0)
        await conn.fetch(fq.BASE_FLOWS, no, no, "21", "22", 2, None, None, None, None)
        await conn.fetch(q.OTHER_FIGURES, no, no, no, no, no, None, no, None, False)
        await conn.fetch(q.HIST_FINE, no, no, no, no, no, no, no, no, no, no)
        await conn.fetch(q.HIST_FINE_SETS, no, no, no, no, no, no, no, no, no, no, no)
        await conn.fetch(q.STORED_MEDIANS, no, no, no, no)
        for fine in (q.RECORDS_FINE, q.RECORDS_FINE_ROWS):
            await conn.fetch(fine, no, no, no, no, no, no, 2, None, "21", "22", None,
                             None, None, no, no, no, no)
        await conn.fetch(q.BASE_WISHES, no, no, no, "21", "22", 2, None, None, None, None)
        await conn.fetch(q.BASE_WISHES_FLOWS, no, no, no, "21", "22", 2, None, None, None, None,
                         no, no)
        await conn.fetch(q.BASE_ACTIVITIES, no, no, no, "21", "22", 2, None, None)
        await conn.fetch(q.REGIONS_IN_RANGE, RegionLevel.COUNTY.value, "21", "21")
    except asyncpg.exceptions.SyntaxOrAccessError:  # no such table or function yet
        return


def region_filter(f: StatsFilter, code: str) -> StatsFilter:
    """The filter one row of ``stats_by_region`` answers (for its ``overdue(days)``)."""
    return dataclasses.replace(f, region_code=code)


def bucket_filter(f: StatsFilter, start: dt.date, granularity: Granularity | str) -> StatsFilter:
    """The filter one point of ``stats_series`` answers (for its ``overdue(days)``)."""
    end = bucket_end(start, Granularity(granularity))
    lo = start if f.from_ is None else max(start, f.from_)
    hi = end if f.to is None else min(end, f.to)
    return dataclasses.replace(f, from_=lo, to=hi)


# ---------------------------------------------------------------- the filter's region

# Rollup level of a region's cells: 1 province, 2 city, 3 county; towns and
# villages have none (their figures come from the records).
_LVL = {RegionLevel.PROVINCE: 1, RegionLevel.CITY: 2, RegionLevel.COUNTY: 3}
_DEPTH = {RegionLevel.PROVINCE: 0, RegionLevel.CITY: 1, RegionLevel.COUNTY: 2,
          RegionLevel.TOWN: 3, RegionLevel.VILLAGE: 4}


@dataclass(frozen=True, slots=True)
class _Scope:
    code: str
    level: RegionLevel
    prefix: str  # every code below starts with it; also the cells' area key
    lvl: int | None


def _scope(code: str | None) -> _Scope | None:
    """The filter's region; None when it lies outside the province (nothing counts)."""
    if code is None:
        code = _regions.PROVINCE_CODE
    canon = _regions.canonical_code(code)
    if canon is None:
        raise QueryError(f"not a region code: {code[:20]!r}")
    if not _regions.in_province(canon):
        return None
    level = _regions.level_of_code(canon)
    return _Scope(canon, level, _regions.prefix_of(canon), _LVL.get(level))


