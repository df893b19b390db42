"""What the live-event triggers (migration 0016) cost the write path.

    python bench/wish_events.py [--rows 1000] [--rounds 7]

On a fresh database (a scratch database on ``DATABASE_URL``'s server, else
the embedded one), ``--rounds`` times, in a transaction that is rolled back:
``--rows`` wishes inserted by one statement as a push stores them, then one
update that claims them all, then one that changes nothing an event sees.
Each runs under ``EXPLAIN ANALYZE``, which times every trigger apart from
the statement: prints the medians of the statement's execution, the event
triggers' share and, for comparison, the statistics' capture triggers'.

``bench/ingest.py`` measures whole pushes; on a shared machine its
run-to-run noise is larger than this difference, which this isolates.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402

from hub import db  # noqa: E402
from hub.bootstrap import prepare_database  # noqa: E402

INSERT = """
insert into wishes (source, source_id, version, title, kind, category, beneficiary_group,
                    status, region_code, city_code, county_code, submitted_at)
select 1, $1 || '-' || i, 1, '想要一个新书包', 'GOODS', 'STUDY_SUPPLIES', 'LEFT_BEHIND_CHILD',
       'OPEN', '210102', '210100', '210102', now() - make_interval(hours => i)
  from generate_series(1, $2::int) as i
"""
CLAIM = "update wishes set status = 'CLAIMED', claimed_at = now(), version = 2 " \
        "where source_id like $1 || '-%'"
TOUCH = "update wishes set title = title || '!', version = 3 where source_id like $1 || '-%'"
STEPS = ("insert", "claim all (events)", "update (no event)")


async def _round(conn: asyncpg.Connection, rows: int) -> list[tuple[float, float, float]]:
    """Per statement: (execution ms, event triggers ms, statistics triggers ms)."""
    tag = uuid.uuid4().hex[:8]
    out = []
    tx = conn.transaction()
    await tx.start()
    try:
        for sql, args in ((INSERT, (tag, rows)), (CLAIM, (tag,)), (TOUCH, (tag,))):
            plan = json.loads(await conn.fetchval(
                "explain (analyze, format json) " + sql, *args))[0]
            triggers = plan.get("Triggers", [])
            events = sum(t["Time"] for t in triggers if t["Trigger Name"].startswith("wish_events"))
            stats = sum(t["Time"] for t in triggers if t["Trigger Name"].startswith("stats_"))
            out.append((plan["Execution Time"], events, stats))
    finally:
        await tx.rollback()
    return out


async def main(rows: int, rounds: int) -> None:
    server = os.environ.get("DATABASE_URL") or db.start_embedded(
        Path(tempfile.gettempdir()) / "hub-bench-data")
    name = f"hub_bench_events_{uuid.uuid4().hex[:8]}"
    await db.ensure_database(server, name)
    conn = await db.connect(db.with_database(server, name))
    try:
        await prepare_database(conn)
        await _round(conn, rows)  # warm caches and plans
        measured = [await _round(conn, rows) for _ in range(rounds)]
    finally:
        await conn.close()
        admin = await db.connect(server)
        try:
            await admin.execute(f'drop database if exists "{name}" with (force)')
        finally:
            await admin.close()
    print(f"{rows:,} wishes per statement, medians of {rounds} rounds (EXPLAIN ANALYZE):")
    for i, what in enumerate(STEPS):
        total, events, stats = (statistics.median(r[i][k] for r in measured) for k in range(3))
        print(f"  {what:<19} {total:7.1f} ms, of which event triggers {events:5.1f} ms "
              f"({events / total * 100:4.1f} %), statistics capture {stats:5.1f} ms")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=1000)
    p.add_argument("--rounds", type=int, default=7)
    args = p.parse_args()
    asyncio.run(main(args.rows, args.rounds))
