"""The audit log: who did what, when, with what outcome; append-only."""

from __future__ import annotations

import json
from pathlib import Path

import asyncpg
import pytest

from hub import ids
from hub.ingest import ingest
from tests.http.conftest import push_items, wenhuayun_items
from tests.security.conftest import TOKENS, config, hub_client, post, signed

FIXTURES = Path(__file__).resolve().parents[1] / "adapters"

AUDIT = """query($p: String, $first: Int!, $before: ID) {
  auditLog(actionPrefix: $p, first: $first, before: $before) {
    id actor role action target regionCode outcome detail } }"""


async def latest_id(pool: asyncpg.Pool) -> int:
    return int(await pool.fetchval("select coalesce(max(id), 0) from audit_log"))


async def test_pushes_mutations_and_refusals_are_recorded(clean_db: asyncpg.Pool) -> None:
    start = await latest_id(clean_db)
    await push_items(clean_db, wenhuayun_items(wishes=12, teams=0))  # OPEN wishes
    row = await clean_db.fetchrow(
        "select id from wishes where county_code = '211421' order by id limit 1")
    elsewhere = ids.encode_id("Wish", row["id"])
    row = await clean_db.fetchrow(
        "select id from wishes where county_code = '210102' and status = 'OPEN' order by id limit 1")
    here = ids.encode_id("Wish", row["id"])
    body = (FIXTURES / "shengjing" / "fixtures" / "example.json").read_bytes()
    escalate = ('mutation($id: ID!) { escalateWish(id: $id, level: PROVINCE, reason: "县级无法解决") '
                '{ id } }')
    async with hub_client(clean_db, config()) as client:
        pushed = await client.post("/ingest/shengjing", content=body, headers=signed("shengjing", body))
        assert pushed.status_code == 200
        ok = await post(client, escalate, TOKENS["city"], id=here)
        no = await post(client, escalate, TOKENS["city"], id=elsewhere)
        viewer = await post(client, escalate, TOKENS["viewer"], id=here)
        anonymous = await post(client, escalate, None, id=here)
        assert "errors" not in ok.json()
        assert [r.json()["errors"][0]["extensions"]["code"] for r in (no, viewer, anonymous)] \
            == ["FORBIDDEN"] * 3
        log = (await post(client, AUDIT, TOKENS["province"], first=100)).json()["data"]["auditLog"]
    new = [e for e in log if int(e["id"]) > start]
    by_action: dict[str, list[dict[str, str]]] = {}
    for e in new:
        by_action.setdefault(e["action"], []).append(e)

    pushes = {e["actor"]: e for e in by_action["batch.push"]}
    assert set(pushes) == {"source:wenhuayun", "source:shengjing"}
    assert pushes["source:shengjing"]["regionCode"] == "210100"
    assert json.loads(pushes["source:shengjing"]["detail"])["received"] == 2

    mutations = sorted(by_action["mutation.escalateWish"], key=lambda e: int(e["id"]))
    assert [(m["actor"], m["outcome"]) for m in mutations] == [
        ("ops-shenyang", "ok"), ("ops-shenyang", "denied"), ("frontend", "denied"),
    ]  # a caller without a key is only logged: strangers cannot fill the table
    assert mutations[0]["target"] == here and mutations[0]["regionCode"] == "210102"
    assert json.loads(mutations[0]["detail"]) == {"from": "COUNTY", "to": "PROVINCE"}
    assert mutations[1]["regionCode"] == "211421"
    level = await clean_db.fetchval("select handling_level from wishes where id = $1",
                                    ids.decode_int_id(here, "Wish"))
    assert level == "PROVINCE"


async def test_a_city_key_reads_the_audit_rows_of_its_region(clean_db: asyncpg.Pool) -> None:
    for code in ("shengjing", "huludao"):
        await ingest(clean_db, code, (FIXTURES / code / "fixtures" / "example.json").read_bytes())
    async with hub_client(clean_db, config()) as client:
        city = (await post(client, AUDIT, TOKENS["city"], first=100)).json()["data"]["auditLog"]
        elsewhere = await post(
            client, "{ auditLog(regionCode: \"211400\") { id } }", TOKENS["city"])
        province = (await post(client, AUDIT, TOKENS["province"], p="batch.", first=100)).json()
    assert city and all(e["regionCode"].startswith("2101") for e in city)
    assert elsewhere.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    regions = {e["regionCode"] for e in province["data"]["auditLog"]}
    assert {"210100", "211400"} <= regions


async def test_audit_log_pages_with_before(clean_db: asyncpg.Pool) -> None:
    for _ in range(3):
        await ingest(clean_db, "huludao", (FIXTURES / "huludao" / "fixtures" / "example.json").read_bytes())
    async with hub_client(clean_db, config()) as client:
        first = (await post(client, AUDIT, TOKENS["province"], first=2)).json()["data"]["auditLog"]
        after = (await post(client, AUDIT, TOKENS["province"], first=2,
                            before=first[-1]["id"])).json()["data"]["auditLog"]
    assert len(first) == 2 and after
    assert int(after[0]["id"]) < int(first[-1]["id"])


@pytest.mark.parametrize("statement", [
    "update audit_log set outcome = 'ok'",
    "delete from audit_log",
    "truncate audit_log",
])
async def test_the_audit_log_is_append_only(clean_db: asyncpg.Pool, statement: str) -> None:
    await ingest(clean_db, "huludao", (FIXTURES / "huludao" / "fixtures" / "example.json").read_bytes())
    before = await clean_db.fetchval("select count(*) from audit_log")
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
        await clean_db.execute(statement)
    assert await clean_db.fetchval("select count(*) from audit_log") == before


async def test_replay_through_the_api_is_scoped_and_audited(clean_db: asyncpg.Pool) -> None:
    await ingest(clean_db, "shengjing", (FIXTURES / "shengjing" / "fixtures" / "bad_records.json").read_bytes())
    await ingest(clean_db, "huludao", (FIXTURES / "huludao" / "fixtures" / "bad_records.json").read_bytes())
    replay = """mutation($s: String!) { replayDeadLetters(source: $s) {
        replayed landed rejected outcomes { letterId outcome reason } } }"""
    start = await latest_id(clean_db)
    async with hub_client(clean_db, config()) as client:
        own = await post(client, replay, TOKENS["city"], s="shengjing")
        other = await post(client, replay, TOKENS["city"], s="huludao")
    report = own.json()["data"]["replayDeadLetters"]
    assert report["replayed"] >= 1 and report["replayed"] == report["landed"] + report["rejected"]
    assert other.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    rows = await clean_db.fetch(
        "select actor, action, target, outcome, region_code from audit_log where id > $1 "
        "and action = 'replay' order by id", start)
    assert [(r["target"], r["outcome"], r["region_code"]) for r in rows] == [
        ("shengjing", "ok", "210100"), ("huludao", "denied", "211400"),
    ]
