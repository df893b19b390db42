"""Statistics: every figure equals counting the records one by one.

Records are written straight into the tables (the rollups' triggers do not
care who writes), with hypothesis choosing them, their later changes and the
filters; each figure of ``hub.stats`` is compared with a brute-force SQL count
over the records. Sessions run in UTC on purpose: dates must still be
Beijing calendar days.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import asyncpg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import adapters
from hub import regions as _regions
from hub import stats_medians
from hub.models import BeneficiaryGroup, RegionLevel, WishCategory, WishStatus
from hub.sql import stats as q
from hub.stats import (
    Granularity,
    StatsFilter,
    StatsResult,
    beijing_today,
    bucket_filter,
    overdue,
    overdue_by_region,
    overdue_series,
    stats,
    stats_by_region,
    stats_series,
    warm,
)
from hub.stats_calendar import FLOOR, bucket_end, buckets, cover, signed_cover
from hub.stats_flow import WishFlow, flows
from hub.stats_query import _histogram, counted
from hub.stats_refresh import refresh_medians

BEIJING = dt.timezone(dt.timedelta(hours=8))
TODAY = dt.date(2026, 3, 20)
BASE = dt.datetime(2026, 1, 1, tzinfo=BEIJING)

# Towns and villages the records use (real codes); counties and cities come
# with the reference data.
TOWNS = {"210106002": "210106", "210106004": "210106", "210521100": "210521",
         "211402002": "211402"}
VILLAGES = {"210106002001": "210106002", "210521100201": "210521100",
            "211402002003": "211402002"}
RECORD_REGIONS = ["210100", "210102", "210106", *TOWNS, *VILLAGES, "210521", "211402", "210202"]
FILTER_REGIONS = [None, "210000", "210100", "210200", "210300", "211400", "210106", "210521",
                  "211402", "210106002", "210106002001", "210521100", "211402002003", "110000"]
SOURCES = tuple(adapters.REGISTRY)  # in the order of their rows' ids

_TRUNCATE = "truncate claims, claim_cards, wishes, teams, stations, activities restart identity"


async def _reset(conn: asyncpg.Connection) -> None:
    await conn.execute(_TRUNCATE)
    await conn.execute("delete from regions where level in ('TOWN', 'VILLAGE')")
    await conn.executemany(
        "insert into regions (code, name, level, parent_code) values ($1, $1, $2, $3)",
        [(c, "TOWN", p) for c, p in TOWNS.items()]
        + [(c, "VILLAGE", p) for c, p in VILLAGES.items()],
    )


def _divisions(code: str) -> tuple[str, str | None]:
    level = _regions.level_of_code(code)
    county = None if level in (RegionLevel.PROVINCE, RegionLevel.CITY) else code[:6]
    return code[:4] + "00", county


# ---------------------------------------------------------------- records


minutes = st.one_of(
    st.integers(-70 * 1440, 70 * 1440),
    # Close to midnight in Beijing, where a UTC date would differ.
    st.builds(lambda d, m: d * 1440 + m, st.integers(-70, 70), st.integers(-90, 90)),
)

# Few categories and groups, so that filters on them select something.
CATEGORIES = [WishCategory.TUTORING, WishCategory.LIVING_HELP, WishCategory.OTHER]
GROUPS = [BeneficiaryGroup.ELDERLY, BeneficiaryGroup.HARDSHIP, BeneficiaryGroup.OTHER]

wish_rows = st.fixed_dictionaries({
    "region": st.sampled_from(RECORD_REGIONS),
    "source": st.integers(1, 4),
    "category": st.sampled_from(CATEGORIES) | st.sampled_from(list(WishCategory)),
    "group": st.sampled_from(GROUPS) | st.sampled_from(list(BeneficiaryGroup)),
    "status": st.sampled_from(list(WishStatus)),
    "submitted": minutes,
    "claim": st.none() | st.integers(-120, 3000 * 60),
    "fulfil": st.none() | st.integers(0, 4000 * 60),
    "deleted": st.sampled_from([False, False, False, True]),
    "shadowed": st.sampled_from([False, False, False, True]),
})

activity_rows = st.fixed_dictionaries({
    "region": st.sampled_from(RECORD_REGIONS),
    "source": st.integers(1, 4),
    "day": st.integers(-70, 70),
    "sessions": st.integers(0, 5),
    "attendances": st.integers(0, 60),
    "beneficiaries": st.integers(0, 300),
    "hours": st.decimals(0, 200, places=1),
    "deleted": st.sampled_from([False, False, False, True]),
})

network_rows = st.fixed_dictionaries({
    "region": st.sampled_from(RECORD_REGIONS),
    "source": st.integers(1, 4),
    "members": st.integers(0, 500),
    "deleted": st.sampled_from([False, False, True]),
})

changes = st.lists(st.fixed_dictionaries({
    "row": st.integers(0, 1000),
    "status": st.none() | st.sampled_from(list(WishStatus)),
    "region": st.none() | st.sampled_from(RECORD_REGIONS),
    "claim": st.none() | st.integers(0, 500 * 60),
    "deleted": st.none() | st.booleans(),
    "shadowed": st.none() | st.booleans(),
}), max_size=8)


def _at(minute: int) -> dt.datetime:
    return BASE + dt.timedelta(minutes=minute)


async def _insert_wishes(conn: asyncpg.Connection, rows: Sequence[dict[str, Any]],
                         ids: Sequence[str] | None = None) -> None:
    await conn.executemany(
        """insert into wishes (source, source_id, version, deleted, shadowed, title, kind, category,
                               beneficiary_group, status, region_code, city_code, county_code,
                               submitted_at, claimed_at, fulfilled_at)
           values ($1, $2, 1, $3, $4, '想要一个书包', 'GOODS', $5, $6, $7, $8, $9, $10, $11, $12, $13)""",
        [
            (r["source"], ids[i] if ids else f"W{i}", r["deleted"], r["shadowed"],
             r["category"].value,
             r["group"].value, r["status"].value, r["region"], *_divisions(r["region"]),
             _at(r["submitted"]),
             None if r["claim"] is None else _at(r["submitted"] + r["claim"]),
             None if r["fulfil"] is None else _at(r["submitted"] + r["fulfil"]))
            for i, r in enumerate(rows)
        ],
    )


async def _insert_others(conn: asyncpg.Connection, activities: Sequence[dict[str, Any]],
                         teams: Sequence[dict[str, Any]],
                         stations: Sequence[dict[str, Any]]) -> None:
    await conn.executemany(
        """insert into activities (source, source_id, version, deleted, title, category,
                                   region_code, city_code, county_code, date, sessions,
                                   volunteer_attendances, beneficiaries, volunteer_hours)
           values ($1, $2, 1, $3, '科普进农家', 'SCIENCE', $4, $5, $6, $7, $8, $9, $10, $11)""",
        [
            (a["source"], f"A{i}", a["deleted"], a["region"], *_divisions(a["region"]),
             BASE.date() + dt.timedelta(days=a["day"]), a["sessions"], a["attendances"],
             a["beneficiaries"], float(a["hours"]))
            for i, a in enumerate(activities)
        ],
    )
    await conn.executemany(
        """insert into teams (source, source_id, version, deleted, name, category, region_code,
                              city_code, county_code, member_count)
           values ($1, $2, 1, $3, '雷锋志愿服务队', 'RELIEF', $4, $5, $6, $7)""",
        [(t["source"], f"T{i}", t["deleted"], t["region"], *_divisions(t["region"]), t["members"])
         for i, t in enumerate(teams)],
    )
    await conn.executemany(
        """insert into stations (source, source_id, version, deleted, name, level, region_code,
                                 city_code, county_code)
           values ($1, $2, 1, $3, '新时代文明实践站', 'STATION', $4, $5, $6)""",
        [(s["source"], f"S{i}", s["deleted"], s["region"], *_divisions(s["region"]))
         for i, s in enumerate(stations)],
    )


async def _apply_changes(conn: asyncpg.Connection, n: int,
                         todo: Sequence[dict[str, Any]]) -> None:
    """Later versions: a status, a place, a claim time, a deletion or a mirror's shadow changes."""
    for change in todo:
        if n == 0:
            return
        source_id = f"W{change['row'] % n}"
        if change["status"] is not None:
            await conn.execute("update wishes set status = $2 where source_id = $1", source_id,
                               change["status"].value)
        if change["region"] is not None:
            city, county = _divisions(change["region"])
            await conn.execute(
                "update wishes set region_code = $2, city_code = $3, county_code = $4"
                " where source_id = $1", source_id, change["region"], city, county)
        if change["claim"] is not None:
            await conn.execute(
                "update wishes set claimed_at = submitted_at + make_interval(mins => $2)"
                " where source_id = $1", source_id, change["claim"])
        if change["deleted"] is not None:
            await conn.execute("update wishes set deleted = $2 where source_id = $1", source_id,
                               change["deleted"])
        if change["shadowed"] is not None:
            await conn.execute("update wishes set shadowed = $2 where source_id = $1", source_id,
                               change["shadowed"])


