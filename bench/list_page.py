"""Throughput of a front-end list page, served over HTTP.

The page of the field notes: the 50 newest wishes of a county and status, with
their region and claiming teams' names, over a store of 300,000 wishes. The
hub runs under uvicorn with 2 workers on 127.0.0.1; ``wrk -c32`` (Debian's
``wrk``) drives it for a bounded time. Printed beside the figures measured on
this kind of machine in the field notes (same page, 300,000 wishes, wrk -c32,
2 workers): PostGraphile v4 576 req/s; idiomatic strawberry 123 req/s; a bare
starlette endpoint running one SQL statement 1,273 req/s.

    python bench/list_page.py [--wishes 300000] [--seconds 10]

Uses ``DATABASE_URL`` when set, else an embedded server under
``HUB_DATA_DIR`` (default ``./.hub-data/bench``); data are loaded once,
through the wenhuayun adapter and the ingest path, and reused on later runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._server import serve_hub  # noqa: E402
from hub import db  # noqa: E402
from hub.bootstrap import prepare_database  # noqa: E402
from hub.ingest import ingest  # noqa: E402

COUNTIES = ["210102", "210106", "210112", "210202", "210303", "210521", "210604", "210703",
            "210802", "210902", "211002", "211102", "211202", "211302", "211421", "211481"]
STATES = ["待认领", "已认领", "已实现", "已撤销"]

PAGE = """query Page($region: String!) {
  wishes(first: 50, filter: {regionCode: $region, status: [CLAIMED]}) {
    edges { node {
      id title status submittedAt
      region { name }
      claims { claimantName team { name } }
    } }
  }
}"""


def _items(start: int, count: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for i in range(start, start + count):
        county = COUNTIES[i % len(COUNTIES)]
        state = STATES[i % len(STATES)]
        claimed = state != "待认领"
        day = 1 + i % 28
        month = 1 + (i // 28) % 12
        items.append({
            "entity": "wish", "wish_id": f"B-{i:07d}", "title": f"想要一个新书包{i % 997}",
            "wish_type": "学习用品", "goods_or_service": "实物", "target_group": "留守儿童",
            "target_name": "张某某", "division_code": county, "station_id": None,
            "state": state,
            "submit_time": f"2025-{month:02d}-{day:02d}T{i % 24:02d}:00:00+08:00",
            "claim_time": f"2025-{month:02d}-{day:02d}T23:00:00+08:00" if claimed else None,
            "done_time": None,
            "claimers": [{"kind": "队伍", "name": f"爱心队{i % 500}", "team_id": f"BT-{i % 500}"}]
            if claimed else [],
            "origin": None, "updated_at": "2025-12-31T08:00:00+08:00", "deleted": False,
        })
    return items


def _teams() -> list[dict[str, Any]]:
    return [{
        "entity": "team", "team_id": f"BT-{i}", "name": f"爱心志愿服务队{i}",
        "service_type": "扶危帮困", "station_id": None, "division_code": COUNTIES[i % len(COUNTIES)],
        "member_count": 20, "updated_at": "2025-01-01T08:00:00+08:00", "deleted": False,
    } for i in range(500)]


async def load_wishes(url: str, wishes: int, prefix: str = "B-",
                      items: Callable[[int, int], list[dict[str, Any]]] | None = None) -> None:
    """Load ``wishes`` 文化云 wishes (source ids ``prefix``…, made by ``items``)
    through the ingest path, once: later runs reuse what is there."""
    make = items or _items
    conn = await db.connect(url)
    try:
        await prepare_database(conn)
        held = await conn.fetchval("select count(*) from wishes where source_id like $1", prefix + "%")
    finally:
        await conn.close()
    if held >= wishes:
        print(f"data: {held:,} wishes already loaded")
        return
    pool = await db.create_pool(url, max_size=4)
    started = time.monotonic()
    try:
        await ingest(pool, "wenhuayun", json.dumps({"code": 0, "items": _teams()}).encode())
        for start in range(held, wishes, 1000):
            body = json.dumps({"code": 0, "items": make(start, min(1000, wishes - start))},
                              ensure_ascii=False).encode()
            await ingest(pool, "wenhuayun", body)
            if start % 50_000 == 0:
                print(f"  loaded {start:,} wishes", file=sys.stderr)
    finally:
        await pool.close()
    conn = await db.connect(url)
    try:
        await conn.execute("analyze")
    finally:
        await conn.close()
    print(f"data: loaded {wishes - held:,} wishes in {time.monotonic() - started:.0f}s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wishes", type=int, default=300_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("needs wrk: apt-get install wrk")

    url = os.environ.get("DATABASE_URL")
    if not url:
        server = db.start_embedded(Path(os.environ.get("HUB_DATA_DIR") or ROOT / ".hub-data/bench"))
        asyncio.run(db.ensure_database(server, "hub"))
        url = db.with_database(server, "hub")
    asyncio.run(load_wishes(url, args.wishes))

    with serve_hub(url, args.workers) as port:
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
            body = json.dumps({"query": PAGE, "variables": {"region": "210106"}})
            lua.write('wrk.method = "POST"\n')
            lua.write('wrk.headers["Content-Type"] = "application/json"\n')
            lua.write(f"wrk.body = {json.dumps(body)}\n")
        import httpx

        check = httpx.post(f"http://127.0.0.1:{port}/graphql", content=body,
                           headers={"content-type": "application/json"}, timeout=10).json()
        edges = check["data"]["wishes"]["edges"]
        assert len(edges) == 50 and edges[0]["node"]["claims"][0]["team"]["name"], check
        # warm-up, then the measured run
        subprocess.run(["wrk", "-t2", "-c32", "-d2s", "-s", lua.name,
                        f"http://127.0.0.1:{port}/graphql"], capture_output=True, check=True)
        out = subprocess.run(["wrk", "-t2", "-c32", f"-d{args.seconds}s", "--latency", "-s", lua.name,
                              f"http://127.0.0.1:{port}/graphql"],
                             capture_output=True, text=True, check=True).stdout
    rps = next(line for line in out.splitlines() if line.startswith("Requests/sec"))
    lat = [line.strip() for line in out.splitlines() if line.strip().startswith(("50%", "99%"))]
    print("list page: 50 newest CLAIMED wishes of 铁西区 with region and claiming teams")
    print(f"  hub (strawberry, {args.workers} workers): {rps.split(':')[1].strip()} req/s  "
          f"latency {' '.join(lat)}")
    print("  field notes, same machine kind: PostGraphile v4 576 req/s, idiomatic strawberry "
          "123 req/s, bare starlette+SQL 1,273 req/s")


if __name__ == "__main__":
    main()
