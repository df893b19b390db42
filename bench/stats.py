"""Provincial statistics at province scale, over HTTP, beside brute-force SQL.

    python bench/stats.py [--scale province] [--requests 200] [--ingest]

Uses ``DATABASE_URL`` when set, else an embedded server under ``HUB_DATA_DIR``
(default ``./.hub-data/bench-stats``). The first run seeds it (``hub.seed``
through the ingest path; the time is printed) and later runs reuse it.

The hub runs under uvicorn on 127.0.0.1 (1 worker by default: the other core
is PostgreSQL's); requests go one at a time, each query kind a bounded number
of times, and p50/p99 are printed beside the time of the equivalent
brute-force SQL (counting the records themselves) on the same database:

* ``stats``, whole province, no filter, and province / any city with random
  filters (dates, category, beneficiary group, source);
* ``statsByRegion(level: COUNTY)`` for the province, no filter and a random year;
* ``statsSeries(granularity: DAY)`` over a year, province and a random city;
* the flow figures (``WishStats.flow``: each event on its own day) for the
  same filters: ``stats``, ``statsByRegion(COUNTY)`` and ``statsSeries(DAY)``;
* the wishes left behind: ``wishes(filter: {status: [OPEN], submittedTo}, orderBy:
  SUBMITTED_ASC)``, a page of 20.

Before measuring, the statistics are prewarmed and the stored medians
refreshed, as a running hub has them (see docs/operators.md). Afterwards 20
random filters (their flow figures too) and every county (no filter) are checked against brute-force
counts. ``--ingest`` keeps pushing deliveries (a small extra seed) while
measuring: their periods are then read from the histograms until the hub's
background refresh catches up. ``bench/stats_budget.py`` shows where each
kind's time goes (round trips, each statement, Python).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
import httpx  # noqa: E402

import adapters  # noqa: E402
from bench._data import database_url  # noqa: E402
from bench._server import serve_hub  # noqa: E402
from hub import db  # noqa: E402
from hub import stats as hub_stats  # noqa: E402
from hub.bootstrap import prepare_database  # noqa: E402
from hub.ingest import ingest  # noqa: E402
from hub.models import BeneficiaryGroup, RegionLevel, WishCategory  # noqa: E402
from hub.prewarm import prewarm  # noqa: E402
from hub.seed.bodies import generate, writers  # noqa: E402
from hub.seed.geo import geography  # noqa: E402
from hub.seed.load import SeedProgress, load  # noqa: E402
from hub.seed.plan import make_plan  # noqa: E402
from hub.stats_flow import flows  # noqa: E402
from hub.stats_refresh import refresh_medians  # noqa: E402

CITIES = [f"21{n:02d}00" for n in range(1, 15)]
SOURCES = list(adapters.REGISTRY)
TARGETS = {
    "stats province, no filter": "p50 <= 10, p99 <= 30",
    "stats province, random filter": "p50 <= 10, p99 <= 30",
    "stats city, random filter": "p50 <= 10, p99 <= 30",
    "statsByRegion COUNTY, no filter": "p50 <= 30",
    "statsByRegion COUNTY, random year": "p50 <= 30",
    "statsSeries DAY, province, a year": "p50 <= 30",
    "statsSeries DAY, city, a year": "p50 <= 30",
    "statsByRegion COUNTY, random year, no medians": "p50 <= 30",
    "statsSeries DAY, province, a year, no medians": "p50 <= 30",
    "wishes OPEN oldest first, page of 20": "p50 <= 20",
    "flow: stats province, random filter": "p50 <= 10, p99 <= 30",
    "flow: stats city, random filter": "p50 <= 10, p99 <= 30",
    "flow: statsByRegion COUNTY, random year": "p50 <= 30",
    "flow: statsSeries DAY, province, a year": "p50 <= 30",
    "flow: statsSeries DAY, city, a year": "p50 <= 30",
}

FIGURES = """
  wishes { submitted open claimed fulfilled cancelled fulfillmentRate
           medianHoursToClaim medianHoursToFulfill overdue }
  activities { activities sessions volunteerAttendances beneficiaries volunteerHours }
  teams teamMembers stations
"""
COUNTS = """
  wishes { submitted open claimed fulfilled cancelled fulfillmentRate overdue }
  activities { activities sessions volunteerAttendances beneficiaries volunteerHours }
  teams teamMembers stations