# ---------------------------------------------------------------- brute force

_DAY = "(submitted_at at time zone 'Asia/Shanghai')::date"
_HOURS = "greatest(0, floor(extract(epoch from ({0} - submitted_at)) / 3600))"

BRUTE_WISHES = f"""
select count(*) as submitted,
       count(*) filter (where status = 'OPEN') as open,
       count(*) filter (where status = 'CLAIMED') as claimed,
       count(*) filter (where status = 'FULFILLED') as fulfilled,
       count(*) filter (where status = 'CANCELLED') as cancelled,
       count(*) filter (where status = 'PENDING') as pending,
       percentile_cont(0.5) within group (order by {_HOURS.format('claimed_at')})
           filter (where claimed_at is not null) as claim,
       percentile_cont(0.5) within group (order by {_HOURS.format('fulfilled_at')})
           filter (where fulfilled_at is not null) as fulfil,
       count(*) filter (where status = 'OPEN' and {_DAY} < $7) as overdue
  from wishes
 where not deleted and not shadowed and region_code like $1 || '%'
   and ($2::date is null or {_DAY} >= $2) and ($3::date is null or {_DAY} < $3)
   and ($4::text is null or category = $4) and ($5::text is null or beneficiary_group = $5)
   and ($6::text is null or source = (select id from sources where code = $6))
"""

BRUTE_ACTIVITIES = """
select count(*) as n, coalesce(sum(sessions), 0) as sessions,
       coalesce(sum(volunteer_attendances), 0) as attendances,
       coalesce(sum(beneficiaries), 0) as beneficiaries,
       coalesce(sum(volunteer_hours::numeric), 0) as hours
  from activities
 where not deleted and region_code like $1 || '%'
   and ($2::date is null or date >= $2) and ($3::date is null or date < $3)
   and ($4::text is null or source = (select id from sources where code = $4))
"""

BRUTE_NETWORK = """
select (select count(*) from teams t where not t.deleted and t.region_code like $1 || '%'
           and ($2::text is null or t.source = (select id from sources where code = $2))),
       (select coalesce(sum(member_count), 0) from teams t
         where not t.deleted and t.region_code like $1 || '%'
           and ($2::text is null or t.source = (select id from sources where code = $2))),
       (select count(*) from stations s where not s.deleted and s.region_code like $1 || '%'
           and ($2::text is null or s.source = (select id from sources where code = $2)))
"""


