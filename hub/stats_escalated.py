"""How many wishes the hub's offices took in hand (上下联动、组织派单), for any
statistics filter (``hub.stats.StatsFilter``), exactly.

For the wishes of the filter (not deleted, not mirrored duplicates; region,
Beijing submission dates, category, beneficiary group, source as every other
figure): how many are handled now at CITY level, at PROVINCE level, and how
many have a current dispatch. Counted over the records themselves: those
wishes are a small part of all (a partial index holds just them), so no
rollup is needed. Many filters (the rows of a ``statsByRegion``, the points of
a ``statsSeries``) are counted in one statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from hub import regions
from hub.sql import stats_escalated as q
from hub.stats_query import StatsFilter

# Matches no region code: a filter region outside the province counts nothing.
_NOWHERE = "~"


@dataclass(frozen=True, slots=True)
class EscalatedCounts:
    city: int  # handled at CITY level now
    province: int  # handled at PROVINCE level now
    dispatched: int  # with a current dispatch


def _prefix(code: str | None) -> str:
    code = code or regions.PROVINCE_CODE
    canon = regions.canonical_code(code)
    if canon is None or not regions.in_province(canon):
        return _NOWHERE
    return regions.prefix_of(canon)


async def escalated_counts(
    conn: asyncpg.Pool | asyncpg.Connection, filters: Sequence[StatsFilter]
) -> list[EscalatedCounts]:
    """The counts of each filter, in order, with one statement."""
    if not filters:
        return []
    rows = await conn.fetch(
        q.ESCALATED_COUNTS,
        [_prefix(f.region_code) for f in filters],
        [f.from_ for f in filters],
        [f.to for f in filters],
        [f.category.value if f.category else None for f in filters],
        [f.beneficiary_group.value if f.beneficiary_group else None for f in filters],
        [f.source_code for f in filters],
    )
    return [EscalatedCounts(r["city"], r["province"], r["dispatched"]) for r in rows]
