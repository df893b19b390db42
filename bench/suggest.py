"""Team suggestions (``Wish.suggestedTeams``): latency per wish, p50 and p99.

    HUB_DATA_DIR=... python bench/suggest.py [--wishes 300] [--seed 1]

Runs on the database the ``hub`` commands use (``DATABASE_URL``, else the
embedded server under ``HUB_DATA_DIR``), seeded beforehand with
``hub seed --scale N`` (``--scale province`` is the target's scale). It
prints the scale it found, then for ``--wishes`` random open wishes:

1. the statement alone (``hub.matching.suggestions``, five teams), for wishes
   handled at county level (candidates: their city's teams) and, in a
   transaction rolled back afterwards, the same wishes escalated to the
   province (candidates: other cities' fitting teams too); with PostgreSQL's own
   planning and execution times (on a shared machine, the client's clock
   also counts the waits for a CPU);
2. ``{ node(id) { ... on Wish { suggestedTeams { team { name } score reasons } } } }``
   through the application (ASGI, a province key), as an operator asks;
3. one page of 50 wishes with five suggestions each (one statement);
4. with ``--teams N``: the statement again, in a transaction rolled back
   afterwards, with the teams copied (new ids, same regions, fields and sizes)
   until there are about N (33000: the province's), since the candidate scan
   grows with the teams of a city or the province. The copies have no claims,
   so this measures the scan, not more load counting (which depends on the
   200 candidates, not on the scale).

Target: p50 at most 50 ms per wish at province scale.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
import httpx  # noqa: E402

from hub import db, ids, matching  # noqa: E402
from hub.app import create_app  # noqa: E402
from hub.config import parse_config  # noqa: E402
from hub.security.keys import hash_token, new_token  # noqa: E402
from hub.sql import matching as q  # noqa: E402

TARGET_MS = 50.0
QUERY = """query($id: ID!) { node(id: $id) { ... on Wish {
  suggestedTeams { team { name } score reasons } } } }"""
PAD_TEAMS = """
insert into teams (source, source_id, version, name, category, region_code, city_code,
                   county_code, member_count)
select t.source, t.source_id || '~' || g, t.version, t.name, t.category, t.region_code,
       t.city_code, t.county_code, t.member_count
  from teams t cross join generate_series(1, $1::int) as g
 where not t.deleted