async def brute(conn: asyncpg.Connection, f: StatsFilter, today: dt.date = TODAY,
                days: int = 30) -> tuple[object, ...]:
    """Every figure of ``f`` counted over the records, in ``_figures`` order."""
    code = f.region_code or "210000"
    prefix = _regions.prefix_of(code) if _regions.in_province(code) else "~"
    w = await conn.fetchrow(BRUTE_WISHES, prefix, f.from_, f.to,
                            f.category.value if f.category else None,
                            f.beneficiary_group.value if f.beneficiary_group else None,
                            f.source_code, today - dt.timedelta(days=days))
    a = await conn.fetchrow(BRUTE_ACTIVITIES, prefix, f.from_, f.to, f.source_code)
    n = await conn.fetchrow(BRUTE_NETWORK, prefix, f.source_code)
    assert w is not None and a is not None and n is not None
    live = w["submitted"] - w["cancelled"]
    return (
        w["submitted"], w["open"], w["claimed"], w["fulfilled"], w["cancelled"], w["pending"],
        w["fulfilled"] / live if live > 0 else 0.0, w["claim"], w["fulfil"], w["overdue"],
        a["n"], a["sessions"], a["attendances"], a["beneficiaries"], float(Decimal(a["hours"])),
        n[0], n[1], n[2],
    )


def _in_range(column: str) -> str:
    day = f"({column} at time zone 'Asia/Shanghai')::date"
    return (f"count(*) filter (where {day} >= coalesce($2, '-infinity'::date)"
            f" and {day} < coalesce($3, 'infinity'::date))")


BRUTE_FLOW = f"""
select {_in_range('submitted_at')}, {_in_range('claimed_at')}, {_in_range('fulfilled_at')},
       {_in_range('cancelled_at')}
  from wishes
 where not deleted and not shadowed and region_code like $1 || '%'
   and ($4::text is null or category = $4) and ($5::text is null or beneficiary_group = $5)
   and ($6::text is null or source = (select id from sources where code = $6))
"""


async def brute_flow(conn: asyncpg.Connection, f: StatsFilter) -> WishFlow:
    """The flow figures of ``f`` counted over the records: each event on its own Beijing day."""
    code = f.region_code or "210000"
    prefix = _regions.prefix_of(code) if _regions.in_province(code) else "~"
    row = await conn.fetchrow(BRUTE_FLOW, prefix, f.from_, f.to,
                              f.category.value if f.category else None,
                              f.beneficiary_group.value if f.beneficiary_group else None,
                              f.source_code)
    assert row is not None
    return WishFlow(*map(int, row))


async def _spread_cancellations(conn: asyncpg.Connection) -> None:
    """Cancellations on days around their wishes' (the hub stamps them now: far off)."""
    await conn.execute("update wishes set cancelled_at = submitted_at + (id % 7) * interval '9 days'"
                       " - interval '20 hours' where status = 'CANCELLED'")


def _figures(s: StatsResult) -> tuple[object, ...]:
    w, a = s.wishes, s.activities
    return (
        w.submitted, w.open, w.claimed, w.fulfilled, w.cancelled, w.pending, w.fulfillment_rate,
        w.median_hours_to_claim, w.median_hours_to_fulfill, w.overdue,
        a.activities, a.sessions, a.volunteer_attendances, a.beneficiaries, a.volunteer_hours,
        s.teams, s.team_members, s.stations,
    )


dates = st.none() | st.integers(-75, 75).map(lambda d: BASE.date() + dt.timedelta(days=d))
filters = st.builds(
    StatsFilter,
    region_code=st.sampled_from(FILTER_REGIONS),
    from_=dates,
    to=dates,
    category=st.none() | st.sampled_from(CATEGORIES),
    beneficiary_group=st.none() | st.sampled_from(GROUPS),
    source_code=st.none() | st.sampled_from([*SOURCES, "nowhere"]),
)


def _ancestors(code: str) -> list[str]:
    out = [code]
    while (parent := _regions.parent_code_of(out[-1])) is not None:
        out.append(parent)
    return out


def anchored(rows: Sequence[dict[str, Any]]) -> st.SearchStrategy[StatsFilter]:
    """Filters around one of the wishes, so that they select something."""
    def around(r: dict[str, Any]) -> st.SearchStrategy[StatsFilter]:
        day = _at(r["submitted"]).astimezone(BEIJING).date()
        return st.builds(
            StatsFilter,
            region_code=st.sampled_from(_ancestors(r["region"])),
            from_=st.none() | st.integers(0, 40).map(lambda d: day - dt.timedelta(days=d)),
            to=st.none() | st.integers(1, 40).map(lambda d: day + dt.timedelta(days=d)),
            category=st.none() | st.just(r["category"]),
            beneficiary_group=st.none() | st.just(r["group"]),
            source_code=st.none() | st.just(SOURCES[r["source"] - 1]),
        )
    return st.sampled_from(list(rows)).flatmap(around) if rows else filters


