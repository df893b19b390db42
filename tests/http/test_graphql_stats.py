"""Statistics through the ASGI app: what the provincial office's pages ask for.

The figures themselves are compared with brute-force counts in
tests/hub/test_stats.py; here the GraphQL side: filters, regions listed,
series buckets, ``overdue(days)`` per row and per point, and errors.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import itertools
import json
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from hub import stats as hub_stats
from hub.app import create_app
from hub.config import parse_config
from hub.ingest import ingest as hub_ingest
from hub.models import RegionLevel, WishCategory
from hub.stats_flow import flows
from resolvers.loaders import _flow_batch, _overdue_batch
from tests.http.conftest import (
    CITY_COUNTIES,
    StatementLog,
    gql,
    push_items,
    wenhuayun_items,
)

FIXTURES = Path(__file__).resolve().parent.parent / "adapters"
FIGURES = """
  wishes { submitted open claimed fulfilled cancelled fulfillmentRate
           medianHoursToClaim medianHoursToFulfill overdue late: overdue(days: 0) }
  activities { activities sessions volunteerAttendances beneficiaries volunteerHours }
  teams teamMembers stations
"""


async def _claimed_and_open(pool: asyncpg.Pool) -> None:
    """56 claimed wishes (WS-) and 28 open ones (OW-), all in March 2022."""
    await push_items(pool, wenhuayun_items(wishes=56))
    open_items = [dict(i, wish_id="OW" + i["wish_id"][2:])
                  for i in wenhuayun_items(wishes=28, teams=0) if i["entity"] == "wish"]
    await push_items(pool, open_items)


async def test_province_and_city_figures(client: httpx.AsyncClient,
                                         clean_db: asyncpg.Pool) -> None:
    await _claimed_and_open(clean_db)
    body = await gql(client, "query($f: StatsFilter) { stats(filter: $f) {" + FIGURES + "} }")
    assert "errors" not in body, body
    s = body["data"]["stats"]
    assert s["wishes"]["submitted"] == 84
    assert (s["wishes"]["open"], s["wishes"]["claimed"], s["wishes"]["fulfilled"]) == (28, 56, 0)
    assert s["wishes"]["fulfillmentRate"] == 0
    # Every open wish is from March 2022: long overdue whatever the day the test runs.
    assert s["wishes"]["overdue"] == s["wishes"]["late"] == 28
    assert s["teams"] == 10 and s["stations"] == 10
    assert s["teamMembers"] == sum(10 + i for i in range(10))
    # Claimed at 23:30 on the day submitted at hour i % 24: the median of whole hours.
    hours = sorted(23 - (i % 24) for i in range(56))
    assert s["wishes"]["medianHoursToClaim"] == (hours[27] + hours[28]) / 2

    # 沈阳 holds the counties 210102 and 210106: two of every six wishes.
    body = await gql(client, "query($f: StatsFilter) { stats(filter: $f) {" + FIGURES + "} }",
                     f={"regionCode": "210100", "category": "STUDY_SUPPLIES"})
    city = body["data"]["stats"]
    expected = sum(1 for i in range(56) if CITY_COUNTIES[i % 6].startswith("2101"))
    expected += sum(1 for i in range(28) if CITY_COUNTIES[i % 6].startswith("2101"))
    assert city["wishes"]["submitted"] == expected
    body = await gql(client, "query($f: StatsFilter) { stats(filter: $f) { wishes { submitted } } }",
                     f={"category": "BOOKS"})
    assert body["data"]["stats"]["wishes"]["submitted"] == 0


async def test_by_region_lists_every_city_and_adds_up_to_the_province(
    client: httpx.AsyncClient, clean_db: asyncpg.Pool
) -> None:
    await _claimed_and_open(clean_db)
    query = """query($f: StatsFilter, $level: RegionLevel!) {
        statsByRegion(filter: $f, level: $level) { region { code name }
            stats { wishes { submitted overdue late: overdue(days: 0) } teams } } }"""
    body = await gql(client, query, level="CITY")
    assert "errors" not in body, body
    rows = body["data"]["statsByRegion"]
    assert len(rows) == 14
    assert [r["region"]["code"] for r in rows] == sorted(r["region"]["code"] for r in rows)
    assert sum(r["stats"]["wishes"]["submitted"] for r in rows) == 84
    assert sum(r["stats"]["wishes"]["late"] for r in rows) == 28
    by_code = {r["region"]["code"]: r["stats"] for r in rows}
    # 沈阳's own overdue(days: 0), not the province's.
    assert by_code["210100"]["wishes"]["late"] == sum(
        1 for i in range(28) if CITY_COUNTIES[i % 6].startswith("2101"))
    assert by_code["210400"]["wishes"]["submitted"] == 0  # 抚顺: listed, all zeros

    body = await gql(client, query, level="COUNTY", f={"regionCode": "210100"})
    counties = body["data"]["statsByRegion"]
    assert all(r["region"]["code"].startswith("2101") for r in counties)
    assert {r["region"]["code"] for r in counties if r["stats"]["wishes"]["submitted"]} == {
        "210102", "210106"}

    body = await gql(client, query, level="CITY", f={"regionCode": "210106"})
    assert body["errors"] and body["data"] is None


async def test_series_weeks_start_on_monday_and_each_point_counts_its_own_bucket(
    client: httpx.AsyncClient, clean_db: asyncpg.Pool
) -> None:
    await _claimed_and_open(clean_db)
    query = """query($f: StatsFilter, $g: Granularity!) { statsSeries(filter: $f, granularity: $g) {
        start stats { wishes { submitted open late: overdue(days: 0) } } } }"""
    body = await gql(client, query, g="WEEK", f={"from": "2022-03-01", "to": "2022-04-01"})
    assert "errors" not in body, body
    points = body["data"]["statsSeries"]
    starts = [dt.date.fromisoformat(p["start"]) for p in points]
    assert starts[0] == dt.date(2022, 2, 28)  # the Monday of 1 March's week
    assert all(s.weekday() == 0 for s in starts)
    assert [b - a for a, b in itertools.pairwise(starts)] == [dt.timedelta(7)] * 4
    assert sum(p["stats"]["wishes"]["submitted"] for p in points) == 84
    for p in points:
        # Within its bucket, every open wish is overdue by now: no more, no fewer.
        assert p["stats"]["wishes"]["late"] == p["stats"]["wishes"]["open"]

    body = await gql(client, query, g="DAY", f={"from": "2022-03-05", "to": "2022-03-08"})
    days = body["data"]["statsSeries"]
    assert [p["start"] for p in days] == ["2022-03-05", "2022-03-06", "2022-03-07"]
    # Day d of March holds the wishes i with 1 + i % 28 == d: two claimed, one open.
    assert [p["stats"]["wishes"]["submitted"] for p in days] == [3, 3, 3]


async def test_dates_are_beijing_days(client: httpx.AsyncClient, clean_db: asyncpg.Pool) -> None:
    items = wenhuayun_items(wishes=1, teams=0, stations=1)
    wish: dict[str, Any] = next(i for i in items if i["entity"] == "wish")
    wish["submit_time"] = "2022-03-05T07:00:00+08:00"  # 4 March, 23:00 in UTC
    await push_items(clean_db, items)
    query = """query($f: StatsFilter) { stats(filter: $f) { wishes { submitted } } }"""
    on_5 = await gql(client, query, f={"from": "2022-03-05", "to": "2022-03-06"})
    on_4 = await gql(client, query, f={"from": "2022-03-04", "to": "2022-03-05"})
    assert on_5["data"]["stats"]["wishes"]["submitted"] == 1
    assert on_4["data"]["stats"]["wishes"]["submitted"] == 0


async def test_bad_filters_are_errors_not_zeros(client: httpx.AsyncClient,
                                                clean_db: asyncpg.Pool) -> None:
    query = """query($f: StatsFilter) { stats(filter: $f) { wishes { submitted } } }"""
    for f in ({"regionCode": "999999"}, {"from": "2022-03-05", "to": "2022-03-01"}):
        body = await gql(client, query, f=f)
        assert body.get("errors"), f
    body = await gql(client, "{ stats { wishes { overdue(days: -1) } } }")
    assert body.get("errors")


async def test_medians_are_read_only_when_asked_for_even_through_fragments(
    counted: tuple[httpx.AsyncClient, StatementLog], clean_db: asyncpg.Pool
) -> None:
    client, log = counted
    await _claimed_and_open(clean_db)
    plain = "{ statsByRegion(level: COUNTY) { stats { wishes { submitted } } } }"
    fragment = """{ statsByRegion(level: COUNTY) { stats { ...W } } }
        fragment W on Stats { wishes { submitted medianHoursToClaim } }"""
    log.reset()
    body = await gql(client, plain)
    without = len(log.statements)
    log.reset()
    body = await gql(client, fragment)
    rows = {r["stats"]["wishes"]["submitted"]: r["stats"]["wishes"]["medianHoursToClaim"]
            for r in body["data"]["statsByRegion"]}
    assert rows[0] is None and any(v is not None for k, v in rows.items() if k)
    assert len(log.statements) > without


async def test_overdue_with_days_costs_one_query_per_list_not_per_row(
    counted: tuple[httpx.AsyncClient, StatementLog], clean_db: asyncpg.Pool
) -> None:
    """A dashboard asking every county (or every day) for ``overdue(days: N)``:
    the same values as asking each one alone, for a handful of statements."""
    client, log = counted
    await _claimed_and_open(clean_db)
    rows = """{ statsByRegion(level: %s) { region { code }
        stats { wishes { late: overdue(days: 0) later: overdue(days: 400) } } } }"""
    counts = {}
    for level in ("CITY", "COUNTY"):
        log.reset()
        body = await gql(client, rows % level)
        assert "errors" not in body, body
        counts[level] = len(log.statements)
        for row in body["data"]["statsByRegion"][::7]:
            alone = await gql(client, """query($f: StatsFilter) { stats(filter: $f) {
                wishes { late: overdue(days: 0) later: overdue(days: 400) } } }""",
                              f={"regionCode": row["region"]["code"]})
            assert alone["data"]["stats"]["wishes"] == row["stats"]["wishes"]
    # 14 cities or ~100 counties, two values of days each: the same few statements.
    assert counts["COUNTY"] == counts["CITY"] <= 8

    points = """{ statsSeries(filter: {from: "2022-02-20", to: "%s"}, granularity: DAY) {
        start stats { wishes { open late: overdue(days: 0) } } } }"""
    log.reset()
    short = await gql(client, points % "2022-03-01")
    few = len(log.statements)
    log.reset()
    long = await gql(client, points % "2022-04-20")
    assert len(log.statements) == few
    assert len(long["data"]["statsSeries"]) == 59
    for p in short["data"]["statsSeries"] + long["data"]["statsSeries"]:
        assert p["stats"]["wishes"]["late"] == p["stats"]["wishes"]["open"]


async def test_flow_of_every_row_and_point_in_a_few_statements_equals_each_alone(
    counted: tuple[httpx.AsyncClient, StatementLog], clean_db: asyncpg.Pool
) -> None:
    """``flow`` per county and per day: the same as each asked alone, the list
    costing the same few statements whatever its length."""
    client, log = counted
    await _claimed_and_open(clean_db)
    flow = "flow { submitted claimed fulfilled cancelled }"
    log.reset()
    body = await gql(client, "{ statsByRegion(level: COUNTY) { region { code } stats { wishes { "
                     + flow + " } } } }")
    assert "errors" not in body, body
    statements = len(log.statements)
    rows = body["data"]["statsByRegion"]
    assert sum(r["stats"]["wishes"]["flow"]["submitted"] for r in rows) == 84
    assert sum(r["stats"]["wishes"]["flow"]["claimed"] for r in rows) == 56
    for row in [r for r in rows if r["stats"]["wishes"]["flow"]["submitted"]][:3]:
        alone = await gql(client, "query($f: StatsFilter) { stats(filter: $f) { wishes { "
                          + flow + " } } }", f={"regionCode": row["region"]["code"]})
        assert alone["data"]["stats"]["wishes"] == row["stats"]["wishes"]
    points = """{ statsSeries(filter: {from: "2022-02-20", to: "%s"}, granularity: DAY) {
        start stats { wishes { submitted flow { submitted claimed } } } } }"""
    log.reset()
    short = await gql(client, points % "2022-03-01")
    few = len(log.statements)
    log.reset()
    long = await gql(client, points % "2022-04-20")
    assert len(log.statements) == few <= statements + 2
    assert sum(p["stats"]["wishes"]["flow"]["claimed"] for p in long["data"]["statsSeries"]) == 56
    for p in short["data"]["statsSeries"] + long["data"]["statsSeries"]:
        assert p["stats"]["wishes"]["flow"]["submitted"] == p["stats"]["wishes"]["submitted"]


async def test_flow_asked_with_the_other_figures_is_read_in_their_statements(
    counted: tuple[httpx.AsyncClient, StatementLog], clean_db: asyncpg.Pool
) -> None:
    """``flow`` beside the other figures costs no statement more (its cells, and
    its records where no cell holds it, are read in the same statements);
    asked alone, the other figures are not read at all."""
    client, log = counted
    await _claimed_and_open(clean_db)
    flow = "flow { submitted claimed fulfilled cancelled }"
    dates = '{from: "2022-02-20", to: "2022-04-20"}'
    for query, path in (
        ("{ stats(filter: DATES) { %s } }", ("stats",)),
        ("{ statsByRegion(filter: DATES, level: COUNTY) { region { code } stats { %s } } }",
         ("statsByRegion",)),
        ("{ statsSeries(filter: DATES, granularity: DAY) { start stats { %s } } }",
         ("statsSeries",)),
        # A county with a category: no cell holds it, every figure from the records.
        ("{ stats(filter: ONE_COUNTY) { %s } }", ("stats",)),
    ):
        query = query.replace("DATES", dates).replace(
            "ONE_COUNTY", '{regionCode: "210102", category: BOOKS, from: "2022-02-20"}')
        log.reset()
        await gql(client, query % "wishes { submitted claimed } teams")
        stock = len(log.statements)
        log.reset()
        both = await gql(client, query % ("wishes { submitted claimed " + flow + " } teams"))
        assert "errors" not in both, both
        assert len(log.statements) == stock, log.statements
        log.reset()
        alone = await gql(client, query % ("wishes { " + flow + " }"))
        assert len(log.statements) == 1, log.statements
        assert "stats_wish_cells" not in log.statements[0]
        assert "status" not in log.statements[0]
        got, expected = both["data"][path[0]], alone["data"][path[0]]
        if isinstance(got, dict):
            got, expected = [got], [expected]
        flows_both = [(g.get("stats") or g)["wishes"]["flow"] for g in got]
        assert flows_both == [(e.get("stats") or e)["wishes"]["flow"] for e in expected]
        if "210102" not in query:
            assert sum(f["claimed"] for f in flows_both) == 56


async def test_flow_counted_on_demand_equals_flow_counted_with_the_list(
    clean_db: asyncpg.Pool,
) -> None:
    """The DataLoader behind ``flow`` (when a list did not count it ahead):
    rows, points and figures alone, in one call, as the lists count them."""
    await _claimed_and_open(clean_db)
    f = hub_stats.StatsFilter(from_=dt.date(2022, 3, 1), to=dt.date(2022, 4, 1))
    keys = [(("region", f, RegionLevel.CITY), "210100", None),
            (("series", f, "WEEK"), dt.date(2022, 2, 28), None),
            (("alone",), None, f)]
    got = await _flow_batch(clean_db, keys)
    async with clean_db.acquire() as conn:
        expected = await flows(conn, [hub_stats.region_filter(f, "210100"),
                                      hub_stats.bucket_filter(f, dt.date(2022, 2, 28), "WEEK"), f])
    assert got == expected and expected[2].submitted == 84 and expected[2].claimed == 56


async def test_overdue_of_a_row_its_list_no_longer_has_is_counted_alone(
    clean_db: asyncpg.Pool,
) -> None:
    """A row's ``overdue(days)`` whose batch query no longer lists it (a town
    gone from a town table, say) is counted with the row's own filter."""
    await _claimed_and_open(clean_db)
    batch = ("region", hub_stats.StatsFilter(category=WishCategory.STUDY_SUPPLIES),
             RegionLevel.CITY)
    # A county is no row of a city table: the batch does not have it.
    [late] = await _overdue_batch(clean_db, [(batch, "210102", None, 0)])
    async with clean_db.acquire() as conn:
        alone = await hub_stats.overdue(conn, hub_stats.StatsFilter(
            region_code="210102", category=WishCategory.STUDY_SUPPLIES), 0)
        everywhere = await hub_stats.overdue(conn, hub_stats.StatsFilter(), 0)
    assert late == alone and 0 < late < everywhere


