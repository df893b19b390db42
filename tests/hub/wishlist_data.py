"""Wishes and teams of two platforms for the wish-list tests (escalation, dispatch, outbox)."""

from __future__ import annotations

import json
from typing import Any

import asyncpg

from hub import ids
from hub.ingest import ingest
from tests.http.conftest import push_items, wenhuayun_items


def shengjing_wish(
    xy_id: str, *, status: str = "1", update: str = "2022-03-14 08:00:00",
    claimers: list[dict[str, str]] | None = None, created: str = "2022-03-05 10:12:00",
    deleted: bool = False,
) -> dict[str, Any]:
    """A 盛京使者 wish in 沈阳市铁西区; status 1 OPEN, 2 CLAIMED, 3 FULFILLED, 9 CANCELLED."""
    return {
        "recordType": "XY", "xyId": xy_id, "xyTitle": "想要一部电梯",
        "xyContent": "老旧小区没有电梯", "xyType": "生活求助", "xyKind": "2", "objType": "老人",
        "objName": "王建国", "objPhone": "13800001234", "areaName": "沈阳市铁西区",
        "streetName": "", "communityName": "", "stationName": "", "status": status,
        "createTime": created,
        "claimTime": "2022-03-15 08:00:00" if status in ("2", "3") else "",
        "finishTime": "2022-03-16 08:00:00" if status == "3" else "",
        "claimers": claimers or [], "updateTime": update, "delFlag": 1 if deleted else 0,
    }


async def push_shengjing(pool: asyncpg.Pool, *records: dict[str, Any]) -> None:
    body = json.dumps({"platform": "shengjing", "pushTime": "2022-03-14 09:30:00",
                       "records": list(records)}, ensure_ascii=False).encode()
    report = await ingest(pool, "shengjing", body)
    assert report.rejected == 0, report.errors


async def load(pool: asyncpg.Pool) -> dict[str, str]:
    """Global ids: OPEN 沈阳 wishes SJ-1..SJ-4, a fulfilled SJ-F, a cancelled SJ-C;
    文化云 teams T-0..T-5 (T-5 in 葫芦岛 211421) and an OPEN 葫芦岛 wish WS-0005."""
    await push_items(pool, wenhuayun_items(wishes=0, teams=6, stations=6))
    await push_items(pool, wenhuayun_items(wishes=6, teams=0, stations=6))
    await push_shengjing(
        pool,
        *(shengjing_wish(f"SJ-{i}", created=f"2022-03-0{i} 10:00:00") for i in range(1, 5)),
        shengjing_wish("SJ-F", status="3"), shengjing_wish("SJ-C", status="9"),
    )
    found: dict[str, str] = {}
    for r in await pool.fetch("select id, source_id from wishes"):
        found[r["source_id"]] = ids.encode_id("Wish", r["id"])
    for r in await pool.fetch("select id, source_id from teams"):
        found[r["source_id"]] = ids.encode_id("Team", r["id"])
    return found


def key(global_id: str) -> int:
    _, value = ids.decode_id(global_id)
    return int(value)
