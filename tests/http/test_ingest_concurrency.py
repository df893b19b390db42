"""Overlapping deliveries pushed at once: every record stored, no 503.

Platforms push in parallel (several clients, several workers). Deliveries of
one city name the same towns and villages and fall on the same days, so the
rows they lock (regions, statistics cells) collide; none may be refused
because of another in flight.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from hub.app import create_app
from hub.config import parse_config

_DATA = Path(__file__).resolve().parents[2] / "hub" / "data" / "places_liaoning.json"
# 沈阳's 铁西区 and 沈河区: their towns, named as 盛京使者 names them.
_COUNTIES = {"210106": "铁西区", "210103": "沈河区"}


TOKEN, SECRET = "tok-sj-1", "s3cret-sj"


@pytest.fixture
async def client(clean_db: asyncpg.Pool) -> AsyncIterator[httpx.AsyncClient]:
    config = parse_config({"sources": {"shengjing": {"token": TOKEN, "secret": SECRET}}})
    transport = httpx.ASGITransport(app=create_app(config=config, pool=clean_db))
    async with httpx.AsyncClient(transport=transport, base_url="http://hub", timeout=120) as c:
        yield c


def _towns() -> list[tuple[str, str]]:
    """(county name, town name) of the two counties' towns, in code order."""
    towns = json.loads(_DATA.read_text(encoding="utf-8"))["towns"]
    return [(_COUNTIES[code[:6]], name) for code, name in sorted(towns.items())
            if code[:6] in _COUNTIES]


def _record(sid: str, place: tuple[str, str], day: int, status: str) -> dict[str, Any]:
    county, town = place
    date = f"2022-03-{day:02d}"
    return {
        "recordType": "XY", "xyId": sid, "xyTitle": "想要一台轮椅", "xyContent": "腿脚不便",
        "xyType": "生活求助", "xyKind": "2", "objType": "老人", "objName": "王建国",
        "objPhone": "13800001234", "areaName": county, "streetName": town,
        "communityName": "", "stationName": "", "status": status,
        "createTime": f"{date} 09:00:00",
        "claimTime": f"{date} 10:00:00" if status in ("2", "3") else "",
        "finishTime": f"{date} 15:00:00" if status == "3" else None,
        "claimers": [{"type": "队伍", "name": "爱心队", "id": "T-1"}] if status in ("2", "3") else [],
        "updateTime": f"{date} 18:00:00", "delFlag": 0,
    }


def _deliveries(count: int, size: int) -> list[bytes]:
    """``count`` deliveries of new records naming the same towns and days,
    each in its own order."""
    places = _towns()
    rng = random.Random(18)
    bodies = []
    for d in range(count):
        records = [_record(f"SJ-{d:02d}-{i:04d}", places[i % len(places)], 1 + i % 3,
                           rng.choice("01239")) for i in range(size)]
        rng.shuffle(records)
        body = {"platform": "shengjing", "pushTime": "2022-03-14 09:30:00", "records": records}
        bodies.append(json.dumps(body, ensure_ascii=False).encode())
    return bodies


async def test_overlapping_deliveries_pushed_at_once_are_all_stored(
    client: httpx.AsyncClient, clean_db: asyncpg.Pool
) -> None:
    bodies = _deliveries(count=12, size=200)

    async def push(body: bytes) -> httpx.Response:
        signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        return await client.post("/ingest/shengjing", content=body, headers={
            "Authorization": f"Bearer {TOKEN}", "X-Hub-Signature-256": f"sha256={signature}",
            "Content-Type": "application/json"})

    answers = await asyncio.gather(*(push(b) for b in bodies))
    assert [a.status_code for a in answers] == [200] * len(bodies), \
        [a.text[:200] for a in answers if a.status_code != 200]
    assert sum(a.json()["accepted"] for a in answers) == 12 * 200
    assert await clean_db.fetchval("select count(*) from wishes") == 12 * 200
    assert await clean_db.fetchval(
        "select count(*) from wishes where length(region_code) = 9") == 12 * 200
    # The cells every delivery touched hold every one of them.
    counted = await clean_db.fetchval(
        "select sum(total) from stats_wish_cells"
        " where area = '2101' and g = 'M' and cat = 0 and grp = 0")
    flows = await clean_db.fetchval(
        "select sum(submitted) from stats_flow_cells"
        " where area = '2101' and g = 'D' and cat = 0 and grp = 0")
    assert (counted, flows) == (12 * 200, 12 * 200)