async def test_a_figure_read_after_a_pushs_200_includes_that_push(clean_db: asyncpg.Pool) -> None:
    """As the office and a city platform meet: 盛京使者 pushes (signed), and the
    very next read counts it, in its region, on its Beijing day; a later
    version deleting the wish takes it out as soon as its push is answered."""
    token, secret = "tok-sj-1", "s3cret-sj"
    config = parse_config({
        "public": {"enabled": True}, "security": {"rate_limit": {"enabled": False}},
        "sources": {"shengjing": {"token": token, "secret": secret}},
    })

    async def push(body: bytes) -> None:
        signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        r = await client.post("/ingest/shengjing", content=body, headers={
            "Authorization": f"Bearer {token}", "X-Hub-Signature-256": signature,
            "Content-Type": "application/json"})
        assert r.status_code == 200, r.text

    query = """query($f: StatsFilter) { stats(filter: $f) {
        wishes { submitted fulfilled medianHoursToFulfill } teams teamMembers } }"""
    # 沈阳 (210100), the wish's Beijing day (submitted 2022-03-05 10:12 +08:00), the next day.
    day = {"regionCode": "210100", "from": "2022-03-05", "to": "2022-03-06"}
    after = {"regionCode": "210100", "from": "2022-03-06"}
    example = json.loads((FIXTURES / "shengjing" / "fixtures" / "example.json").read_bytes())
    app = create_app(config=config, pool=clean_db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://hub.test") as client:
        before = (await gql(client, query, f=day))["data"]["stats"]
        assert before == {"wishes": {"submitted": 0, "fulfilled": 0, "medianHoursToFulfill": None},
                          "teams": 0, "teamMembers": 0}

        await push(json.dumps(example, ensure_ascii=False).encode())
        read = (await gql(client, query, f=day))["data"]["stats"]
        # Fulfilled 2022-03-13 17:45: 199 whole hours after it was submitted.
        assert read == {"wishes": {"submitted": 1, "fulfilled": 1, "medianHoursToFulfill": 199.0},
                        "teams": 1, "teamMembers": 46}
        later = (await gql(client, query, f=after))["data"]["stats"]
        assert later["wishes"]["submitted"] == 0

        wish = dict(example["records"][0], delFlag=1, updateTime="2022-03-20 09:00:00")
        await push(json.dumps(dict(example, records=[wish]), ensure_ascii=False).encode())
        gone = (await gql(client, query, f=day))["data"]["stats"]
        assert gone["wishes"] == {"submitted": 0, "fulfilled": 0, "medianHoursToFulfill": None}


async def test_a_sources_records_rejected_in_the_last_day(
    client: httpx.AsyncClient, clean_db: asyncpg.Pool,
) -> None:
    """What the dashboard's source table shows: rejections of the last 24 hours,
    not older ones, not other sources'."""
    items = wenhuayun_items(wishes=3, teams=0, stations=0)
    bad = [dict(i, division_code="nowhere", wish_id=f"BAD-{n}") for n, i in enumerate(items)]
    await hub_ingest(clean_db, "wenhuayun", json.dumps(
        {"code": 0, "items": items + bad}, ensure_ascii=False).encode())
    await hub_ingest(clean_db, "wenhuayun", json.dumps(
        {"code": 0, "items": [dict(bad[0], wish_id="OLD-1")]}, ensure_ascii=False).encode())
    await clean_db.execute("update batches set received_at = now() - interval '25 hours'"
                           " where received = 1")
    body = await gql(client, "{ sources { code recordsRejected recordsRejectedLastDay } }")
    assert "errors" not in body, body
    found = {s["code"]: s for s in body["data"]["sources"]}
    assert found["wenhuayun"]["recordsRejectedLastDay"] == 3
    assert found["wenhuayun"]["recordsRejected"] == 4
    assert found["shengjing"]["recordsRejectedLastDay"] == 0
