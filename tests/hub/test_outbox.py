"""Callbacks to the platforms: what fake receivers (real HTTP servers on
127.0.0.1) get when they fail, time out, answer out of order, and when the
hub stops in the middle."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from hub import outbox
from hub.app import create_app
from hub.cli import build_parser
from hub.config import Config, parse_config
from hub.errors import ConfigError
from hub.outbox import WishRef
from tests.ecosystem.conftest import start_server, stop_server
from tests.fakes.receiver import Receiver
from tests.hub.wishlist_data import load

SECRETS = {"shengjing": "sj-callback-secret", "wenhuayun": "wh-callback-secret"}
FAST = {"timeout_seconds": 0.5, "first_retry_seconds": 0.05, "max_retry_seconds": 0.2,
        "poll_seconds": 0.05}


def callbacks_config(urls: dict[str, str], **callbacks: float) -> Config:
    sources = {code: {"token": f"{code}-token", "secret": secret, "callback_url": urls.get(code)}
               for code, secret in SECRETS.items()}
    for entry in sources.values():
        if entry["callback_url"] is None:
            del entry["callback_url"]
    return parse_config({"sources": sources, "callbacks": {**FAST, **callbacks}})


@contextlib.contextmanager
def receiver(code: str, behave: Any = None) -> Iterator[Receiver]:
    r = Receiver(SECRETS[code], behave) if behave else Receiver(SECRETS[code])
    r.start()
    try:
        yield r
    finally:
        r.stop()


@contextlib.asynccontextmanager
async def worker(pool: asyncpg.Pool, config: Config) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(outbox.keep_delivering(pool, config))
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def wish_refs(pool: asyncpg.Pool, *source_ids: str) -> list[WishRef]:
    rows = await pool.fetch(
        "select w.id, w.source, s.code, w.source_id from wishes w join sources s on s.id = w.source "
        "where w.source_id = any($1::text[]) order by w.source_id", list(source_ids))
    return [WishRef(r["id"], r["source"], r["code"], r["source_id"]) for r in rows]


async def queue(pool: asyncpg.Pool, refs: list[WishRef], per_wish: int) -> None:
    """Events #0..#per_wish-1 for each wish, interleaved, each in its own transaction."""
    for n in range(per_wish):
        for ref in refs:
            async with pool.acquire() as conn, conn.transaction():
                await outbox.enqueue(conn, outbox.ESCALATED, ref,
                                     {"handlingLevel": "CITY", "reason": f"#{n}", "by": "test"})