# ---------------------------------------------------------------- the property


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    wishes=st.lists(wish_rows, min_size=1, max_size=60),
    activities=st.lists(activity_rows, max_size=12),
    teams=st.lists(network_rows, max_size=6),
    stations=st.lists(network_rows, max_size=6),
    later=changes,
    data=st.data(),
)
async def test_every_figure_equals_a_brute_force_count(
    pool: asyncpg.Pool, wishes: list[dict[str, Any]], activities: list[dict[str, Any]],
    teams: list[dict[str, Any]], stations: list[dict[str, Any]], later: list[dict[str, Any]],
    data: st.DataObject,
) -> None:
    async with pool.acquire() as conn:
        await conn.execute("set timezone = 'UTC'")
        try:
            await _reset(conn)
            async with conn.transaction():
                await _insert_wishes(conn, wishes)
                await _insert_others(conn, activities, teams, stations)
            async with conn.transaction():
                await _apply_changes(conn, len(wishes), later)
                if data.draw(st.booleans(), label="cancellations spread"):
                    await _spread_cancellations(conn)
            # Stored medians as the background refresh leaves them, or still
            # marked as a delivery leaves them: both must read the same.
            if data.draw(st.booleans(), label="stored medians refreshed"):
                await refresh_medians(conn)

            some = filters | anchored(wishes)
            drawn = data.draw(st.lists(some, min_size=8, max_size=8), label="filters")
            expected = [await brute_flow(conn, f) for f in drawn]
            for f, flow in zip(drawn, expected, strict=True):
                got = await stats(conn, f, today=TODAY, flow=True)
                assert _figures(got) == await brute(conn, f), f
                # The flow read with the other figures, and alone.
                assert got.flow == flow, f
                assert (await stats(conn, f, today=TODAY, flow=True, stock=False)).flow == flow, f
            # Flow figures, all eight in one call as a list's are.
            assert await flows(conn, drawn) == expected, drawn

            f = data.draw(some, label="by region filter")
            level = data.draw(st.sampled_from(list(RegionLevel)), label="level")
            await _check_by_region(conn, f, level)

            f = data.draw(some, label="series filter")
            granularity = data.draw(st.sampled_from(list(Granularity)), label="granularity")
            await _check_series(conn, f, granularity)

            days = data.draw(st.integers(0, 120), label="days")
            f = data.draw(some, label="overdue filter")
            got = await overdue(conn, f, days, TODAY)
            assert got == (await brute(conn, f, TODAY, days))[9]
            # The same for every row of a statsByRegion, every point of a series.
            if _regions.in_province(f.region_code or "210000"):
                level = data.draw(st.sampled_from(list(RegionLevel)[2:]), label="overdue level")
                if _regions.level_of_code(f.region_code or "210000") in list(RegionLevel)[:3]:
                    for code, n in (await overdue_by_region(conn, f, level, days, TODAY)).items():
                        assert n == (await brute(conn, dataclasses.replace(
                            f, region_code=code), TODAY, days))[9], (code, f, days)
                if f.from_ is not None and f.to is not None:
                    for start, n in (await overdue_series(conn, f, granularity, days,
                                                          TODAY)).items():
                        sub = bucket_filter(f, start, granularity)
                        assert n == (await brute(conn, sub, TODAY, days))[9], (start, f, days)
        finally:
            await conn.execute("reset timezone")


async def _check_by_region(conn: asyncpg.Connection, f: StatsFilter, level: RegionLevel) -> None:
    code = f.region_code or "210000"
    if not _regions.in_province(code):
        assert await stats_by_region(conn, f, level, today=TODAY) == []
        return
    depth = list(RegionLevel)
    if depth.index(level) < depth.index(_regions.level_of_code(code)):
        return
    rows = await stats_by_region(conn, f, level, today=TODAY, flow=True)
    prefix = _regions.prefix_of(code)
    expected = [r["code"] for r in await conn.fetch(
        "select code from regions where level = $1 and code like $2 || '%' order by code",
        level.value, prefix)]
    assert [c for c, _ in rows] == expected
    subs = []
    for region, result in rows:
        sub = StatsFilter(region, f.from_, f.to, f.category, f.beneficiary_group, f.source_code)
        assert _figures(result) == await brute(conn, sub), (region, f)
        subs.append(sub)
    expected = [await brute_flow(conn, sub) for sub in subs]
    assert await flows(conn, subs) == expected, f
    assert [result.flow for _, result in rows] == expected, f
    alone = await stats_by_region(conn, f, level, today=TODAY, flow=True, stock=False)
    assert [result.flow for _, result in alone] == expected, f


async def _check_series(conn: asyncpg.Connection, f: StatsFilter,
                        granularity: Granularity) -> None:
    lo, hi = f.from_, f.to
    if lo is None or hi is None:
        span = await conn.fetchrow(
            f"""select least((select min({_DAY}) from wishes where not deleted and not shadowed),
                             (select min(date) from activities where not deleted)),
                       greatest((select max({_DAY}) from wishes where not deleted
                                                                and not shadowed),
                                (select max(date) from activities where not deleted))""")
        assert span is not None
        if span[0] is None:
            assert await stats_series(conn, f, granularity, today=TODAY) == []
            return
        lo, hi = lo or span[0], hi or span[1] + dt.timedelta(days=1)
    points = await stats_series(conn, f, granularity, today=TODAY, flow=True)
    if not _regions.in_province(f.region_code or "210000") or lo >= hi:
        assert points == []
        return
    assert [p for p, _ in points] == buckets(lo, hi, granularity)
    for start, result in points:
        a, z = max(start, lo), min(bucket_end(start, granularity), hi)
        sub = StatsFilter(f.region_code, a, z, f.category, f.beneficiary_group, f.source_code)
        assert _figures(result) == await brute(conn, sub), (start, f)
    # A point's flow: its bucket within the filter's own dates (the whole
    # bucket where the filter has none), as the schema's loader asks for it.
    subs = [bucket_filter(f, start, granularity) for start, _ in points]
    expected = [await brute_flow(conn, sub) for sub in subs]
    assert await flows(conn, subs) == expected, f
    # Read with the other figures, and alone.
    assert [result.flow for _, result in points] == expected, f
    alone = await stats_series(conn, f, granularity, today=TODAY, flow=True, stock=False)
    assert [result.flow for _, result in alone] == expected, f


# ---------------------------------------------------------------- named cases


