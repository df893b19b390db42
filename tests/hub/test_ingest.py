"""``hub.ingest.ingest``: one delivery, one transaction, under concurrency too."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import asyncpg
import pytest

import hub.ingest
from hub.errors import DatabaseError, IngestError
from hub.ingest import ingest


def xy(sid: str, *, update: str = "2022-03-13 17:45:02", title: str = "想要一部电梯",
       obj_name: str = "王建国", area: str = "铁西区") -> dict[str, Any]:
    return {
        "recordType": "XY", "xyId": sid, "xyTitle": title, "xyContent": "老旧小区",
        "xyType": "生活求助", "xyKind": "2", "objType": "老人", "objName": obj_name,
        "objPhone": "13800001234", "areaName": area, "streetName": "", "communityName": "",
        "stationName": "", "status": "1", "createTime": "2022-03-05 10:12:00",
        "claimTime": "", "finishTime": "", "claimers": [], "updateTime": update, "delFlag": 0,
    }


def shengjing(*records: dict[str, Any]) -> bytes:
    body = {"platform": "shengjing", "pushTime": "2022-03-14 09:30:00", "records": list(records)}
    return json.dumps(body, ensure_ascii=False).encode()


def mirror(wid: str, origin: str) -> bytes:
    item = {
        "entity": "wish", "wish_id": wid, "title": "想要一部电梯", "wish_type": "生活求助",
        "goods_or_service": "服务", "target_group": "老人", "target_name": "王某某",
        "division_code": "210106", "station_id": None, "state": "待认领",
        "submit_time": "2022-03-05T10:12:00+08:00", "claim_time": None, "done_time": None,
        "claimers": [], "origin": origin, "updated_at": "2022-03-11T15:20:01+08:00",
        "deleted": False,
    }
    return json.dumps({"code": 0, "items": [item]}, ensure_ascii=False).encode()


async def test_unknown_source_is_refused(clean_db: asyncpg.Pool) -> None:
    with pytest.raises(IngestError) as info:
        await ingest(clean_db, "nowhere", b"{}")
    assert info.value.status == 404


async def test_a_pulled_page_is_a_batch_like_a_push(clean_db: asyncpg.Pool) -> None:
    report = await ingest(clean_db, "shengjing", shengjing(xy("SJ1")), via="pull")
    assert report.accepted == 1
    assert await clean_db.fetchval("select via from batches") == "pull"
    audited = await clean_db.fetchval(
        "select action from audit_log where target = $1", str(report.batch_id))
    assert audited == "batch.pull"
    assert await clean_db.fetchval("select beneficiary_name from wishes") == "王某某"


async def test_a_failed_delivery_stores_nothing_and_its_resend_lands(
    clean_db: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = hub.ingest.record_batch

    async def failing(conn: asyncpg.Connection, *args: Any, **kw: Any) -> None:
        await real(conn, *args, **kw)
        await conn.execute("select 1 / 0")  # the database fails after the records

    monkeypatch.setattr(hub.ingest, "record_batch", failing)
    body = shengjing(xy("SJ1"), xy("SJ2"), xy("SJ3", area="大连"))
    with pytest.raises(DatabaseError) as info:
        await ingest(clean_db, "shengjing", body)
    assert "1 / 0" not in str(info.value)
    for table in ("wishes", "batches", "dead_letters"):
        assert await clean_db.fetchval(f"select count(*) from {table}") == 0
    failed = await clean_db.fetchval(
        "select last_failure_at from sources where code = 'shengjing'")
    assert failed is not None

    monkeypatch.setattr(hub.ingest, "record_batch", real)
    report = await ingest(clean_db, "shengjing", body)
    assert (report.accepted, report.duplicates, report.rejected) == (2, 0, 1)
    assert await clean_db.fetchval("select count(*) from dead_letters") == 1


async def test_concurrent_pushes_of_the_same_records_converge(clean_db: asyncpg.Pool) -> None:
    ids = [f"SJ{i:03d}" for i in range(60)]
    old = shengjing(*[xy(i, update="2022-03-13 10:00:00", title="旧") for i in ids])
    new = shengjing(*[xy(i, update="2022-03-13 11:00:00", title="新") for i in reversed(ids)])
    reports = await asyncio.gather(*[ingest(clean_db, "shengjing", b)
                                     for b in (old, new, new, old, new, old)])
    assert sum(r.accepted for r in reports) >= len(ids)
    assert all(r.received == r.accepted + r.duplicates + r.rejected for r in reports)
    titles = await clean_db.fetch("select distinct title from wishes")
    assert [t["title"] for t in titles] == ["新"]
    assert await clean_db.fetchval("select count(*) from wishes") == len(ids)


async def test_a_mirror_and_its_city_copy_arriving_together_count_once(
    clean_db: asyncpg.Pool,
) -> None:
    # Both copies in flight at once, in both orders: neither transaction may
    # miss the other, or the wish would be counted twice.
    jobs = []
    for i in range(12):
        city = ingest(clean_db, "shengjing", shengjing(xy(f"SJ{i}")))
        copy = ingest(clean_db, "wenhuayun", mirror(f"WHY-{i}", f"shengjing:SJ{i}"))
        jobs += [city, copy] if i % 2 else [copy, city]
    await asyncio.gather(*jobs)
    visible = await clean_db.fetchval(
        "select count(*) from wishes where not deleted and not shadowed")
    assert visible == 12
    assert await clean_db.fetchval("select count(*) from wishes where shadowed") == 12


async def test_cards_and_pinks_arriving_together_are_combined(clean_db: asyncpg.Pool) -> None:
    def events(*items: dict[str, Any]) -> bytes:
        return json.dumps({"events": list(items)}, ensure_ascii=False).encode()

    jobs = []
    for i in range(10):
        code = f"PK-211421-{i:06d}"
        blue = {"type": "blue", "card": f"BL-{i}", "pink": code,
                "by": {"kind": "team", "name": "爱心队"}, "fulfilled": True,
                "ts": "2022-03-12T06:30:00Z", "seq": 1}
        pink = {"type": "pink", "code": code, "wish": "代购常用药", "cat": "食品药品",
                "kind": "物", "who": "老人", "name": "刘某某", "county": "绥中县",
                "state": "open", "ts": "2022-03-12T02:00:00Z", "seq": 1}
        jobs += [ingest(clean_db, "huludao", events(blue)),
                 ingest(clean_db, "huludao", events(pink))]
    await asyncio.gather(*jobs)
    statuses = await clean_db.fetch("select distinct status from wishes")
    assert [s["status"] for s in statuses] == ["FULFILLED"]
    assert await clean_db.fetchval("select count(*) from claims") == 10


@pytest.mark.parametrize("state", ["40P01", "40001"])
async def test_a_delivery_the_database_gives_up_for_another_is_stored_on_a_later_attempt(
    clean_db: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch, state: str
) -> None:
    real = hub.ingest.record_batch
    failures = 2

    async def given_up(conn: asyncpg.Connection, *args: Any, **kw: Any) -> None:
        nonlocal failures
        await real(conn, *args, **kw)
        if failures:
            failures -= 1
            # What PostgreSQL raises on a deadlock's victim or a serialization failure.
            await conn.execute(f"do $$ begin raise exception 'given up' using errcode = '{state}';"
                               " end $$")

    monkeypatch.setattr(hub.ingest, "record_batch", given_up)
    report = await ingest(clean_db, "shengjing", shengjing(xy("SJ1"), xy("SJ2")))
    assert (report.accepted, report.duplicates, failures) == (2, 0, 0)
    assert await clean_db.fetchval("select count(*) from wishes") == 2
    assert await clean_db.fetchval("select count(*) from batches") == 1
    assert await clean_db.fetchval(
        "select records_accepted from sources where code = 'shengjing'") == 2


async def test_a_delivery_given_up_on_every_attempt_fails_without_a_trace(
    clean_db: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = hub.ingest.record_batch
    attempts = 0

    async def given_up(conn: asyncpg.Connection, *args: Any, **kw: Any) -> None:
        nonlocal attempts
        attempts += 1
        await real(conn, *args, **kw)
        await conn.execute("do $$ begin raise exception 'given up' using errcode = '40P01'; end $$")

    monkeypatch.setattr(hub.ingest, "record_batch", given_up)
    with pytest.raises(DatabaseError, match="40P01"):
        await ingest(clean_db, "shengjing", shengjing(xy("SJ1")))
    assert attempts == hub.ingest.STORE_ATTEMPTS
    assert await clean_db.fetchval("select count(*) from wishes") == 0
