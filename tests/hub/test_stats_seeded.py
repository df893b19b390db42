"""Statistics over a realistic year: the demo seed, pushed concurrently through ``ingest``.

Four deliveries at a time commit their rollup changes side by side (mirrors,
deletions, 葫芦岛 cards, re-sent versions included); afterwards every figure
must still equal the brute-force count, for filters hypothesis draws around
the data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import asyncpg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import adapters
from hub import regions as _regions
from hub.models import BeneficiaryGroup, RegionLevel, WishCategory
from hub.seed import DEMO_SCALE
from hub.seed.load import load
from hub.stats import Granularity, StatsFilter, stats, stats_by_region, stats_series
from hub.stats_calendar import bucket_end
from tests.hub.test_stats import _figures, brute

NOW = dt.datetime(2026, 3, 20, 4, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 3, 20)
SOURCES = tuple(adapters.REGISTRY)


@pytest.fixture(scope="module")
async def seeded(pool: asyncpg.Pool) -> AsyncIterator[list[str]]:
    """The demo seed, loaded four bodies at a time; yields the regions holding wishes."""
    async with pool.acquire() as conn:
        await conn.execute("truncate claims, claim_cards, wishes, teams, stations, activities, "
                           "batches, dead_letters restart identity")
        await conn.execute("delete from regions where level in ('TOWN', 'VILLAGE')")
    summary = await load(pool, DEMO_SCALE, seed=11, now=NOW, concurrency=4)
    assert summary.rejected == 0
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "select distinct region_code from wishes where not deleted and not shadowed "
            "order by 1")
    codes = [r["region_code"] for r in rows]
    yield sorted({a for c in codes for a in _ancestors(c)})


def _ancestors(code: str) -> list[str]:
    out = [code]
    while (parent := _regions.parent_code_of(out[-1])) is not None:
        out.append(parent)
    return out


def _filters(regions: list[str]) -> st.SearchStrategy[StatsFilter]:
    days = st.integers(-400, 10).map(lambda d: TODAY + dt.timedelta(days=d))
    return st.builds(
        StatsFilter,
        region_code=st.sampled_from(regions),
        from_=st.none() | days,
        to=st.none() | days,
        category=st.none() | st.sampled_from(list(WishCategory)),
        beneficiary_group=st.none() | st.sampled_from(list(BeneficiaryGroup)),
        source_code=st.none() | st.sampled_from(SOURCES),
    )


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
async def test_seeded_figures_equal_brute_force_counts(
    pool: asyncpg.Pool, seeded: list[str], data: st.DataObject
) -> None:
    f = data.draw(_filters(seeded), label="filter")
    async with pool.acquire() as conn:
        await conn.execute("set timezone = 'UTC'")
        try:
            assert _figures(await stats(conn, f, today=TODAY)) == await brute(conn, f, TODAY)
        finally:
            await conn.execute("reset timezone")


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
async def test_seeded_counties_and_series_equal_brute_force_counts(
    pool: asyncpg.Pool, seeded: list[str], data: st.DataObject
) -> None:
    async with pool.acquire() as conn:
        f = data.draw(_filters(["210000", "210100", "211400"]), label="by region filter")
        # With the pool: a county's histograms and records are read at once.
        assert pool.get_idle_size() > 0
        rows = await stats_by_region(conn, f, RegionLevel.COUNTY, today=TODAY, pool=pool)
        assert len(rows) == len(
            [r for r in _regions.reference_regions() if r.level is RegionLevel.COUNTY
             and _regions.is_within(r.code, f.region_code or "210000")])
        for code, result in rows:
            sub = StatsFilter(code, f.from_, f.to, f.category, f.beneficiary_group,
                              f.source_code)
            assert _figures(result) == await brute(conn, sub, TODAY), code

        f = data.draw(_filters([c for c in seeded if len(c) <= 9]), label="series filter")
        lo = data.draw(st.integers(-380, -30), label="from")
        f = StatsFilter(f.region_code, TODAY + dt.timedelta(days=lo),
                        TODAY + dt.timedelta(days=lo + data.draw(st.integers(1, 60))),
                        f.category, f.beneficiary_group, f.source_code)
        granularity = data.draw(st.sampled_from(list(Granularity)), label="granularity")
        assert f.from_ is not None and f.to is not None
        for start, result in await stats_series(conn, f, granularity, today=TODAY):
            a = max(start, f.from_)
            z = min(bucket_end(start, granularity), f.to)
            sub = StatsFilter(f.region_code, a, z, f.category, f.beneficiary_group,
                              f.source_code)
            assert _figures(result) == await brute(conn, sub, TODAY), start
