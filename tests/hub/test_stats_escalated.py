"""``WishStats.escalated``: escalated and dispatched wishes equal counting the
records one by one, for any filter, every row of a statsByRegion and every
point of a statsSeries (with the records and filters of ``test_stats``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import asyncpg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub import regions as _regions
from hub.models import RegionLevel
from hub.stats import Granularity, StatsFilter, bucket_filter
from hub.stats_calendar import buckets
from hub.stats_escalated import EscalatedCounts, escalated_counts
from tests.hub.test_stats import _insert_wishes, _reset, anchored, filters, wish_rows

BRUTE = """
select count(*) filter (where handling_level = 'CITY'),
       count(*) filter (where handling_level = 'PROVINCE'),
       count(*) filter (where dispatch_team_id is not null)
  from wishes
 where not deleted and not shadowed and region_code like $1 || '%'
   and ($2::date is null or (submitted_at at time zone 'Asia/Shanghai')::date >= $2)
   and ($3::date is null or (submitted_at at time zone 'Asia/Shanghai')::date < $3)
   and ($4::text is null or category = $4) and ($5::text is null or beneficiary_group = $5)
   and ($6::text is null or source = (select id from sources where code = $6))
"""

in_hand = st.tuples(st.sampled_from(["COUNTY", "COUNTY", "CITY", "PROVINCE"]), st.booleans())


async def brute(conn: asyncpg.Connection, f: StatsFilter) -> EscalatedCounts:
    code = f.region_code or "210000"
    prefix = _regions.prefix_of(code) if _regions.in_province(code) else "~"
    row = await conn.fetchrow(BRUTE, prefix, f.from_, f.to,
                              f.category.value if f.category else None,
                              f.beneficiary_group.value if f.beneficiary_group else None,
                              f.source_code)
    assert row is not None
    return EscalatedCounts(row[0], row[1], row[2])


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(wishes=st.lists(wish_rows, min_size=1, max_size=40),
       taken=st.lists(in_hand, min_size=40, max_size=40), data=st.data())
async def test_escalated_equals_a_brute_force_count(
    pool: asyncpg.Pool, wishes: list[dict[str, Any]], taken: list[tuple[str, bool]],
    data: st.DataObject,
) -> None:
    async with pool.acquire() as conn:
        await conn.execute("set timezone = 'UTC'")
        try:
            await _reset(conn)
            await _insert_wishes(conn, wishes)
            await conn.executemany(
                "update wishes set handling_level = $2, dispatch_team_id = $3, "
                "dispatched_at = now(), dispatched_by = 'test' where source_id = $1",
                [(f"W{i}", level, 1 if dispatched else None)
                 for i, (level, dispatched) in enumerate(taken[: len(wishes)])])
            some = filters | anchored(wishes)
            alone = data.draw(st.lists(some, min_size=6, max_size=6), label="filters")
            assert await escalated_counts(conn, alone) == [await brute(conn, f) for f in alone]

            # The rows of a statsByRegion and the points of a statsSeries, in one statement.
            f = data.draw(some, label="by region and series filter")
            code = f.region_code or "210000"
            if _regions.in_province(code) and _regions.level_of_code(code) is not RegionLevel.VILLAGE:
                below = [r["code"] for r in await conn.fetch(
                    "select code from regions where level = 'COUNTY' and code like $1 || '%'",
                    _regions.prefix_of(code))] or [code]
                rows = [StatsFilter(c, f.from_, f.to, f.category, f.beneficiary_group,
                                    f.source_code) for c in below]
                assert await escalated_counts(conn, rows) == [await brute(conn, r) for r in rows]
            lo = f.from_ or dt.date(2025, 11, 1)
            hi = f.to or dt.date(2026, 3, 20)
            if lo < hi:
                points = [bucket_filter(f, start, Granularity.MONTH)
                          for start in buckets(lo, hi, Granularity.MONTH)]
                assert await escalated_counts(conn, points) == [await brute(conn, p) for p in points]
        finally:
            await conn.execute("reset timezone")


async def test_statistics_by_region_show_the_wishes_in_hand(clean_db: asyncpg.Pool) -> None:
    from tests.hub.wishlist_data import load
    from tests.security.conftest import TOKENS, config, hub_client, post

    w = await load(clean_db)
    escalate = ('mutation($id: ID!, $l: RegionLevel) { escalateWish(id: $id, level: $l, '
                'reason: "县级无法解决") { id } }')
    figures = """{ stats(filter: {regionCode: "210100"}) { wishes { escalated {
                     city province dispatched } } }
                   statsByRegion(level: CITY) { region { code } stats { wishes { escalated {
                     city province dispatched } } } } }"""
    async with hub_client(clean_db, config()) as client:
        for name, level in (("SJ-1", None), ("SJ-2", "PROVINCE"), ("WS-0005", None)):
            r = await post(client, escalate, TOKENS["province"], id=w[name], l=level)
            assert "errors" not in r.json(), r.json()
        r = await post(client, 'mutation($id: ID!, $t: ID!) { dispatchWish(id: $id, teamId: $t) '
                       "{ id } }", TOKENS["province"], id=w["SJ-3"], t=w["T-0"])
        assert "errors" not in r.json(), r.json()
        body = (await post(client, figures, None)).json()
    assert "errors" not in body, body
    assert body["data"]["stats"]["wishes"]["escalated"] == {
        "city": 1, "province": 1, "dispatched": 1}
    by_city = {row["region"]["code"]: row["stats"]["wishes"]["escalated"]
               for row in body["data"]["statsByRegion"]}
    assert by_city["210100"] == {"city": 1, "province": 1, "dispatched": 1}
    assert by_city["211400"] == {"city": 1, "province": 0, "dispatched": 0}
    assert by_city["210200"] == {"city": 0, "province": 0, "dispatched": 0}