async def _wish(conn: asyncpg.Connection, source_id: str, submitted: dt.datetime,
                region: str = "210106", **extra: Any) -> None:
    row = {"region": region, "source": 1, "category": WishCategory.TUTORING,
           "group": BeneficiaryGroup.ELDERLY, "status": WishStatus.OPEN,
           "submitted": int((submitted - BASE).total_seconds() // 60), "claim": None,
           "fulfil": None, "deleted": False, "shadowed": False, **extra}
    await _insert_wishes(conn, [row], [source_id])


async def test_a_wish_at_seven_in_the_morning_belongs_to_its_beijing_day(
    clean_db: asyncpg.Pool,
) -> None:
    async with clean_db.acquire() as conn:
        await conn.execute("set timezone = 'UTC'")
        try:
            # 07:00 on 5 March in 沈阳 is 23:00 on 4 March in UTC.
            await _wish(conn, "SJ1", dt.datetime(2026, 3, 4, 23, 0, tzinfo=dt.UTC))
            march = [dt.date(2026, 3, d) for d in (4, 5, 6)]
            on_4th = await stats(conn, StatsFilter("210106", march[0], march[1]), today=TODAY)
            on_5th = await stats(conn, StatsFilter("210106", march[1], march[2]), today=TODAY)
            assert (on_4th.wishes.submitted, on_5th.wishes.submitted) == (0, 1)
            series = await stats_series(conn, StatsFilter("210100", march[0], march[2]),
                                        Granularity.DAY, today=TODAY)
            assert [(d, s.wishes.submitted) for d, s in series] == [(march[0], 0), (march[1], 1)]
            # Overdue counts Beijing days too: 5 March is 15 days before 20 March.
            f = StatsFilter("210100")
            assert await overdue(conn, f, 14, TODAY) == 1
            assert await overdue(conn, f, 15, TODAY) == 0
        finally:
            await conn.execute("reset timezone")


async def test_deleted_wishes_and_shadowed_mirrors_never_count(clean_db: asyncpg.Pool) -> None:
    async with clean_db.acquire() as conn:
        at = dt.datetime(2026, 2, 1, 10, tzinfo=BEIJING)
        await _wish(conn, "SJ1", at, region="210102")
        await _wish(conn, "WHY-M1", at, region="210102", source=3, shadowed=True)
        await _wish(conn, "SJ2", at, region="210102", deleted=True)
        f = StatsFilter("210100")
        assert (await stats(conn, f, today=TODAY)).wishes.submitted == 1
        # The city copy goes away: its mirror counts instead, once.
        await conn.execute("update wishes set deleted = true where source_id = 'SJ1'")
        await conn.execute("update wishes set shadowed = false where source_id = 'WHY-M1'")
        result = await stats(conn, f, today=TODAY)
        assert result.wishes.submitted == 1
        assert (await stats(conn, StatsFilter("210100", source_code="wenhuayun"),
                            today=TODAY)).wishes.submitted == 1


async def test_changes_move_counts_between_statuses_places_and_medians(
    clean_db: asyncpg.Pool,
) -> None:
    async with clean_db.acquire() as conn:
        at = dt.datetime(2026, 2, 1, 10, tzinfo=BEIJING)
        await _wish(conn, "W-a", at, region="210106", claim=90)
        await _wish(conn, "W-b", at, region="210106", claim=600)
        shenyang, tiexi, heping = (StatsFilter(c) for c in ("210100", "210106", "210102"))
        before = await stats(conn, shenyang, today=TODAY)
        assert (before.wishes.open, before.wishes.median_hours_to_claim) == (2, 5.5)
        await conn.execute(
            "update wishes set status = 'FULFILLED', fulfilled_at = submitted_at + interval '30 h'"
            " where source_id = 'W-a'")
        await conn.execute(
            "update wishes set region_code = '210102', county_code = '210102'"
            " where source_id = 'W-b'")
        after = await stats(conn, shenyang, today=TODAY)
        assert (after.wishes.open, after.wishes.fulfilled) == (1, 1)
        assert after.wishes.fulfillment_rate == 0.5
        assert after.wishes.median_hours_to_fulfill == 30.0
        assert (await stats(conn, tiexi, today=TODAY)).wishes.submitted == 1
        assert (await stats(conn, heping, today=TODAY)).wishes.median_hours_to_claim == 10.0
        for f in (shenyang, tiexi, heping):
            assert _figures(await stats(conn, f, today=TODAY)) == await brute(conn, f)


async def test_medians_of_one_day_month_or_year_are_kept_with_each_change(
    clean_db: asyncpg.Pool,
) -> None:
    """Exactly one period reads medians kept per period (migrations 0005, 0006):
    exact straight after inserts, changes and deletes (the period is marked and
    its histograms summed), and again once the marks are refreshed away."""
    day = dt.date(2026, 2, 1)
    at = dt.datetime(2026, 2, 1, 10, tzinfo=BEIJING)
    periods = [StatsFilter(code, day, day + dt.timedelta(days=1)) for code in ("210100", "210000")]
    periods += [StatsFilter("210106", dt.date(2026, 2, 1), dt.date(2026, 3, 1)),
                StatsFilter("210100", dt.date(2026, 1, 1), dt.date(2027, 1, 1)),
                StatsFilter("210106")]  # all time

    async def medians(conn: asyncpg.Connection) -> list[tuple[float | None, float | None]]:
        out = []
        for f in periods:
            w = (await stats(conn, f, today=TODAY)).wishes
            assert _figures(await stats(conn, f, today=TODAY)) == await brute(conn, f), f
            out.append((w.median_hours_to_claim, w.median_hours_to_fulfill))
        return out

    async def both_ways(conn: asyncpg.Connection) -> list[tuple[float | None, float | None]]:
        marked = await medians(conn)
        assert await refresh_medians(conn) > 0
        assert await conn.fetchval("select count(*) from stats_medians_dirty") == 0
        assert await medians(conn) == marked
        return marked

    async with clean_db.acquire() as conn:
        await _wish(conn, "W-a", at, claim=60)
        await _wish(conn, "W-b", at, claim=300, source=2)
        assert await both_ways(conn) == [(3.0, None)] * 5
        kept = await conn.fetchrow("select claim, fulfil from stats_wish_medians"
                                   " where area = '2101' and g = 'D' and p = $1", day)
        assert tuple(kept) == (3.0, None)
        await _wish(conn, "W-c", at, claim=600, fulfil=1200)
        assert await both_ways(conn) == [(5.0, 20.0)] * 5
        await conn.execute("update wishes set deleted = true where source_id = 'W-c'")
        assert await both_ways(conn) == [(3.0, None)] * 5
        # A daily series reads them too, point by point.
        series = await stats_series(conn, StatsFilter("210100", day - dt.timedelta(days=1),
                                                      day + dt.timedelta(days=1)),
                                    Granularity.DAY, today=TODAY)
        assert [s.wishes.median_hours_to_claim for _, s in series] == [None, 3.0]


async def test_a_marked_period_is_never_read_from_its_stale_median(
    clean_db: asyncpg.Pool,
) -> None:
    """A delivery committing while a refresh runs keeps its mark, so the refresh
    that missed it cannot make its period's stored median look current."""
    at = dt.datetime(2026, 2, 1, 10, tzinfo=BEIJING)
    f = StatsFilter("210000", dt.date(2026, 2, 1), dt.date(2026, 2, 2))
    async with clean_db.acquire() as conn:
        await _wish(conn, "W-1", at, claim=60)
        await refresh_medians(conn)
    delivered = asyncio.Event()
    release = asyncio.Event()

    async def deliver() -> None:
        async with clean_db.acquire() as conn, conn.transaction():
            await _wish(conn, "W-2", at, claim=300)
            await _wish(conn, "W-3", at, claim=900)
            delivered.set()
            await release.wait()

    task = asyncio.create_task(deliver())
    await delivered.wait()
    async with clean_db.acquire() as conn:
        await refresh_medians(conn)  # sees neither the new wishes nor their marks
        release.set()
        await task
        assert await conn.fetchval("select count(*) from stats_medians_dirty") > 0
        await _claim_median_marked_then_refreshed(conn, f, 5.0)


async def test_a_period_without_a_stored_median_is_summed_instead(
    clean_db: asyncpg.Pool,
) -> None:
    """Neither a median nor a mark (a period a refresh never reached, say a
    migration's): figures sum the histograms rather than report no median."""
    at = dt.datetime(2026, 2, 1, 10, tzinfo=BEIJING)
    async with clean_db.acquire() as conn:
        await _wish(conn, "W-1", at, claim=60, fulfil=600)
        await refresh_medians(conn)
        await conn.execute("delete from stats_wish_medians")
        for f in (StatsFilter("210106"), StatsFilter("210000", at.date(),
                                                     at.date() + dt.timedelta(days=1))):
            w = (await stats(conn, f, today=TODAY)).wishes
            assert (w.median_hours_to_claim, w.median_hours_to_fulfill) == (1.0, 10.0)


async def test_overdue_counts_the_open_wishes_before_the_cutoff_whichever_way_it_is_read(
    clean_db: asyncpg.Pool,
) -> None:
    """A range ending after the cutoff reads overdue as OPEN less the OPEN of its
    last days; one ending before it, from its own days. Both must be exact,
    for the cells (a county) and for the records (a town)."""
    async with clean_db.acquire() as conn:
        for n, days_ago in enumerate((80, 45, 31, 30, 29, 12)):
            at = dt.datetime.combine(TODAY - dt.timedelta(days=days_ago), dt.time(9),
                                     tzinfo=BEIJING)
            await _wish(conn, f"W-{n}", at, region="210106001")
        await _wish(conn, "W-claimed", dt.datetime.combine(
            TODAY - dt.timedelta(days=50), dt.time(9), tzinfo=BEIJING), region="210106001",
            status=WishStatus.CLAIMED, claim=60)
        for region in ("210106", "210106001"):
            for lo, hi, expected in ((70, 5, 2), (100, 0, 3), (70, 31, 1), (40, 25, 1)):
                f = StatsFilter(region, TODAY - dt.timedelta(days=lo),
                                TODAY - dt.timedelta(days=hi))
                got = await stats(conn, f, today=TODAY)
                assert got.wishes.overdue == expected, (region, lo, hi)
                assert _figures(got) == await brute(conn, f), (region, lo, hi)


async def test_a_month_less_its_first_days_takes_their_hours_out_of_the_medians(
    clean_db: asyncpg.Pool,
) -> None:
    """6-28 February is read as February less its first five days (fewer
    cells): those days' one-hour counts must be taken away from the month's,
    from the histograms (province, city) and from the records (a county)."""
    lo, hi = dt.date(2026, 2, 6), dt.date(2026, 3, 1)
    assert any(b.sign == -1 for b in signed_cover(lo, hi, TODAY + dt.timedelta(days=1)))
    async with clean_db.acquire() as conn:
        for n in range(10):  # 1-5 February, 4 hours to claim and to fulfil
            at = dt.datetime(2026, 2, 1 + n % 5, 9, tzinfo=BEIJING)
            await _wish(conn, f"early-{n}", at, status=WishStatus.FULFILLED, claim=250,
                        fulfil=250)
        for n in range(5):  # later in February, 6 hours
            at = dt.datetime(2026, 2, 10 + n, 9, tzinfo=BEIJING)
            await _wish(conn, f"late-{n}", at, status=WishStatus.FULFILLED, claim=370,
                        fulfil=370)
        for region in ("210000", "210100", "210106"):
            f = StatsFilter(region, lo, hi)
            got = await stats(conn, f, today=TODAY)
            assert (got.wishes.submitted, got.wishes.median_hours_to_claim,
                    got.wishes.median_hours_to_fulfill) == (5, 6.0, 6.0), region
            assert _figures(got) == await brute(conn, f), region
        assert clean_db.get_idle_size() > 0
        for pool in (None, clean_db):  # one connection, or two at once
            rows = await stats_by_region(conn, StatsFilter(None, lo, hi), RegionLevel.COUNTY,
                                         today=TODAY, pool=pool)
            assert [(code, r.wishes.median_hours_to_claim, r.wishes.median_hours_to_fulfill)
                    for code, r in rows if r.wishes.submitted] == [("210106", 6.0, 6.0)]


async def test_each_day_of_a_series_reads_only_its_own_histograms(
    clean_db: asyncpg.Pool,
) -> None:
    """A daily series whose medians are not stored (still marked after
    deliveries, or asked for one source) sums each day's one-hour histograms
    apart: 7, 6 and 5 hours on three days (one coarse bucket) stay 7, 6, 5."""
    days = [dt.date(2026, 2, d) for d in (2, 3, 4)]
    async with clean_db.acquire() as conn:
        for n, day in enumerate(days):
            for k in range(3):
                at = dt.datetime.combine(day, dt.time(9), tzinfo=BEIJING)
                minutes = 60 * (7 - n) + 10
                await _wish(conn, f"W-{n}-{k}", at, status=WishStatus.FULFILLED,
                            claim=minutes, fulfil=minutes)
        marked = await conn.fetchval("select count(*) from stats_medians_dirty")
        assert marked > 0
        for region in ("210000", "210100"):
            for source in (None, "shengjing"):
                f = StatsFilter(region, days[0], days[-1] + dt.timedelta(days=1),
                                source_code=source)
                points = await stats_series(conn, f, Granularity.DAY, today=TODAY)
                assert [(d, r.wishes.median_hours_to_claim, r.wishes.median_hours_to_fulfill)
                        for d, r in points] == [(d, 7.0 - n, 7.0 - n)
                                                for n, d in enumerate(days)], (region, source)


async def test_a_table_whose_wish_cells_fail_ends_its_other_cells_before_the_error(
    clean_db: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A county table with medians reads its wish cells on one connection and
    its other cells on a second one at the same time. When the first
    statement fails, the second has ended in PostgreSQL before the error
    reaches the caller, and both connections go back to the pool usable.

    It is not cancelled (asyncpg can leave a connection cancelled in the
    middle of a statement's protocol waiting for ever): it runs to its end, a
    few milliseconds in real life, 3 s here, before the error goes on."""
    monkeypatch.setattr(q, "WISH_FIGURES", q.WISH_FIGURES.replace(
        "where r.tag = 0", "where r.tag = 0 and 1 / (r.tag - r.tag) = 1"))
    monkeypatch.setattr(q, "OTHER_FIGURES", q.OTHER_FIGURES.replace(
        "as r(tag, g, lo, hi, sign)", "as r(tag, g, lo, hi, sign), (select pg_sleep(3)) as z"))
    f = StatsFilter(None, dt.date(2026, 1, 1), dt.date(2026, 3, 1))
    async with clean_db.acquire() as conn:
        assert clean_db.get_idle_size() > 0  # a second connection to lend
        with pytest.raises(asyncpg.DivisionByZeroError):
            async with asyncio.timeout(10):
                await stats_by_region(conn, f, RegionLevel.COUNTY, today=TODAY, pool=clean_db)
        still = await conn.fetchval(
            "select count(*) from pg_stat_activity where state = 'active' "
            "and query like '%pg_sleep(3)%' and pid <> pg_backend_pid()")
        assert still == 0
    for _ in range(clean_db.get_size()):
        async with clean_db.acquire() as conn:
            assert await conn.fetchval("select 1") == 1


async def test_concurrent_deliveries_to_one_day_keep_its_medians_exact(
    clean_db: asyncpg.Pool,
) -> None:
    """Deliveries from different sources (no rollup row in common but the
    province's one-hour histogram periods), committing at once."""
    at = dt.datetime(2026, 2, 1, 10, tzinfo=BEIJING)
    f = StatsFilter("210000", dt.date(2026, 2, 1), dt.date(2026, 2, 2))

    async def deliver(name: str, source: int, minutes: int) -> None:
        async with clean_db.acquire() as conn, conn.transaction():
            await _wish(conn, name, at, claim=minutes, source=source)
            await asyncio.sleep(0.05)  # all are open before any commits

    await asyncio.gather(deliver("W-1", 1, 60), deliver("W-2", 2, 300), deliver("W-3", 3, 900))
    async with clean_db.acquire() as conn:
        await _claim_median_marked_then_refreshed(conn, f, 5.0)


async def _claim_median_marked_then_refreshed(conn: asyncpg.Connection, f: StatsFilter,
                                              expected: float) -> None:
    assert (await stats(conn, f, today=TODAY)).wishes.median_hours_to_claim == expected
    await refresh_medians(conn)
    assert (await stats(conn, f, today=TODAY)).wishes.median_hours_to_claim == expected
    assert _figures(await stats(conn, f, today=TODAY)) == await brute(conn, f)


async def test_a_rolled_back_delivery_leaves_no_trace_in_the_figures(
    clean_db: asyncpg.Pool,
) -> None:
    async with clean_db.acquire() as conn:
        at = dt.datetime(2026, 2, 1, 10, tzinfo=BEIJING)
        with pytest.raises(RuntimeError):
            async with conn.transaction():
                await _wish(conn, "W-gone", at)
                raise RuntimeError("the delivery failed")
        assert (await stats(conn, StatsFilter(), today=TODAY)).wishes.submitted == 0
        pending = await conn.fetchval("select count(*) from stats_pending_wishes")
        assert pending == 0


# ---------------------------------------------------------------- pieces


async def test_sql_and_python_agree_on_codes_buckets_and_kept_cells(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        cats = await conn.fetch("select c, stats_cat(c) as n from unnest($1::text[]) c",
                                [c.value for c in WishCategory])
        assert [r["n"] for r in cats] == list(range(1, len(WishCategory) + 1))
        groups = await conn.fetch("select g, stats_grp(g) as n from unnest($1::text[]) g",
                                  [g.value for g in BeneficiaryGroup])
        assert [r["n"] for r in groups] == list(range(1, len(BeneficiaryGroup) + 1))
        coarse = await conn.fetch("select stats_coarse(h) as b from generate_series(0, 5000) h")
        assert [r["b"] for r in coarse] == [stats_medians.coarse_of(h) for h in range(5001)]
        for lvl in (1, 2, 3):
            for g in ("D", "M", "Y"):
                kept = await conn.fetchval(
                    """select stats_histogram($1, $2::text::"char")""", lvl, g)
                assert kept == _histogram(lvl, g), (lvl, g)
                for dims in ("", "c", "g", "cg"):
                    kept = await conn.fetchval(
                        """select stats_counted($1, $2::text::"char", $3)""", lvl, g, dims)
                    assert kept == counted(lvl, g, dims), (lvl, g, dims)


@given(st.dates(dt.date(1990, 1, 1), dt.date(2100, 1, 1)),
       st.dates(dt.date(1990, 1, 1), dt.date(2100, 1, 1)),
       st.sampled_from(["Y", "M", "D"]))
def test_blocks_cover_a_range_exactly_once(lo: dt.date, hi: dt.date, coarsest: str) -> None:
    blocks = cover(lo, hi, coarsest)
    days = 0
    position = lo
    for b in blocks:
        assert b.lo == position  # contiguous, in order
        assert "YMD".index(b.g) >= "YMD".index(coarsest)
        if b.g != "D":
            assert b.lo.day == 1 and b.hi.day == 1
        if b.g == "Y":
            assert b.lo.month == 1 and b.hi.month == 1
        days += (b.hi - b.lo).days
        position = b.hi
    assert days == max(0, (hi - lo).days)
    assert len([b for b in blocks if b.g == "D"]) <= 2


def test_weeks_start_on_monday_and_all_time_is_years() -> None:
    weeks = buckets(dt.date(2026, 3, 5), dt.date(2026, 3, 20), Granularity.WEEK)
    assert weeks == [dt.date(2026, 3, 2), dt.date(2026, 3, 9), dt.date(2026, 3, 16)]
    assert all(w.weekday() == 0 for w in weeks)
    assert [b.g for b in cover(FLOOR, dt.date(2200, 1, 1))] == ["Y"]


async def test_warming_a_connection_runs_every_statement_of_the_figures(
    pool: asyncpg.Pool,
) -> None:
    async with pool.acquire() as conn:
        await warm(conn)
        # Each statement is now prepared on this connection: later figures skip it.
        cached = {r["statement"] for r in await conn.fetch(
            "select statement from pg_prepared_statements")}
        for sql in (q.FIGURES, q.FIGURES_COUNTS, q.HIST_FINE, q.HIST_FINE_SETS, q.STORED_MEDIANS,
                    q.RECORDS_FINE, q.RECORDS_FINE_ROWS, q.BASE_WISHES, q.BASE_ACTIVITIES):
            assert sql in cached


async def test_counts_are_ints_whatever_path_they_come_from(clean_db: asyncpg.Pool) -> None:
    """Not Decimal: the schema's Int, and what clients compare with."""
    at = dt.datetime(2026, 2, 1, 10, tzinfo=BEIJING)
    async with clean_db.acquire() as conn:
        await _wish(conn, "W-1", at, claim=60)
        day = StatsFilter("210000", at.date(), at.date() + dt.timedelta(days=1))
        results = [await stats(conn, StatsFilter(), today=TODAY),
                   *(r for _, r in await stats_series(conn, day, Granularity.DAY, today=TODAY)),
                   *(r for _, r in await stats_by_region(conn, StatsFilter(), RegionLevel.CITY,
                                                          today=TODAY))]
        for r in results:
            w = r.wishes
            values = (w.submitted, w.open, w.claimed, w.fulfilled, w.cancelled, w.pending,
                      w.overdue, r.teams, r.team_members, r.stations, r.activities.sessions)
            assert all(type(v) is int for v in values), values


async def test_flow_counts_each_event_on_its_own_day_and_cancellations_when_stored(
    clean_db: asyncpg.Pool,
) -> None:
    """A wish submitted in February and fulfilled in March is March's fulfilment,
    not February's; a cancellation is dated when the hub first stores it."""
    async with clean_db.acquire() as conn:
        await conn.execute("set timezone = 'UTC'")
        feb = dt.datetime(2026, 2, 27, 7, 0, tzinfo=BEIJING)
        mar = dt.datetime(2026, 3, 2, 7, 0, tzinfo=BEIJING)
        await _wish(conn, "W1", feb, status=WishStatus.FULFILLED, claim=24 * 60,
                    fulfil=int((mar - feb).total_seconds() // 60))
        march = StatsFilter("210100", dt.date(2026, 3, 1), dt.date(2026, 4, 1))
        february = StatsFilter("210106", dt.date(2026, 2, 1), dt.date(2026, 3, 1))
        assert await flows(conn, [march, february]) == [WishFlow(0, 0, 1, 0),
                                                         WishFlow(1, 1, 0, 0)]
        assert (await stats(conn, february, today=TODAY)).wishes.fulfilled == 1
        # Cancelled now: dated today (Beijing), kept by later versions, gone when reopened.
        await conn.execute("update wishes set status = 'CANCELLED', version = 2")
        first = await conn.fetchval("select cancelled_at from wishes")
        assert first is not None
        await conn.execute("update wishes set title = '新书包', version = 3")
        assert await conn.fetchval("select cancelled_at from wishes") == first
        today = StatsFilter(None, beijing_today(first), beijing_today(first) + dt.timedelta(1))
        assert (await flows(conn, [today]))[0].cancelled == 1
        await conn.execute("update wishes set status = 'OPEN', version = 4")
        assert await conn.fetchval("select cancelled_at from wishes") is None
        assert (await flows(conn, [today]))[0] == await brute_flow(conn, today) == WishFlow(
            0, 0, 0, 0)
