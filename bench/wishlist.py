"""The province-wide wish list at scale: the escalation rule, an office's to-do
list, ``WishStats.escalated`` and the outbox's delivery rate.

    python bench/wishlist.py [--wishes 200000] [--events 3000]

1. A fresh database (a scratch database on ``DATABASE_URL``'s server, else an
   embedded server under the temp dir), migrated; ``--wishes`` synthetic wishes
   over every county of 辽宁, submitted over the last year, 30 % OPEN.
2. One pass of the rule (county 14 days, city 30): wishes escalated per second
   (each with its transfer and its ``wish.escalated`` event).
3. 沈阳's to-do list (OPEN, handled at CITY, oldest first, 20 a page) and
   ``escalated`` for every county of the province in one statement (a
   statsByRegion(COUNTY)): p50 / p99 over 50 runs.
4. ``--events`` events delivered by one worker to a receiver on 127.0.0.1
   that answers 200 at once: events per second (one at a time per wish and
   receiver, 8 at once).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


from hub import db, escalation, outbox, read  # noqa: E402
from hub.bootstrap import prepare_database  # noqa: E402
from hub.config import parse_config  # noqa: E402
from hub.models import RegionLevel, WishStatus  # noqa: E402
from hub.stats import StatsFilter  # noqa: E402
from hub.stats_escalated import escalated_counts  # noqa: E402

SYNTHETIC = """
insert into wishes (source, source_id, version, title, kind, category, beneficiary_group,
                    status, region_code, city_code, county_code, submitted_at)
select (select id from sources where code = 'wenhuayun'), 'B' || g, 1, '想要一个新书包', 'GOODS',
       'STUDY_SUPPLIES', 'LEFT_BEHIND_CHILD',
       case when g % 10 < 3 then 'OPEN' when g % 10 < 5 then 'CLAIMED' else 'FULFILLED' end,
       c.code, c.parent_code, c.code,
       now() - make_interval(mins => (g * 7919) % (365 * 24 * 60))
  from generate_series(1, $1::int) as g
  join lateral (select code, parent_code from counties
                 where n = g % (select count(*) from counties)) c on true
"""


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {statistics.median(ordered) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms"


async def _timed(runs: int, what: object) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await what()  # type: ignore[operator]
        samples.append(time.perf_counter() - started)
    return samples


def _receiver() -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/hub-events"


async def main(args: argparse.Namespace) -> None:
    server_url = os.environ.get("DATABASE_URL") or db.start_embedded(
        Path(tempfile.gettempdir()) / "hub-bench-wishlist")
    name = f"hub_bench_{uuid.uuid4().hex[:10]}"
    await db.ensure_database(server_url, name)
    url = db.with_database(server_url, name)
    conn = await db.connect(url)
    try:
        await prepare_database(conn)
        await conn.execute(
            "create temp table counties as select code, parent_code, "
            "(row_number() over (order by code) - 1)::bigint as n from regions "
            "where level = 'COUNTY'")
        started = time.perf_counter()
        await conn.execute(SYNTHETIC, args.wishes)
        await conn.execute("analyze wishes")
        print(f"{args.wishes:,} wishes written in {time.perf_counter() - started:.1f} s")
    finally:
        await conn.close()
    pool = await db.create_pool(url, min_size=2, max_size=4)
    try:
        rule = escalation.Rule(county_days=14, city_days=30)
        started = time.perf_counter()
        done = await escalation.run_rule(pool, rule)
        took = time.perf_counter() - started
        n = len(done or [])
        print(f"rule pass: {n:,} wishes escalated in {took:.1f} s ({n / took:,.0f} wishes/s, "
              "each with its transfer and its event)")
        await pool.execute("analyze wishes")  # as autovacuum would soon (2 % changed)

        todo = read.WishQuery(scope=read.RegionScope(city="210100"), status=[WishStatus.OPEN],
                              handling_level=RegionLevel.CITY, ascending=True)
        page = await read.page(pool, todo, 20, None)
        samples = await _timed(50, lambda: read.page(pool, todo, 20, None))
        print(f"沈阳's to-do list (20 of its CITY-level OPEN wishes, oldest first; "
              f"{len(page.items)} shown): {_percentiles(samples)}")

        counties = [r["code"] for r in await pool.fetch(
            "select code from regions where level = 'COUNTY' order by code")]
        filters = [StatsFilter(region_code=c) for c in counties]
        samples = await _timed(50, lambda: escalated_counts(pool, filters))
        print(f"escalated for {len(filters)} counties in one statement: {_percentiles(samples)}")

        await pool.execute("truncate outbox")
        refs = [outbox.WishRef(r["id"], r["source"], "wenhuayun", r["source_id"])
                for r in await pool.fetch(
                    "select id, source, source_id from wishes order by id limit $1",
                    max(1, args.events // 3))]
        async with pool.acquire() as c, c.transaction():
            for i in range(args.events):
                await outbox.enqueue(c, outbox.ESCALATED, refs[i % len(refs)],
                                     {"handlingLevel": "CITY", "reason": f"#{i}", "by": "bench"})
        server, callback = _receiver()
        config = parse_config({"sources": {"wenhuayun": {"secret": "s", "callback_url": callback}}})
        task = asyncio.create_task(outbox.keep_delivering(pool, config))
        started = time.perf_counter()
        while await pool.fetchval("select count(*) from outbox where state <> 'DELIVERED'"):
            await asyncio.sleep(0.05)
        took = time.perf_counter() - started
        task.cancel()
        server.shutdown()
        print(f"outbox: {args.events:,} events ({len(refs):,} wishes) delivered in {took:.1f} s "
              f"({args.events / took:,.0f} events/s, one worker)")
    finally:
        await pool.close()
        admin = await db.connect(server_url)
        try:
            await admin.execute(f'drop database if exists "{name}" with (force)')
        finally:
            await admin.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--wishes", type=int, default=200_000)
    parser.add_argument("--events", type=int, default=3_000)
    asyncio.run(main(parser.parse_args()))