"""
PAGE = """{ wishes(first: 50, filter: {status: [OPEN]}) { edges { node {
  suggestedTeams { team { name } score reasons } } } } }"""


def _line(label: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    verdict = "within" if p50 <= TARGET_MS else "OVER"
    return (f"  {label:<44} p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  "
            f"({verdict} the {TARGET_MS:.0f} ms p50 target)")


async def _statement(conn: asyncpg.Connection, wishes: list[int]) -> list[float]:
    out = []
    for wish in wishes:
        started = time.perf_counter()
        found = await matching.suggestions(conn, [(wish, 5)])
        out.append((time.perf_counter() - started) * 1000)
        assert found[(wish, 5)], f"no suggestion for wish {wish}"
    return out


async def _server_side(conn: asyncpg.Connection, wishes: list[int]) -> tuple[list[float], list[float]]:
    """PostgreSQL's own planning and execution times (EXPLAIN ANALYZE, timing off):
    what the statement costs the server, apart from the client and the network."""
    planning, execution = [], []
    for wish in wishes:
        plan = json.loads(await conn.fetchval(
            "explain (analyze, timing off, format json) " + q.SUGGESTIONS,
            *matching.parameters([(wish, 5)])))[0]
        planning.append(plan["Planning Time"])
        execution.append(plan["Execution Time"])
    return planning, execution


async def _padded(conn: asyncpg.Connection, wishes: list[int], teams: int) -> None:
    tx = conn.transaction()
    await tx.start()
    try:
        now = await conn.fetchval("select count(*) from teams where not deleted")
        copies = max(0, round(teams / now) - 1)
        await conn.execute(PAD_TEAMS, copies)
        await conn.execute("analyze teams")
        padded = await conn.fetchval("select count(*) from teams where not deleted")
        print(f"teams copied to {padded:,} (rolled back afterwards):")
        await _statement(conn, wishes[:10])
        print(_line("statement, county level (city's teams)", await _statement(conn, wishes)))
        print(_line("  of which the server: execution", (await _server_side(conn, wishes))[1]))
        await conn.execute(
            "update wishes set handling_level = 'PROVINCE' where id = any($1::bigint[])", wishes)
        print(_line("statement, escalated (+ other cities)", await _statement(conn, wishes)))
        print(_line("  of which the server: execution", (await _server_side(conn, wishes))[1]))
    finally:
        await tx.rollback()


async def main(count: int, seed: int, teams: int | None) -> None:
    url = await db.resolve_url()
    pool = await db.create_pool(url, min_size=2, max_size=4)
    try:
        scale = await pool.fetchrow(
            "select (select count(*) from wishes where not deleted and not shadowed) as wishes,"
            " (select count(*) from teams where not deleted) as teams,"
            " (select count(*) from claims where team_ref is not null) as team_claims")
        print(f"database: {scale['wishes']:,} wishes, {scale['teams']:,} teams, "
              f"{scale['team_claims']:,} claims by teams (province scale: ~900,000 wishes, "
              "33,000 teams)")
        open_ids = [r["id"] for r in await pool.fetch(
            "select id from wishes where status = 'OPEN' and not deleted and not shadowed")]
        if not open_ids:
            raise SystemExit("no open wishes: seed first (hub seed --scale N)")
        sample = random.Random(seed).sample(open_ids, min(count, len(open_ids)))
        print(f"{len(sample)} random open wishes, five teams each:")
        async with pool.acquire() as conn:
            await _statement(conn, sample[:10])  # warm
            print(_line("statement, county level (city's teams)", await _statement(conn, sample)))
            planning, execution = await _server_side(conn, sample)
            print(_line("  of which the server: planning", planning))
            print(_line("  of which the server: execution", execution))
            tx = conn.transaction()
            await tx.start()
            try:
                await conn.execute(
                    "update wishes set handling_level = 'PROVINCE' where id = any($1::bigint[])",
                    sample)
                print(_line("statement, escalated (+ other cities)", await _statement(conn, sample)))
                planning, execution = await _server_side(conn, sample)
                print(_line("  of which the server: planning", planning))
                print(_line("  of which the server: execution", execution))
            finally:
                await tx.rollback()

        token = new_token()
        cfg = parse_config({"keys": {"bench": {"role": "province", "sha256": hash_token(token)}},
                            "security": {"rate_limit": {"enabled": False}}})
        app = create_app(config=cfg, pool=pool)
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://hub") as client:
            timings = []
            for wish in [*sample[:10], *sample]:
                started = time.perf_counter()
                response = await client.post("/graphql", headers=headers, json={
                    "query": QUERY, "variables": {"id": ids.encode_id("Wish", wish)}})
                timings.append((time.perf_counter() - started) * 1000)
                body = response.json()
                assert "errors" not in body and body["data"]["node"]["suggestedTeams"], body
            print(_line("GraphQL node { suggestedTeams } (ASGI)", timings[10:]))
            pages = []
            for _ in range(12):
                started = time.perf_counter()
                response = await client.post("/graphql", headers=headers, json={"query": PAGE})
                pages.append((time.perf_counter() - started) * 1000)
                assert "errors" not in response.json()
            page = statistics.median(pages[2:])
            print(f"  a page of 50 open wishes with suggestions: p50 {page:6.1f} ms "
                  f"({page / 50:.1f} ms per wish; one statement for the 50)")
        if teams:
            async with pool.acquire() as conn:
                await _padded(conn, sample, teams)
    finally:
        await pool.close()


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--wishes", type=int, default=300)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--teams", type=int, default=None,
                   help="also measure with the teams copied up to about this many (33000)")
    args = p.parse_args()
    asyncio.run(main(args.wishes, args.seed, args.teams))
