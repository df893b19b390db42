"""Escalation (上下联动) and dispatch (组织派单) through /graphql, as an office uses them."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from hub import escalation
from hub.cli import build_parser
from hub.config import parse_config
from hub.errors import HubError
from tests.ecosystem.conftest import start_server, stop_server
from tests.fakes.receiver import Receiver
from tests.http.conftest import counting_client
from tests.hub.wishlist_data import key, load, push_shengjing, shengjing_wish
from tests.security.conftest import TOKENS, config, hub_client, post

ESCALATE = """mutation($id: ID!, $level: RegionLevel, $reason: String) {
  escalateWish(id: $id, level: $level, reason: $reason) {
    id handlingLevel transfers { from to reason by at } } }"""
DISPATCH = """mutation($id: ID!, $team: ID!, $note: String) {
  dispatchWish(id: $id, teamId: $team, note: $note) {
    id dispatch { team { id name } by note at } } }"""
WITHDRAW = """mutation($id: ID!, $reason: String!) {
  withdrawDispatch(id: $id, reason: $reason) {
    id dispatch { by } dispatches { team { id } by endedBy endReason outcome endedAt } } }"""
HISTORY = """query($id: ID!) { wish(id: $id) {
  handlingLevel transfers { from to by } dispatch { team { id } by }
  dispatches { team { id } outcome endedBy } } }"""


def data(r: httpx.Response, field: str) -> Any:
    body = r.json()
    assert "errors" not in body, body
    return body["data"][field]


def error(r: httpx.Response) -> tuple[str, str]:
    first = r.json()["errors"][0]
    return first["extensions"]["code"], first["message"]


async def events(pool: asyncpg.Pool) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        "select o.type, s.code, o.body from outbox o join sources s on s.id = o.receiver order by o.id")
    return [{"type": r["type"], "to": r["code"], **json.loads(r["body"])} for r in rows]


async def test_an_office_escalates_a_wish_with_a_reason(clean_db: asyncpg.Pool) -> None:
    w = await load(clean_db)
    async with hub_client(clean_db, config()) as client:
        empty = await post(client, ESCALATE, TOKENS["city"], id=w["SJ-1"], reason="  ")
        up = await post(client, ESCALATE, TOKENS["city"], id=w["SJ-1"], reason="县级无法解决")
        again = await post(client, ESCALATE, TOKENS["province"], id=w["SJ-1"],
                           reason="市级也无法解决，电话 13800001234")
        top = await post(client, ESCALATE, TOKENS["province"], id=w["SJ-1"], reason="再上报")
        done = await post(client, ESCALATE, TOKENS["province"], id=w["SJ-F"], reason="上报")
        cancelled = await post(client, ESCALATE, TOKENS["province"], id=w["SJ-C"], reason="上报")
        # At PROVINCE level the wish is no longer the city office's to change.
        city_late = await post(client, ESCALATE, TOKENS["city"], id=w["SJ-1"], level="CITY",
                               reason="退回市级")
        viewer = await post(client, HISTORY, TOKENS["viewer"], id=w["SJ-1"])
        public = await post(client, HISTORY, None, id=w["SJ-1"])
        other_city = await post(client, HISTORY, TOKENS["city"], id=w["WS-0005"])

    assert error(empty) == ("BAD_USER_INPUT",
                            "`reason` must say why (it is recorded and sent to the platforms)")
    first = data(up, "escalateWish")
    assert first["handlingLevel"] == "CITY"
    assert [(t["from"], t["to"], t["reason"], t["by"]) for t in first["transfers"]] == [
        ("COUNTY", "CITY", "县级无法解决", "ops-shenyang")]
    second = data(again, "escalateWish")
    assert second["handlingLevel"] == "PROVINCE"
    assert second["transfers"][1]["reason"] == "市级也无法解决，电话 ***"  # no phone is kept
    assert error(top)[0] == "BAD_USER_INPUT" and "PROVINCE" in error(top)[1]
    assert error(done) == ("BAD_USER_INPUT", "this wish is FULFILLED; only an OPEN or PENDING "
                           "wish can be escalated")
    assert error(cancelled)[0] == "BAD_USER_INPUT"
    assert error(city_late)[0] == "FORBIDDEN"
    for refused in (viewer, public, other_city):
        body = refused.json()
        assert {e["extensions"]["code"] for e in body["errors"]} == {"FORBIDDEN"}
        assert body["data"]["wish"]["transfers"] is None
        assert body["data"]["wish"]["handlingLevel"]  # the rest of the answer intact

    told = [e for e in await events(clean_db) if e["type"] == "wish.escalated"]
    assert [(e["to"], e["handlingLevel"], e["by"]) for e in told] == [
        ("shengjing", "CITY", "ops-shenyang"), ("shengjing", "PROVINCE", "ops-province")]
    assert told[0]["wish"] == {"source": "shengjing", "sourceId": "SJ-1", "id": w["SJ-1"]}
    assert "王" not in json.dumps(told, ensure_ascii=False)
    audit = await clean_db.fetch(
        "select actor, outcome from audit_log where action = 'mutation.escalateWish' order by id")
    assert [(a["actor"], a["outcome"]) for a in audit][-2:] == [
        ("ops-province", "ok"), ("ops-shenyang", "denied")]


async def test_the_city_to_do_list_is_its_escalated_wishes_oldest_first(
    clean_db: asyncpg.Pool,
) -> None:
    w = await load(clean_db)
    todo = """{ wishes(filter: {regionCode: "210100", handlingLevel: CITY, status: [OPEN]},
                        orderBy: SUBMITTED_ASC) { edges { node { sourceId } } } }"""
    async with hub_client(clean_db, config()) as client:
        for name in ("SJ-3", "SJ-1", "SJ-4"):
            data(await post(client, ESCALATE, TOKENS["city"], id=w[name], reason="县级无法解决"),
                 "escalateWish")
        listed = data(await post(client, todo, TOKENS["city"]), "wishes")
    assert [e["node"]["sourceId"] for e in listed["edges"]] == ["SJ-1", "SJ-3", "SJ-4"]


async def test_a_wish_is_dispatched_to_a_team_of_another_city_and_platform(
    clean_db: asyncpg.Pool,
) -> None:
    w = await load(clean_db)
    start = await clean_db.fetchval("select coalesce(max(id), 0) from audit_log")
    async with hub_client(clean_db, config()) as client:
        # 沈阳's office, a 沈阳 wish of 盛京使者, a 葫芦岛 team of 文化云.
        sent = await post(client, DISPATCH, TOKENS["city"], id=w["SJ-2"], team=w["T-5"],
                          note="请于本周内联系")
        twice = await post(client, DISPATCH, TOKENS["city"], id=w["SJ-2"], team=w["T-0"])
        fulfilled = await post(client, DISPATCH, TOKENS["city"], id=w["SJ-F"], team=w["T-5"])
        no_team = await post(client, DISPATCH, TOKENS["city"], id=w["SJ-3"], team=w["WS-0005"])
        not_theirs = await post(client, DISPATCH, TOKENS["city"], id=w["WS-0005"], team=w["T-0"])
        viewer = await post(client, DISPATCH, TOKENS["viewer"], id=w["SJ-3"], team=w["T-0"])
        no_reason = await post(client, WITHDRAW, TOKENS["city"], id=w["SJ-2"], reason=" ")
        back = await post(client, WITHDRAW, TOKENS["city"], id=w["SJ-2"], reason="队伍无法前往")
        none_left = await post(client, WITHDRAW, TOKENS["city"], id=w["SJ-2"], reason="再撤")
        # The province dispatches the 葫芦岛 wish to a 沈阳 team; its platform then reports a claim.
        data(await post(client, DISPATCH, TOKENS["province"], id=w["WS-0005"], team=w["T-0"]),
             "dispatchWish")

    current = data(sent, "dispatchWish")["dispatch"]
    assert current["team"] == {"id": w["T-5"], "name": "爱心志愿服务队5"}
    assert (current["by"], current["note"]) == ("ops-shenyang", "请于本周内联系")
    assert error(twice) == ("BAD_USER_INPUT",
                            "this wish is already dispatched to another team; withdrawDispatch "
                            "it first")
    assert error(fulfilled)[0] == "BAD_USER_INPUT" and "FULFILLED" in error(fulfilled)[1]
    assert error(no_team) == ("BAD_USER_INPUT", "`teamId` is not the id of a team")
    assert error(not_theirs)[0] == "FORBIDDEN"
    assert error(viewer)[0] == "FORBIDDEN"
    assert error(no_reason)[0] == "BAD_USER_INPUT"
    withdrawn = data(back, "withdrawDispatch")
    assert withdrawn["dispatch"] is None
    [ended] = withdrawn["dispatches"]
    assert (ended["team"]["id"], ended["by"], ended["endedBy"], ended["endReason"],
            ended["outcome"]) == (w["T-5"], "ops-shenyang", "ops-shenyang", "队伍无法前往",
                                  "WITHDRAWN")
    assert error(none_left) == ("BAD_USER_INPUT", "this wish has no current dispatch to withdraw")

    told = await events(clean_db)
    assert [(e["type"], e["to"]) for e in told] == [
        ("wish.dispatched", "shengjing"), ("wish.dispatched", "wenhuayun"),
        ("wish.dispatch_withdrawn", "shengjing"), ("wish.dispatch_withdrawn", "wenhuayun"),
        ("wish.dispatched", "wenhuayun"),  # a 文化云 wish and a 文化云 team: told once
    ]
    first = told[0]
    assert first["team"] == {"source": "wenhuayun", "sourceId": "T-5", "name": "爱心志愿服务队5"}
    assert (first["note"], first["by"]) == ("请于本周内联系", "ops-shenyang")
    assert first["eventId"] == told[1]["eventId"]  # one event, two receivers
    assert (told[2]["reason"], told[2]["by"]) == ("队伍无法前往", "ops-shenyang")
    audit = await clean_db.fetch(
        "select action, actor, outcome from audit_log where action like 'mutation.%' "
        "and id > $1 order by id", start)
    assert [tuple(a) for a in audit] == [
        ("mutation.dispatchWish", "ops-shenyang", "ok"),
        ("mutation.dispatchWish", "ops-shenyang", "denied"),  # the 葫芦岛 wish
        ("mutation.dispatchWish", "frontend", "denied"),
        ("mutation.withdrawDispatch", "ops-shenyang", "ok"),
        ("mutation.dispatchWish", "ops-province", "ok"),
    ]  # refusals for bad input are errors to the caller, not changes: not audited


async def test_a_page_of_wishes_reads_its_history_in_one_statement_each(
    clean_db: asyncpg.Pool, database_url: str,
) -> None:
    w = await load(clean_db)
    async with hub_client(clean_db, config()) as client:
        for name in ("SJ-1", "SJ-2"):
            data(await post(client, ESCALATE, TOKENS["city"], id=w[name], reason="县级无法解决"),
                 "escalateWish")
        data(await post(client, DISPATCH, TOKENS["city"], id=w["SJ-3"], team=w["T-0"]),
             "dispatchWish")
    page = """{ wishes(first: 20) { edges { node { sourceId transfers { to } dispatch {
                 team { name } } dispatches { outcome } } } } }"""
    async with counting_client(database_url, config()) as (client, log):
        body = (await post(client, page, TOKENS["province"])).json()
    assert "errors" not in body, body
    nodes = {e["node"]["sourceId"]: e["node"] for e in body["data"]["wishes"]["edges"]}
    assert len(nodes) == 12 and nodes["SJ-1"]["transfers"] == [{"to": "CITY"}]
    assert nodes["SJ-3"]["dispatch"] == {"team": {"name": "爱心志愿服务队0"}}
    history = [s for s in log.statements
               if "wish_transfers" in s or "wish_dispatches" in s or "dispatch_team_id" in s]
    assert len(history) == 3, history


async def test_a_dispatch_becomes_history_when_the_platform_reports_a_claim(
    clean_db: asyncpg.Pool,
) -> None:
    w = await load(clean_db)
    async with hub_client(clean_db, config()) as client:
        data(await post(client, DISPATCH, TOKENS["city"], id=w["SJ-4"], team=w["T-0"]),
             "dispatchWish")
        data(await post(client, DISPATCH, TOKENS["city"], id=w["SJ-3"], team=w["T-1"]),
             "dispatchWish")
        await push_shengjing(
            clean_db,
            shengjing_wish("SJ-4", status="2", update="2022-03-15 09:00:00",
                           claimers=[{"type": "队伍", "name": "爱心志愿服务队0", "id": "T-0"}]),
            shengjing_wish("SJ-3", status="9", update="2022-03-15 09:00:00"),
        )
        claimed = data(await post(client, HISTORY, TOKENS["city"], id=w["SJ-4"]), "wish")
        cancelled = data(await post(client, HISTORY, TOKENS["city"], id=w["SJ-3"]), "wish")
    assert claimed["dispatch"] is None
    assert claimed["dispatches"] == [
        {"team": {"id": w["T-0"]}, "outcome": "CLAIMED", "endedBy": "platform"}]
    assert cancelled["dispatches"][0]["outcome"] == "CLOSED"
    row = await clean_db.fetchrow("select * from wishes where id = $1", key(w["SJ-4"]))
    assert row["dispatch_team_id"] is None and row["dispatched_by"] is None


async def test_the_rule_escalates_waiting_wishes_once_however_many_run_it(
    clean_db: asyncpg.Pool,
) -> None:
    w = await load(clean_db)
    # SJ-1..SJ-4 were submitted on 1-4 March 2022; "now" is 16 March.
    now = dt.datetime(2022, 3, 16, 12, tzinfo=dt.UTC)
    rule = escalation.rule_from(parse_config({"escalation": {"county_days": 13.5,
                                                             "city_days": 30}}))
    planned = await escalation.preview(clean_db, rule, now=now)
    due = {"SJ-1", "SJ-2", "WS-0000", "WS-0001", "WS-0002"}  # submitted before 3 March UTC
    assert {s.wish.source_id for s in planned} == due
    assert await clean_db.fetchval("select count(*) from wish_transfers") == 0  # a dry run

    # Four passes at once (as four processes would): one escalation each, not two.
    results = await asyncio.gather(*(escalation.run_rule(clean_db, rule, now=now)
                                     for _ in range(4)))
    done = [s.wish.source_id for r in results if r for s in r]
    assert sorted(done) == sorted(due)
    rows = await clean_db.fetch(
        "select w.source_id, t.from_level, t.to_level, t.by from wish_transfers t "
        "join wishes w on w.id = t.wish_id order by w.source_id")
    assert [tuple(r) for r in rows] == [(name, "COUNTY", "CITY", "rule") for name in sorted(due)]
    told = [e for e in await events(clean_db) if e["type"] == "wish.escalated"]
    assert sorted((e["wish"]["sourceId"], e["by"]) for e in told) == [
        (name, "rule") for name in sorted(due)]
    assert "13.5" in told[0]["reason"]

    # The city's 30 days count from the escalation (today), not from the submission.
    soon = {s.wish.source_id for s in await escalation.preview(
        clean_db, rule, now=dt.datetime.now(dt.UTC) + dt.timedelta(days=29))}
    later = {s.wish.source_id: s.to.value for s in await escalation.preview(
        clean_db, rule, now=dt.datetime.now(dt.UTC) + dt.timedelta(days=31))}
    assert not soon & due
    assert {name: later[name] for name in due} == dict.fromkeys(due, "PROVINCE")
    # Never a claimed, fulfilled or cancelled wish.
    assert not set(later) & {"SJ-F", "SJ-C"}
    assert w["SJ-F"]


async def test_hub_escalate_lists_then_escalates(
    clean_db: asyncpg.Pool, database_url: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    w = await load(clean_db)
    settings = tmp_path / "hub.toml"
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("HUB_CONFIG", str(settings))

    async def hub(*args: str) -> tuple[int, str]:
        parsed = build_parser().parse_args(list(args))
        capsys.readouterr()
        try:
            code = await parsed.func(parsed)
        except HubError as exc:
            return 2, str(exc)
        return code, capsys.readouterr().out

    settings.write_text("", encoding="utf-8")
    code, said = await hub("escalate")
    assert code == 2 and "automatic escalation is off" in said
    settings.write_text("[escalation]\ncounty_days = 14\n", encoding="utf-8")
    code, said = await hub("escalate", "--dry-run")
    # Every OPEN wish of 2022 waited more than 14 days; the fulfilled and cancelled ones are not.
    assert code == 0 and said.startswith("would escalate 10 wish(es)")
    assert w["SJ-1"] in said and w["SJ-F"] not in said and w["SJ-C"] not in said
    assert await clean_db.fetchval("select count(*) from wish_transfers") == 0
    code, said = await hub("escalate")
    assert code == 0 and said.startswith("escalated 10 wish(es)") and "COUNTY -> CITY" in said
    code, said = await hub("escalate")
    assert said.startswith("escalated 0 wish(es)")  # city_days is not set: no second step
    assert await clean_db.fetchval("select count(*) from outbox") == 10


async def test_two_hub_processes_escalate_each_wish_once(
    clean_db: asyncpg.Pool, database_url: str, tmp_path: Path,
) -> None:
    """Two servers sharing nothing but the database (as two hosts): each wish is
    escalated once, each callback reaches its platform once, and the rule runs
    one pass per period between them, not one each."""
    await load(clean_db)
    # Nothing is due while the two servers start ...
    await clean_db.execute("update wishes set submitted_at = now()")
    receivers = {code: Receiver(f"{code}-secret").start() for code in ("shengjing", "wenhuayun")}
    settings = ("[escalation]\ncounty_days = 14\nevery_seconds = 0.2\n"
                "[statistics]\nrefresh_medians_seconds = 0\n"
                "[callbacks]\npoll_seconds = 0.05\n" + "".join(
                    f'[sources.{code}]\ntoken = "{code}-token"\nsecret = "{code}-secret"\n'
                    f'callback_url = "{r.url}"\n' for code, r in receivers.items()))
    servers = [start_server(database_url, tmp_path / name, config=settings)
               for name in ("one", "two")]
    try:
        claims = "select coalesce(max(claims), 0) from job_leases where name = $1"
        loop = asyncio.get_running_loop()
        started = loop.time()
        before = await clean_db.fetchval(claims, escalation.PASS_LEASE)
        # ... then ten OPEN wishes are due for both at once.
        await clean_db.execute("update wishes set submitted_at = now() - interval '15 days'")
        while sum(len(r.accepted) for r in receivers.values()) < 10:
            assert loop.time() < started + 30, "the rule or the callbacks did not run"
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)  # time for a second escalation or delivery, were there one
        passes = await clean_db.fetchval(claims, escalation.PASS_LEASE) - before
        elapsed = loop.time() - started
    finally:
        for server in servers:
            stop_server(server)
        for r in receivers.values():
            r.stop()
    per_wish = await clean_db.fetch(
        "select wish_id, count(*) as n, min(to_level) as level, min(by) as by "
        "from wish_transfers group by wish_id")
    assert len(per_wish) == 10
    assert {(r["n"], r["level"], r["by"]) for r in per_wish} == {(1, "CITY", "rule")}
    assert await clean_db.fetchval("select count(*) from outbox") == 10
    heard = {code: [x.headers["x-hub-delivery"] for x in r.received]
             for code, r in receivers.items()}
    assert (len(heard["shengjing"]), len(heard["wenhuayun"])) == (4, 6)
    assert len(set(heard["shengjing"] + heard["wenhuayun"])) == 10  # each event once
    # Each server tries every 0.2 s; between them, one pass per 0.2 s (a lease).
    assert 1 <= passes <= elapsed / 0.2 + 1


async def test_hostile_reasons_and_notes_are_refused_or_stored_without_personal_data(
    clean_db: asyncpg.Pool,
) -> None:
    """An operator's text is stored and sent to platforms: NUL, lone surrogates,
    huge texts and deep variables are a coded 4xx/error; a phone typed in is blanked."""
    w = await load(clean_db)
    variables = '{"id": "%s", "reason": %s}'
    bodies = [
        (variables % (w["SJ-1"], '"a\\u0000b"')).encode(),
        (variables % (w["SJ-1"], '"a\\ud800b"')).encode(),
        (variables % (w["SJ-1"], json.dumps("长" * 100_000))).encode(),
        (variables % (w["SJ-1"], "[" * 1000 + "]" * 1000)).encode(),
        (variables % (w["SJ-1"], "1" + "0" * 4300)).encode(),
        b"\xff\xfe\x00garbage",
    ]
    async with hub_client(clean_db, config()) as client:
        for variables_body in bodies:
            raw = b'{"query": ' + json.dumps(ESCALATE).encode() + b', "variables": ' + variables_body + b"}" \
                if not variables_body.startswith(b"\xff") else variables_body
            r = await client.post("/graphql", content=raw, headers={
                "Authorization": f"Bearer {TOKENS['province']}", "Content-Type": "application/json"})
            assert r.status_code < 500, r.text[:300]
            errors = r.json()["errors"]
            assert all(e["extensions"]["code"] for e in errors), errors
            assert "长长长" not in r.text
        phone = await post(client, ESCALATE, TOKENS["province"], id=w["SJ-1"],
                           reason="家属电话 138-1234-5678，县级无法解决")
    assert "1234" not in phone.text
    (transfer,) = data(phone, "escalateWish")["transfers"]
    assert transfer["reason"].endswith("县级无法解决") and "5678" not in transfer["reason"]
    stored = await clean_db.fetchval("select string_agg(reason, ' ') from wish_transfers")
    assert "5678" not in stored and "\x00" not in stored