async def settle(pool: asyncpg.Pool, *, until: str = "DELIVERED", seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        left = await pool.fetchval("select count(*) from outbox where state <> $1", until)
        if left == 0:
            return
        await asyncio.sleep(0.05)
    states = await pool.fetch("select state, count(*) from outbox group by state")
    raise AssertionError(f"not all {until} after {seconds} s: {[tuple(r) for r in states]}")


def per_wish(events: list[dict[str, Any]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for e in events:
        out.setdefault(e["wish"]["sourceId"], []).append(e["reason"])
    return out


async def test_events_arrive_signed_and_in_order_per_wish_despite_faults_and_two_workers(
    clean_db: asyncpg.Pool,
) -> None:
    await load(clean_db)
    refs = await wish_refs(clean_db, "SJ-1", "SJ-2", "SJ-3")

    def behave(event: dict[str, Any], nth: int) -> tuple[int | None, float]:
        if nth % 5 == 1:
            return 500, 0.0
        if nth % 7 == 3:
            return 200, 0.8  # answers after the hub gave up waiting (0.5 s): out of order
        if nth % 11 == 4:
            return None, 0.0  # connection closed without an answer
        return 200, 0.0

    with receiver("shengjing", behave) as sj:
        await queue(clean_db, refs, per_wish=5)
        cfg = callbacks_config({"shengjing": sj.url})
        # Two workers at once, as two processes: they share the work through the database.
        async with worker(clean_db, cfg), worker(clean_db, cfg):
            await settle(clean_db)
        await asyncio.sleep(1.0)  # the slow answers finish

    assert per_wish(sj.accepted) == {r.source_id: [f"#{n}" for n in range(5)] for r in refs}
    assert len(sj.received) > 15  # faults made the hub try again
    for r in sj.received:
        assert sj.signed_correctly(r)
        assert r.headers["content-type"] == "application/json"
        assert r.headers["x-hub-event"] == r.event["type"] == "wish.escalated"
        assert r.headers["x-hub-delivery"] == r.event["eventId"]
    rows = await clean_db.fetch("select attempts, last_error from outbox where attempts > 1")
    assert rows and all(r["last_error"] is None for r in rows)


async def test_a_failing_receiver_holds_back_only_its_wish_until_the_event_fails(
    clean_db: asyncpg.Pool, database_url: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await load(clean_db)
    refs = await wish_refs(clean_db, "SJ-1", "SJ-2")
    broken = {"SJ-1"}

    def behave(event: dict[str, Any], nth: int) -> tuple[int | None, float]:
        return (503, 0.0) if event["wish"]["sourceId"] in broken else (200, 0.0)

    with receiver("shengjing", behave) as sj:
        await queue(clean_db, refs, per_wish=2)
        cfg = callbacks_config({"shengjing": sj.url}, give_up_hours=1.0 / 3600)  # one second
        async with worker(clean_db, cfg):
            # SJ-2 goes through (polled: a loaded machine may take longer than
            # SJ-1's one second to give up) ...
            deadline = time.monotonic() + 10
            while per_wish(sj.accepted) != {"SJ-2": ["#0", "#1"]}:
                assert time.monotonic() < deadline, f"SJ-2 never went through: {sj.accepted}"
                await asyncio.sleep(0.05)
            # ... while SJ-1's second event waits behind its first, until that one fails.
            if not await clean_db.fetchval("select count(*) from outbox where state = 'FAILED'"):
                assert {r.event["reason"] for r in sj.received
                        if r.event["wish"]["sourceId"] == "SJ-1"} == {"#0"}
            deadline = time.monotonic() + 10
            while await clean_db.fetchval("select count(*) from outbox where state = 'FAILED'") < 2:
                assert time.monotonic() < deadline, "SJ-1's events never FAILED"
                await asyncio.sleep(0.05)
        tries = len([r for r in sj.received if r.event["wish"]["sourceId"] == "SJ-1"])

        listed = await hub_command(monkeypatch, capsys, database_url, "outbox", "--failed")
        assert "FAILED 2" in listed and "HTTP 503" in listed
        broken.clear()
        retried = await hub_command(monkeypatch, capsys, database_url, "outbox", "retry")
        assert "2 FAILED event(s) due again" in retried
        async with worker(clean_db, cfg):
            await settle(clean_db)
    assert tries >= 3  # retried with backoff before giving up
    assert per_wish(sj.accepted) == {"SJ-2": ["#0", "#1"], "SJ-1": ["#0", "#1"]}
    assert await clean_db.fetchval(
        "select count(*) from audit_log where action = 'outbox.retry'") >= 1


async def test_a_source_without_a_callback_url_keeps_its_events_until_it_has_one(
    clean_db: asyncpg.Pool,
) -> None:
    await load(clean_db)
    [ws] = await wish_refs(clean_db, "WS-0005")
    await queue(clean_db, [ws], per_wish=2)
    without = callbacks_config({})
    async with worker(clean_db, without):
        await asyncio.sleep(0.3)
    receivers = await outbox.receivers_from(clean_db, without)
    assert await outbox.counts(clean_db, receivers) == {"NO_RECEIVER": 2}
    shown = await outbox.entries(clean_db, ["NO_RECEIVER"], 10, receivers)
    assert [(e.receiver, e.attempts) for e in shown] == [("wenhuayun", 0)] * 2
    with receiver("wenhuayun") as wh:
        with_url = callbacks_config({"wenhuayun": wh.url})
        async with worker(clean_db, with_url):
            await settle(clean_db)
    assert per_wish(wh.accepted) == {"WS-0005": ["#0", "#1"]}
    receivers = await outbox.receivers_from(clean_db, with_url)
    assert await outbox.counts(clean_db, receivers) == {"DELIVERED": 2}


async def test_a_dispatch_is_told_to_both_platforms(clean_db: asyncpg.Pool) -> None:
    from tests.security.conftest import TOKENS, config, hub_client, post

    w = await load(clean_db)
    with receiver("shengjing") as sj, receiver("wenhuayun") as wh:
        async with hub_client(clean_db, config()) as client:
            r = await post(client, "mutation($id: ID!, $t: ID!) { dispatchWish(id: $id, teamId: $t, "
                           'note: "请联系王建国 13800001234") { id } }', TOKENS["city"],
                           id=w["SJ-1"], t=w["T-5"])
            assert "errors" not in r.json(), r.json()
        async with worker(clean_db, callbacks_config({"shengjing": sj.url, "wenhuayun": wh.url})):
            await settle(clean_db)
    [to_wish], [to_team] = sj.accepted, wh.accepted
    assert to_wish == to_team
    assert to_wish["type"] == "wish.dispatched"
    assert to_wish["team"] == {"source": "wenhuayun", "sourceId": "T-5", "name": "爱心志愿服务队5"}
    assert to_wish["by"] == "ops-shenyang"
    assert "13800001234" not in to_wish["note"]  # personal data never leaves its field
    assert set(to_wish) == {"eventId", "type", "occurredAt", "wish", "team", "note", "by"}
    assert to_wish["occurredAt"].endswith("+08:00")
    assert sj.signed_correctly(sj.received[0]) and wh.signed_correctly(wh.received[0])


async def test_nothing_is_lost_or_reordered_when_the_worker_stops_mid_delivery(
    clean_db: asyncpg.Pool,
) -> None:
    await load(clean_db)
    refs = await wish_refs(clean_db, "SJ-1", "SJ-2")

    def slow(event: dict[str, Any], nth: int) -> tuple[int | None, float]:
        return 200, 0.3

    with receiver("shengjing", slow) as sj:
        await queue(clean_db, refs, per_wish=4)
        cfg = callbacks_config({"shengjing": sj.url}, timeout_seconds=2)
        async with worker(clean_db, cfg):
            await asyncio.sleep(0.5)  # a request or two in flight when it stops
        assert await clean_db.fetchval("select count(*) from outbox where state = 'PENDING'") > 0
        async with worker(clean_db, cfg):
            await settle(clean_db)
    assert per_wish(sj.accepted) == {r.source_id: [f"#{n}" for n in range(4)] for r in refs}


async def hub_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], database_url: str,
    *args: str,
) -> str:
    """``hub ARGS`` run in this process (as ``hub.cli`` would) on the test database."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("HUB_CONFIG", os.devnull)
    parsed = build_parser().parse_args(list(args))
    capsys.readouterr()
    assert await parsed.func(parsed) == 0
    return capsys.readouterr().out


async def test_a_hub_killed_mid_delivery_sends_everything_in_order_after_restart(
    clean_db: asyncpg.Pool, database_url: str, tmp_path: Path,
) -> None:
    await load(clean_db)
    refs = await wish_refs(clean_db, "SJ-1", "SJ-2", "SJ-3")

    def slow(event: dict[str, Any], nth: int) -> tuple[int | None, float]:
        return (500, 0.2) if nth % 4 == 2 else (200, 0.2)

    with receiver("shengjing", slow) as sj:
        await queue(clean_db, refs, per_wish=6)
        settings = (f'[sources.shengjing]\nsecret = "{SECRETS["shengjing"]}"\n'
                    f'callback_url = "{sj.url}"\n'
                    "[callbacks]\ntimeout_seconds = 0.5\nfirst_retry_seconds = 0.05\n"
                    "max_retry_seconds = 0.2\npoll_seconds = 0.05\n"
                    "[statistics]\nrefresh_medians_seconds = 0\n")
        first = start_server(database_url, tmp_path / "first", config=settings)
        try:
            deadline = time.monotonic() + 20
            while len(sj.received) < 4:
                assert time.monotonic() < deadline, "the hub sent nothing"
                await asyncio.sleep(0.02)
        finally:
            first.process.send_signal(signal.SIGKILL)  # no shutdown: its leases stay behind
            first.process.wait()
        assert await clean_db.fetchval(
            "select count(*) from outbox where state = 'PENDING'") > 0
        second = start_server(database_url, tmp_path / "second", config=settings)
        try:
            await settle(clean_db, seconds=60)
        finally:
            stop_server(second)
    assert per_wish(sj.accepted) == {r.source_id: [f"#{n}" for n in range(6)] for r in refs}


@pytest.mark.parametrize(("raw", "message"), [
    ({"sources": {"shengjing": {"callback_url": "https://sj.example.cn/hub"}}},
     "[sources.shengjing] has a callback_url but no secret to sign with"),
    ({"sources": {"shengjing": {"secret": "s", "callback_url": "ftp://sj"}}},
     "[sources.shengjing] callback_url: 'ftp://sj' (a string) is not an http(s) URL"),
    ({"callbacks": {"timeout_seconds": 0}},
     "[callbacks] timeout_seconds must be a number > 0, found 0 (a whole number)"),
    ({"escalation": {"county_days": "14"}},
     "[escalation] county_days must be a number > 0, found '14' (a string)"),
])
def test_a_bad_setting_stops_the_hub_at_start(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        create_app(config=parse_config(raw))  # the types when read, the rules across settings here
    assert str(caught.value) == message


async def test_hub_outbox_drop_forgets_a_failed_event(
    clean_db: asyncpg.Pool, database_url: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await load(clean_db)
    refs = await wish_refs(clean_db, "SJ-1")
    await queue(clean_db, refs, per_wish=2)
    first, second = [r["id"] for r in await clean_db.fetch("select id from outbox order by id")]
    await clean_db.execute("update outbox set state = 'FAILED', last_error = 'HTTP 503' "
                           "where id = $1", first)
    said = await hub_command(monkeypatch, capsys, database_url, "outbox", "drop", str(first))
    assert said.startswith(f"1 FAILED event(s) dropped: {first}")
    assert [r["id"] for r in await clean_db.fetch("select id from outbox")] == [second]
    parsed = build_parser().parse_args(["outbox", "drop", str(second)])
    assert await parsed.func(parsed) == 1  # not FAILED: kept
    assert await clean_db.fetchval(
        "select count(*) from audit_log where action = 'outbox.drop'") == 2
