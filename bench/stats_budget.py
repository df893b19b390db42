"""Where a statistics request's time goes: round trips, SQL per statement, Python.

    python bench/stats_budget.py [--requests 30] [KIND ...]

The query kinds of ``bench/stats.py`` (same filters, same seed) on the same
database (``DATABASE_URL``, else the embedded server under ``HUB_DATA_DIR``,
default ``./.hub-data/bench-stats``; seed it with ``bench/stats.py`` first),
each request through the hub's ASGI app in this process, on a pool whose
statements are logged with their time (asyncpg's query logger: PostgreSQL's
planning and execution plus the round trip). The collector is frozen as the
server freezes it. Printed per kind: the request's time (p50, min), its
statements per request, the Python time (the request less its statements:
GraphQL, resolvers, figures assembled), and each statement's p50/min with how
many requests ran it. On a busy machine read the minimums: they are what a
request costs when it gets the CPU.

KIND filters the kinds by substring (``flow``, ``Series``, ...).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import datetime as dt
import gc
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

from bench import stats as b  # noqa: E402
from bench._data import database_url  # noqa: E402
from hub import db  # noqa: E402
from hub import stats as hub_stats  # noqa: E402
from hub.app import create_app  # noqa: E402
from hub.config import parse_config  # noqa: E402
from hub.prewarm import prewarm  # noqa: E402
from hub.sql import stats as q  # noqa: E402
from hub.sql import stats_flow as fq  # noqa: E402

# As bench/stats.py's server: anonymous reads, no rate limit, no response cache.
CONFIG = parse_config({"public": {"enabled": True},
                       "security": {"rate_limit": {"enabled": False}},
                       "cache": {"responses": False}})
_NAMES = {text: name for module in (q, fq) for name, text in vars(module).items()
          if isinstance(text, str) and name.isupper()}


def _name(sql: str) -> str:
    return _NAMES.get(sql) or " ".join(sql.split())[:40]


def kinds(today: dt.date, n: int) -> dict[str, tuple[str, Callable[[int], dict[str, Any]]]]:
    """bench/stats.py's query kinds and filters (the same seed)."""
    rng = random.Random(1)
    province = [b.random_filter(rng, None, today) for _ in range(n)]
    city = [b.random_filter(rng, rng.choice(b.CITIES), today) for _ in range(n)]
    county = [b.random_filter(rng, None, today, dims=False) | {
        "from": (today - dt.timedelta(days=rng.randrange(300, 400))).isoformat(),
        "to": (today - dt.timedelta(days=rng.randrange(0, 30))).isoformat()}
        for _ in range(n)]
    cities = [rng.choice(b.CITIES) for _ in range(n)]
    year = {"from": (today - dt.timedelta(days=365)).isoformat(), "to": today.isoformat()}
    return {
        "stats province, random filter": (b.STATS, lambda i: province[i]),
        "stats city, random filter": (b.STATS, lambda i: city[i]),
        "statsByRegion COUNTY, no filter": (b.BY_COUNTY, lambda i: {}),
        "statsByRegion COUNTY, random year": (b.BY_COUNTY, lambda i: county[i]),
        "statsByRegion COUNTY, year, no medians": (b.BY_COUNTY_COUNTS, lambda i: county[i]),
        "statsSeries DAY, province, a year": (b.SERIES_DAY, lambda i: year),
        "statsSeries DAY, city, a year": (b.SERIES_DAY,
                                          lambda i: year | {"regionCode": cities[i]}),
        "flow: stats province, random filter": (b.STATS_FLOW, lambda i: province[i]),
        "flow: stats city, random filter": (b.STATS_FLOW, lambda i: city[i]),
        "flow: statsByRegion COUNTY, random year": (b.BY_COUNTY_FLOW, lambda i: county[i]),
        "flow: statsSeries DAY, province, a year": (b.SERIES_DAY_FLOW, lambda i: year),
        "flow: statsSeries DAY, city, a year": (b.SERIES_DAY_FLOW,
                                                lambda i: year | {"regionCode": cities[i]}),
    }


async def run(url: str, n: int, only: list[str]) -> None:
    log: list[tuple[str, float]] = []

    async def init(conn: asyncpg.Connection) -> None:
        conn.add_query_logger(lambda r: log.append((r.query, r.elapsed)))
        await hub_stats.warm(conn)

    pool = await db.create_pool(url, min_size=2, max_size=4, init=init)
    try:
        conn = await db.connect(url)
        try:
            last = await conn.fetchval("select max(stats_day) from wishes")
        finally:
            await conn.close()
        if last is None:
            raise SystemExit("no wishes: seed the database with bench/stats.py first")
        today = last + dt.timedelta(days=1)
        await prewarm(pool)
        app = create_app(config=CONFIG, pool=pool)
        gc.collect()
        gc.freeze()  # as hub.app's lifespan does
        print(f"{'query':42} {'ms p50':>7} {'min':>6} {'trips':>5} {'py p50':>7} {'min':>6}"
              "  statements: p50/min ms (requests)")
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
            for kind, (query, variables) in kinds(today, n).items():
                if only and not any(o in kind for o in only):
                    continue
                await _measure(client, log, kind, query, variables,
                               n if kind.startswith(("stats ", "flow: stats ")) else n // 2)
    finally:
        await pool.close()


async def _measure(client: httpx.AsyncClient, log: list[tuple[str, float]], kind: str,
                   query: str, variables: Callable[[int], dict[str, Any]], n: int) -> None:
    for i in range(3):  # warm-up
        await client.post("/graphql", json={"query": query, "variables": {"f": variables(i)}})
    walls: list[float] = []
    python: list[float] = []
    trips: list[int] = []
    by_statement: dict[str, list[float]] = collections.defaultdict(list)
    for i in range(n):
        log.clear()
        started = time.perf_counter()
        response = await client.post("/graphql",
                                     json={"query": query, "variables": {"f": variables(i)}})
        walls.append((time.perf_counter() - started) * 1000)
        if "errors" in response.json():
            raise SystemExit(f"{kind}: the hub answered {response.text[:300]}")
        trips.append(len(log))
        python.append(walls[-1] - sum(elapsed for _, elapsed in log) * 1000)
        per: dict[str, float] = collections.defaultdict(float)
        for sql, elapsed in log:
            per[_name(sql)] += elapsed * 1000
        for name, ms in per.items():
            by_statement[name].append(ms)
    statements = "  ".join(f"{name} {statistics.median(v):.1f}/{min(v):.1f} ({len(v)})"
                           for name, v in by_statement.items())
    print(f"{kind:42} {statistics.median(walls):7.1f} {min(walls):6.1f} "
          f"{statistics.mean(trips):5.1f} {statistics.median(python):7.1f} {min(python):6.1f}"
          f"  {statements}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=30, help="per kind (tables, series: half)")
    parser.add_argument("kinds", nargs="*", help="only the kinds containing these")
    args = parser.parse_args()
    url = database_url(ROOT, "bench-stats")
    asyncio.run(run(url, args.requests, args.kinds))


if __name__ == "__main__":
    main()
