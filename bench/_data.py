"""The benchmarks' wishes: 文化云 payloads loaded once through the ingest path.

``bench/compare.py`` and ``bench/worst_request.py`` read the same store: wishes
spread over 16 counties (``COUNTIES``) and the four states, claimed by 500
teams, loaded through the wenhuayun adapter and ``hub.ingest`` (a benchmark's
data are a platform's native payloads, as a push would send them), and reused
by later runs.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hub import db
from hub.bootstrap import prepare_database
from hub.ingest import ingest

COUNTIES = ["210102", "210106", "210112", "210202", "210303", "210521", "210604", "210703",
            "210802", "210902", "211002", "211102", "211202", "211302", "211421", "211481"]
STATES = ["待认领", "已认领", "已实现", "已撤销"]


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


def database_url(root: Path, folder: str) -> str:
    """``DATABASE_URL`` when set, else the ``hub`` database of an embedded server
    under ``HUB_DATA_DIR`` (default ``<root>/.hub-data/<folder>``)."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    server = db.start_embedded(Path(os.environ.get("HUB_DATA_DIR") or root / ".hub-data" / folder))
    asyncio.run(db.ensure_database(server, "hub"))
    return db.with_database(server, "hub")