"""
STATS = "query($f: StatsFilter) { stats(filter: $f) {" + FIGURES + "} }"
BY_COUNTY = ("query($f: StatsFilter) { statsByRegion(filter: $f, level: COUNTY) {"
             " region { code } stats {" + FIGURES + "} } }")
SERIES_DAY = ("query($f: StatsFilter) { statsSeries(filter: $f, granularity: DAY) {"
              " start stats {" + FIGURES + "} } }")
# What a dashboard's table or chart asks for: every figure but the medians.
BY_COUNTY_COUNTS = BY_COUNTY.replace(FIGURES, COUNTS)
SERIES_DAY_COUNTS = SERIES_DAY.replace(FIGURES, COUNTS)
# Flow figures (each event on its own day): what a monthly report reads.
FLOW = "wishes { flow { submitted claimed fulfilled cancelled } }"
STATS_FLOW = "query($f: StatsFilter) { stats(filter: $f) {" + FLOW + "} }"
BY_COUNTY_FLOW = ("query($f: StatsFilter) { statsByRegion(filter: $f, level: COUNTY) {"
                  " region { code } stats {" + FLOW + "} } }")
SERIES_DAY_FLOW = ("query($f: StatsFilter) { statsSeries(filter: $f, granularity: DAY) {"
                   " start stats {" + FLOW + "} } }")
LEFT_BEHIND = """query($to: DateTime) {
  wishes(filter: {status: [OPEN], submittedTo: $to}, orderBy: SUBMITTED_ASC, first: 20) {
    totalCount edges { node { id title submittedAt region { name } } }
  }
}"""

# ---------------------------------------------------------------- brute force

_DAY = "(submitted_at at time zone 'Asia/Shanghai')::date"
_HOURS = "greatest(0, floor(extract(epoch from ({0} - submitted_at)) / 3600))"
_WISH_FIGURES = f"""
count(*), count(*) filter (where status = 'OPEN'), count(*) filter (where status = 'CLAIMED'),
count(*) filter (where status = 'FULFILLED'), count(*) filter (where status = 'CANCELLED'),
percentile_cont(0.5) within group (order by {_HOURS.format('claimed_at')})
    filter (where claimed_at is not null),
percentile_cont(0.5) within group (order by {_HOURS.format('fulfilled_at')})
    filter (where fulfilled_at is not null),
count(*) filter (where status = 'OPEN' and {_DAY} < $7)
"""
_WISH_WHERE = f"""
not deleted and not shadowed and region_code like $1 || '%'
and ($2::date is null or {_DAY} >= $2) and ($3::date is null or {_DAY} < $3)
and ($4::text is null or category = $4) and ($5::text is null or beneficiary_group = $5)
and ($6::text is null or source = (select id from sources where code = $6))
"""
_ACTIVITY_WHERE = """
not deleted and region_code like $1 || '%'
and ($2::date is null or date >= $2) and ($3::date is null or date < $3)
and ($4::text is null or source = (select id from sources where code = $4))
"""
BRUTE = {
    "plain": (
        f"select {_WISH_FIGURES} from wishes where {_WISH_WHERE}",
        f"""select count(*), sum(sessions), sum(volunteer_attendances), sum(beneficiaries),
                   sum(volunteer_hours::numeric) from activities where {_ACTIVITY_WHERE}""",
    ),
    "county": (
        f"select county_code, {_WISH_FIGURES} from wishes where {_WISH_WHERE} group by 1",
        f"""select county_code, count(*), sum(sessions), sum(volunteer_attendances),
                   sum(beneficiaries), sum(volunteer_hours::numeric)
              from activities where {_ACTIVITY_WHERE} group by 1""",
    ),
    "day": (
        f"select {_DAY}, {_WISH_FIGURES} from wishes where {_WISH_WHERE} group by 1",
        f"""select date, count(*), sum(sessions), sum(volunteer_attendances), sum(beneficiaries),
                   sum(volunteer_hours::numeric) from activities where {_ACTIVITY_WHERE}
             group by 1""",
    ),
}


def _event_day(column: str) -> str:
    return f"({column} at time zone 'Asia/Shanghai')::date"


_FLOW_WHERE = """
not deleted and not shadowed and region_code like $1 || '%'
and ($4::text is null or category = $4) and ($5::text is null or beneficiary_group = $5)
and ($6::text is null or source = (select id from sources where code = $6))
"""
_IN_DATES = "{0} >= coalesce($2, '-infinity'::date) and {0} < coalesce($3, 'infinity'::date)"
# One row per event kind (and county or day): the flow figures counted from the records.
BRUTE_FLOW = {
    shape: " union all ".join(
        f"select {group}'{kind}' as kind, count(*) as n from wishes where {_FLOW_WHERE}"
        f" and {_IN_DATES.format(_event_day(column))}"
        + (f" group by {by}" if by else "")
        for kind, column in (("s", "submitted_at"), ("c", "claimed_at"),
                             ("f", "fulfilled_at"), ("x", "cancelled_at")))
    for shape, group, by in (("flow", "", ""), ("flow county", "county_code, ", "1"),
                             ("flow day", "", ""))
}
BRUTE_FLOW["flow day"] = " union all ".join(
    f"select {_event_day(column)}, '{kind}', count(*) from wishes where {_FLOW_WHERE}"
    f" and {_IN_DATES.format(_event_day(column))} group by 1"
    for kind, column in (("s", "submitted_at"), ("c", "claimed_at"), ("f", "fulfilled_at"),
                         ("x", "cancelled_at")))
BRUTE_NETWORK = """
select (select count(*) from teams where not deleted and region_code like $1 || '%'),
       (select sum(member_count) from teams where not deleted and region_code like $1 || '%'),
       (select count(*) from stations where not deleted and region_code like $1 || '%')
