"""Flow figures: the wishes submitted, claimed, fulfilled and cancelled in a period.

``hub.stats`` counts wishes by the day they were submitted, in the state they
are in now: "of the wishes collected in March, how many are fulfilled by
now". A monthly report asks "how many came true *in March*": every event on
its own Beijing calendar day, whatever became of the wish since. Both are
exact; the filter (region and below, category, group, source) is the same,
only the dates are read per event:

* submitted: ``submittedAt`` (the same count as ``WishStats.submitted``);
* claimed: ``claimedAt``, the first claim, whatever the status is now;
* fulfilled: ``fulfilledAt``;
* cancelled: the time the hub first stored the wish as cancelled (platforms
  send no time of cancellation; see migration 0011).

Deleted records and shadowed mirrors never count. The counting is done ahead,
in cells kept by triggers like the other figures' (migration 0011); what no
cell holds (towns, villages, category and group filters on fine grains) is
counted from the records through region-first indexes.

The API's figures read the flow in the statements of the other figures
(``hub.stats``' ``flow=True``, ``hub.stats_query``); ``flows`` here counts
any list of filters at once (a workbook's rows, the figures a DataLoader
gathers).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import asyncpg

from hub import regions as _regions
from hub.errors import QueryError
from hub.models import BeneficiaryGroup, RegionLevel, WishCategory
from hub.sql import stats as q
from hub.sql import stats_flow as fq
from hub.stats_calendar import bounds, cover, route
from hub.stats_query import StatsFilter, WishFlow, code_range, counted

__all__ = ["FLOW_DESCRIPTION", "WishFlow", "flows"]

FLOW_DESCRIPTION = (
    "本期流量：各类事件按其自身日期（北京时间日历日）落在 from/to 之内的数量，与心愿何时提交无关；"
    "其他筛选条件照常 / This period's events: each wish event counted on its own Beijing "
    "calendar day within `from`/`to`, whenever the wish was submitted; the other filters as "
    "usual. The other wish figures count the wishes submitted in the period, in the state they "
    "are in now."
)

_LVL = {RegionLevel.PROVINCE: 1, RegionLevel.CITY: 2, RegionLevel.COUNTY: 3}
_CATEGORIES = list(WishCategory)
_GROUPS = list(BeneficiaryGroup)


_NONE = WishFlow(0, 0, 0, 0)


def _kept(lvl: int | None, dims: str, g: str) -> bool:
    return lvl is not None and counted(lvl, g, dims)


def _region(code: str | None) -> tuple[str, int | None] | None:
    """The filter's region as (prefix, cell level); None outside the province."""
    canon = _regions.canonical_code(code or _regions.PROVINCE_CODE)
    if canon is None:
        raise QueryError(f"not a region code: {(code or '')[:20]!r}")
    if not _regions.in_province(canon):
        return None
    return _regions.prefix_of(canon), _LVL.get(_regions.level_of_code(canon))


async def flows(conn: asyncpg.Connection, filters: Sequence[StatsFilter]) -> list[WishFlow]:
    """The flow figures of each filter, in order: two statements at most for all of them."""
    sources: dict[str, int | None] = {}
    # Filters of one category, group and source share a statement; per group,
    # cell requests (i, area, g, lo, hi) and record requests (i, region lo, region hi, lo, hi).
    groups: dict[tuple[int, int, str | None], tuple[list[list[object]], list[list[object]]]] = {}
    out = [_NONE] * len(filters)
    for i, f in enumerate(filters):
        found = _region(f.region_code)
        if found is None:
            continue
        if f.source_code is not None and f.source_code not in sources:
            sources[f.source_code] = await conn.fetchval(q.SOURCE_ID, f.source_code)
        if f.source_code is not None and sources[f.source_code] is None:
            continue  # a source the hub does not know: nothing counts
        prefix, lvl = found
        dims = ("c" if f.category else "") + ("g" if f.beneficiary_group else "")
        key = (_CATEGORIES.index(f.category) + 1 if f.category else 0,
               _GROUPS.index(f.beneficiary_group) + 1 if f.beneficiary_group else 0,
               f.source_code)
        cells, records = groups.setdefault(key, ([[], [], [], [], []], [[], [], [], [], []]))
        lo, hi = bounds(f.from_, f.to)
        if lo >= hi:
            continue
        by_cells, by_records = route(cover(lo, hi), functools.partial(_kept, lvl, dims))
        for b in by_cells:
            for column, value in zip(cells, (i, prefix, b.g, b.lo, b.hi), strict=True):
                column.append(value)
        rlo, rhi = code_range(prefix)
        for b in by_records:
            for column, value in zip(records, (i, rlo, rhi, b.lo, b.hi), strict=True):
                column.append(value)
    totals = [[0, 0, 0, 0] for _ in filters]
    for (cat, grp, source), (cells, records) in groups.items():
        src = sources[source] if source is not None else None
        rows = []
        if cells[0]:
            rows += await conn.fetch(fq.FLOW_CELLS, *cells, cat, grp, src)
        if records[0]:
            rows += await conn.fetch(fq.FLOW_RECORDS, *records,
                                     _CATEGORIES[cat - 1].value if cat else None,
                                     _GROUPS[grp - 1].value if grp else None, src)
        for r in rows:
            t = totals[r["i"]]
            t[0] += int(r["submitted"])
            t[1] += int(r["claimed"])
            t[2] += int(r["fulfilled"])
            t[3] += int(r["cancelled"])
    for i, t in enumerate(totals):
        if any(t):
            out[i] = WishFlow(*t)
    return out

