"""How many wishes the hub's offices took in hand (上下联动、组织派单), for any
statistics filter (``hub.stats.StatsFilter``), exactly.

For the wishes of the filter (not deleted, not mirrored duplicates; region,
Beijing submission dates, category, beneficiary group, source as every other
figure): how many are handled now at CITY level, at PROVINCE level, and how
many have a current dispatch. Counted over the records themselves: those
wishes are a small part of all (a partial index holds just them), so no
rollup is needed. Many filters (the rows of a ``statsByRegion``, the points of
a ``statsSeries``) are counted in one statement, reading those wishes once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from hub import regions
from hub.models import RegionLevel
from hub.sql import stats_escalated as q
from hub.stats_query import StatsFilter


@dataclass(frozen=True, slots=True)
class EscalatedCounts:
    city: int  # handled at CITY level now
    province: int  # handled at PROVINCE level now
    dispatched: int  # with a current dispatch


def _placed(code: str | None) -> tuple[str, str]:
    """How a filter's region is matched (see ``hub.sql.stats_escalated``), and its code."""
    code = code or regions.PROVINCE_CODE
    canon = regions.canonical_code(code)
    if canon is None or not regions.in_province(canon):
        return "NONE", ""  # outside the province: nothing counts
    level = regions.level_of_code(canon)
    if level in (RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY):
        return level.value, canon
    return "BELOW", canon


async def escalated_counts(
    conn: asyncpg.Pool | asyncpg.Connection, filters: Sequence[StatsFilter]
) -> list[EscalatedCounts]:
    """The counts of each filter, in order, with one statement."""
    if not filters:
        return []
    placed = [_placed(f.region_code) for f in filters]
    rows = await conn.fetch(
        q.ESCALATED_COUNTS,
        [kind for kind, _ in placed],
        [code for _, code in placed],
        [f.from_ for f in filters],
        [f.to for f in filters],
        [f.category.value if f.category else None for f in filters],
        [f.beneficiary_group.value if f.beneficiary_group else None for f in filters],
        [f.source_code for f in filters],
    )
    return [EscalatedCounts(r["city"], r["province"], r["dispatched"]) for r in rows]