"""
BRUTE_LEFT_BEHIND = """
select id, title, submitted_at from wishes
 where not deleted and not shadowed and status = 'OPEN' and submitted_at < $1
 order by submitted_at, id limit 20
"""


def _prefix(code: str | None) -> str:
    code = code or "210000"
    return code[:2] if code.endswith("0000") else code[:4] if code.endswith("00") else code


async def brute_ms(conn: asyncpg.Connection, shape: str, f: dict[str, Any], today: dt.date,
                   runs: int = 3) -> float:
    """Median time of counting the records for one filter (all the figures of ``stats``)."""
    prefix = _prefix(f.get("regionCode"))
    lo = dt.date.fromisoformat(f["from"]) if f.get("from") else None
    hi = dt.date.fromisoformat(f["to"]) if f.get("to") else None
    times = []
    if shape in BRUTE_FLOW:
        for _ in range(runs):
            started = time.perf_counter()
            await conn.fetch(BRUTE_FLOW[shape], prefix, lo, hi, f.get("category"),
                             f.get("beneficiaryGroup"), f.get("sourceCode"))
            times.append((time.perf_counter() - started) * 1000)
        return statistics.median(times)
    wishes_sql, activities_sql = BRUTE[shape]
    for _ in range(runs):
        started = time.perf_counter()
        await conn.fetch(wishes_sql, prefix, lo, hi, f.get("category"),
                         f.get("beneficiaryGroup"), f.get("sourceCode"),
                         today - dt.timedelta(days=30))
        await conn.fetch(activities_sql, prefix, lo, hi, f.get("sourceCode"))
        await conn.fetch(BRUTE_NETWORK, prefix)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


# ---------------------------------------------------------------- filters


def random_filter(rng: random.Random, region: str | None, today: dt.date,
                  *, dims: bool = True) -> dict[str, Any]:
    f: dict[str, Any] = {}
    if region:
        f["regionCode"] = region
    r = rng.random()
    if r < 0.7:
        lo = today - dt.timedelta(days=rng.randrange(1, 400))
        f["from"] = lo.isoformat()
        if rng.random() < 0.7:
            f["to"] = min(today + dt.timedelta(days=1),
                          lo + dt.timedelta(days=rng.randrange(1, 366))).isoformat()
    elif r < 0.85:
        f["to"] = (today - dt.timedelta(days=rng.randrange(0, 300))).isoformat()
    if dims and rng.random() < 0.4:
        f["category"] = rng.choice(list(WishCategory)).value
    if dims and rng.random() < 0.4:
        f["beneficiaryGroup"] = rng.choice(list(BeneficiaryGroup)).value
    if dims and rng.random() < 0.25:
        f["sourceCode"] = rng.choice(SOURCES)
    return f


# ---------------------------------------------------------------- the hub over HTTP


async def measure(client: httpx.AsyncClient, url: str, query: str,
                  variables: Callable[[int], dict[str, Any]], n: int,
                  budget: float) -> tuple[list[float], dict[str, Any]]:
    """Latencies (ms) of up to ``n`` sequential requests within ``budget`` seconds."""
    times: list[float] = []
    last: dict[str, Any] = {}
    deadline = time.monotonic() + budget
    for i in range(n):
        body = {"query": query, "variables": variables(i)}
        started = time.perf_counter()
        response = await client.post(url, json=body)
        times.append((time.perf_counter() - started) * 1000)
        last = response.json()
        if "errors" in last:
            raise SystemExit(f"the hub answered errors: {json.dumps(last['errors'])[:400]}")
        if time.monotonic() > deadline:
            break
    return times, last


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# ---------------------------------------------------------------- data


async def prepare(url: str, scale: float) -> dt.date:
    """Seed once (timed); returns the Beijing day the data ends on."""
    conn = await db.connect(url)
    try:
        await prepare_database(conn)
        held = await conn.fetchval("select count(*) from wishes")
        last = await conn.fetchval("select max(stats_day) from wishes")
        # Periods a migration or an earlier run left marked: measure the steady state.
        started = time.monotonic()
        if refreshed := await refresh_medians(conn):
            await conn.execute("vacuum analyze stats_wish_medians, stats_medians_dirty")
            print(f"data: {refreshed:,} stored medians refreshed in "
                  f"{time.monotonic() - started:.1f}s")
    finally:
        await conn.close()
    wanted = int(make_plan(scale, geography(7), writers()).total_wishes * 0.8)
    if held >= wanted and last is not None:
        print(f"data: reusing {held:,} wishes (seeded up to {last})")
        return last + dt.timedelta(days=1)
    now = dt.datetime.now(dt.UTC)
    pool = await db.create_pool(url, max_size=6)
    started = time.monotonic()

    def progress(p: SeedProgress) -> None:
        if p.bodies % 100 == 0:
            print(f"  seed: {p.bodies} bodies, {p.records:,} records, {p.rate:,.0f}/s",
                  file=sys.stderr, flush=True)

    try:
        summary = await load(pool, scale, seed=7, now=now, progress=progress)
    finally:
        await pool.close()
    print(f"seed: scale {scale:g}: {summary.received:,} records in {summary.bodies:,} bodies "
          f"through ingest in {time.monotonic() - started:.0f}s "
          f"({summary.received / max(summary.seconds, 1e-9):,.0f} records/s); "
          f"{summary.wishes:,} wishes held")
    conn = await db.connect(url)
    try:
        await conn.execute("vacuum analyze")
    finally:
        await conn.close()
    return hub_stats.beijing_today(now) + dt.timedelta(days=1)


async def _warm(url: str) -> None:
    """What the hub does when it starts (in the background): measure it warm."""
    pool = await db.create_pool(url, min_size=1, max_size=1)
    try:
        started = time.monotonic()
        blocks = await prewarm(pool)
        print(f"data: {blocks * 8 // 1024:,} MB of statistics prewarmed in "
              f"{time.monotonic() - started:.1f}s")
    finally:
        await pool.close()


async def keep_ingesting(url: str, stop: asyncio.Event, counter: list[int]) -> None:
    """Deliveries while the figures are read: a small extra seed, pushed body by body.

    Its random seed changes with every run: the same deliveries again would be
    duplicates (nothing changed, no period to refresh), and a second run would
    measure no ingestion at all. ``counter``: deliveries, records accepted."""
    pool = await db.create_pool(url, max_size=2)
    try:
        now = dt.datetime.now(dt.UTC)
        for source, body in generate(0.002, seed=int(now.timestamp()), now=now):
            if stop.is_set():
                break
            report = await ingest(pool, source, body, via="push")
            counter[0] += 1
            counter[1] += report.accepted
            await asyncio.sleep(0.05)
    finally:
        await pool.close()


def _compared(w: hub_stats.WishStats) -> tuple[Any, ...]:
    """The wish figures the brute-force statement counts, in its order."""
    return (w.submitted, w.open, w.claimed, w.fulfilled, w.cancelled,
            w.median_hours_to_claim, w.median_hours_to_fulfill, w.overdue)


async def verify(url: str, today: dt.date, rng: random.Random, n: int = 20) -> int:
    """Figures that differ from brute-force counts (expected: none)."""
    conn = await db.connect(url)
    wrong = 0
    try:
        for _ in range(n):
            f = random_filter(rng, rng.choice([None, *CITIES]), today)
            flt = hub_stats.StatsFilter(
                f.get("regionCode"),
                dt.date.fromisoformat(f["from"]) if "from" in f else None,
                dt.date.fromisoformat(f["to"]) if "to" in f else None,
                WishCategory(f["category"]) if "category" in f else None,
                BeneficiaryGroup(f["beneficiaryGroup"]) if "beneficiaryGroup" in f else None,
                f.get("sourceCode"))
            got = await hub_stats.stats(conn, flt, today=today - dt.timedelta(days=1))
            prefix = _prefix(f.get("regionCode"))
            row = await conn.fetchrow(
                BRUTE["plain"][0], prefix, flt.from_, flt.to, f.get("category"),
                f.get("beneficiaryGroup"), f.get("sourceCode"), today - dt.timedelta(days=31))
            assert row is not None
            w = got.wishes
            mine = _compared(w)
            [flow] = await flows(conn, [flt])
            events = {r["kind"]: r["n"] for r in await conn.fetch(
                BRUTE_FLOW["flow"], prefix, flt.from_, flt.to, f.get("category"),
                f.get("beneficiaryGroup"), f.get("sourceCode"))}
            counted = (events["s"], events["c"], events["f"], events["x"])
            if mine != tuple(row) or dataclasses.astuple(flow) != counted:
                wrong += 1
                print(f"  DIFFERS for {f}: hub {mine} {flow} brute force {tuple(row)} {counted}")
    finally:
        await conn.close()
    return wrong


async def verify_counties(url: str, today: dt.date) -> tuple[int, int]:
    """Counties (no filter: all-time stored medians) whose wish figures differ
    from brute-force counts, and how many were compared."""
    conn = await db.connect(url)
    try:
        rows = await hub_stats.stats_by_region(conn, hub_stats.StatsFilter(), RegionLevel.COUNTY,
                                               today=today - dt.timedelta(days=1))
        brute = {r["county_code"]: tuple(r)[1:] for r in await conn.fetch(
            BRUTE["county"][0], "21", None, None, None, None, None,
            today - dt.timedelta(days=31))}
    finally:
        await conn.close()
    wrong = 0
    for code, got in rows:
        w = got.wishes
        mine = _compared(w)
        expected = brute.get(code, (0, 0, 0, 0, 0, None, None, 0))
        if mine != expected:
            wrong += 1
            print(f"  DIFFERS for county {code}: hub {mine} brute force {expected}")
    return wrong, len(rows)


# ---------------------------------------------------------------- main


async def run(args: argparse.Namespace, url: str, port: int, today: dt.date) -> None:
    await _warm(url)
    rng = random.Random(args.seed)
    endpoint = f"http://127.0.0.1:{port}/graphql"
    year_ago = today - dt.timedelta(days=365)

    kinds: list[tuple[str, str, Callable[[int], dict[str, Any]], str, int]] = []
    province_filters = [random_filter(rng, None, today) for _ in range(args.requests)]
    city_filters = [random_filter(rng, rng.choice(CITIES), today) for _ in range(args.requests)]
    county_filters = [random_filter(rng, None, today, dims=False) | {
        "from": (today - dt.timedelta(days=rng.randrange(300, 400))).isoformat(),
        "to": (today - dt.timedelta(days=rng.randrange(0, 30))).isoformat()}
        for _ in range(args.requests)]
    series_cities = [rng.choice(CITIES) for _ in range(args.requests)]
    year = {"from": year_ago.isoformat(), "to": today.isoformat()}
    kinds += [
        ("stats province, no filter", STATS, lambda i: {"f": {}}, "plain", args.requests),
        ("stats province, random filter", STATS, lambda i: {"f": province_filters[i]}, "plain",
         args.requests),
        ("stats city, random filter", STATS, lambda i: {"f": city_filters[i]}, "plain",
         args.requests),
        ("statsByRegion COUNTY, no filter", BY_COUNTY, lambda i: {"f": {}}, "county",
         args.requests // 4),
        ("statsByRegion COUNTY, random year", BY_COUNTY, lambda i: {"f": county_filters[i]},
         "county", args.requests // 4),
        ("statsSeries DAY, province, a year", SERIES_DAY, lambda i: {"f": year}, "day",
         args.requests // 4),
        ("statsSeries DAY, city, a year", SERIES_DAY,
         lambda i: {"f": year | {"regionCode": series_cities[i]}}, "day", args.requests // 4),
        ("statsByRegion COUNTY, random year, no medians", BY_COUNTY_COUNTS,
         lambda i: {"f": county_filters[i]}, "county", args.requests // 4),
        ("statsSeries DAY, province, a year, no medians", SERIES_DAY_COUNTS,
         lambda i: {"f": year}, "day", args.requests // 4),
        ("flow: stats province, random filter", STATS_FLOW,
         lambda i: {"f": province_filters[i]}, "flow", args.requests),
        ("flow: stats city, random filter", STATS_FLOW, lambda i: {"f": city_filters[i]},
         "flow", args.requests),
        ("flow: statsByRegion COUNTY, random year", BY_COUNTY_FLOW,
         lambda i: {"f": county_filters[i]}, "flow county", args.requests // 4),
        ("flow: statsSeries DAY, province, a year", SERIES_DAY_FLOW, lambda i: {"f": year},
         "flow day", args.requests // 4),
        ("flow: statsSeries DAY, city, a year", SERIES_DAY_FLOW,
         lambda i: {"f": year | {"regionCode": series_cities[i]}}, "flow day",
         args.requests // 4),
    ]
    cutoffs = [(dt.datetime.combine(today, dt.time(), dt.UTC)
                - dt.timedelta(days=rng.randrange(30, 200))).isoformat()
               for _ in range(args.requests)]

    stop = asyncio.Event()
    pushed = [0, 0]
    feeder = asyncio.create_task(keep_ingesting(url, stop, pushed)) if args.ingest else None
    rows: list[tuple[str, int, float, float, float | None]] = []
    conn = await db.connect(url)
    try:
        async with httpx.AsyncClient(timeout=60) as client:
            for name, query, variables, shape, n in kinds:
                await measure(client, endpoint, query, variables, 3, 30)  # warm-up
                times, _ = await measure(client, endpoint, query, variables, n, args.budget)
                samples = [variables(i)["f"] for i in range(min(len(times), 5))]
                brute = statistics.median([await brute_ms(conn, shape, f, today, runs=1)
                                           for f in samples])
                rows.append((name, len(times), _pct(times, 0.5), _pct(times, 0.99), brute))
                print(f"  measured {name}", file=sys.stderr, flush=True)
            name = "wishes OPEN oldest first, page of 20"
            times, _ = await measure(client, endpoint, LEFT_BEHIND,
                                        lambda i: {"to": cutoffs[i]}, args.requests, args.budget)
            direct = []
            for cutoff in cutoffs[:10]:
                started = time.perf_counter()
                await conn.fetch(BRUTE_LEFT_BEHIND, dt.datetime.fromisoformat(cutoff))
                direct.append((time.perf_counter() - started) * 1000)
            rows.append((name, len(times), _pct(times, 0.5), _pct(times, 0.99),
                         statistics.median(direct)))
    finally:
        await conn.close()
        stop.set()
        if feeder is not None:
            await feeder

    total = await (await db.connect(url)).fetchval(
        "select count(*) from wishes where not deleted and not shadowed")
    print(f"\nstatistics over HTTP (hub.app under uvicorn, {args.workers} worker), "
          f"{total:,} wishes held; sequential requests" +
          (f"; {pushed[0]} deliveries pushed meanwhile ({pushed[1]:,} records accepted)"
             if args.ingest else ""))
    print(f"{'query':46} {'n':>5} {'p50 ms':>8} {'p99 ms':>8} {'brute SQL ms':>13}  target")
    for name, n, p50, p99, brute in rows:
        shown = "-" if brute is None else f"{brute:.1f}"
        print(f"{name:46} {n:5d} {p50:8.1f} {p99:8.1f} {shown:>13}  {TARGETS.get(name, '')}")
    print("(brute SQL: the same figures counted from the records; for the wishes page, the "
          "same page as one direct SQL statement)")
    wrong = await verify(url, today, random.Random(args.seed + 1))
    counties_wrong, counties = await verify_counties(url, today)
    print(("after ingesting: " if args.ingest else "exactness: ")
          + f"{20 - wrong}/20 random filters (flow figures too) and {counties - counties_wrong}/{counties} counties "
          "(no filter) equal their brute-force counts")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=lambda s: 1.0 if s == "province" else float(s),
                        default=1.0, help="'province' (default) or a number")
    parser.add_argument("--requests", type=int, default=200, help="per query kind")
    parser.add_argument("--budget", type=float, default=60, help="seconds per query kind, at most")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1, help="of the random filters")
    parser.add_argument("--ingest", action="store_true", help="push deliveries while measuring")
    args = parser.parse_args()

    url = database_url(ROOT, "bench-stats")
    # Migrated (and seeded) before the hub starts: a hub started first meets
    # the tables of a newer migration missing while it warms its connections.
    today = asyncio.run(prepare(url, args.scale))
    with serve_hub(url, args.workers) as port:
        asyncio.run(run(args, url, port, today))



if __name__ == "__main__":
    main()
