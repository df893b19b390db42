"""The hub behind Debian's PgBouncer in transaction mode: three server
connections shared by two worker processes (ten connections each), a sync
and the test's own clients, so consecutive transactions of one client run on
different server sessions. Migrations, pushes, queries, a pull sync, a live
subscription, escalation and callbacks all work through it, and nothing
relies on a session (no prepared statement, session lock or LISTEN through
the bouncer)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import asyncpg
import httpx
import pytest
import websockets
from tests.fakes.fengxiang_api import FengxiangFake

from tests.deploy._pgbouncer import PgBouncer, pgbouncer_or_skip
from tests.fakes.receiver import Receiver
from tests.faults._support import SOURCES, Hub, psql, push, query, shengjing_wishes

ROOT = Path(__file__).resolve().parents[2]
EVENTS = "subscription { wishEvents { kind wish { sourceId } } }"


def _config(path: Path, callback_url: str, fengxiang_url: str) -> Path:
    lines = ["[public]", "enabled = true", "[security.rate_limit]", "enabled = false",
             "[escalation]", "county_days = 14", "every_seconds = 0.3",
             "[callbacks]", "poll_seconds = 0.1", "first_retry_seconds = 0.2"]
    for code, (token, secret) in SOURCES.items():
        lines += [f"[sources.{code}]", f'token = "{token}"', f'secret = "{secret}"']
        if code == "shengjing":
            lines.append(f'callback_url = "{callback_url}"')
        if code == "fengxiang":
            lines.append(f'base_url = "{fengxiang_url}"')
    path = path / "hub.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


async def _first_event(ws_url: str, ready: threading.Event, out: list[dict[str, object]]) -> None:
    async with websockets.connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": EVENTS}}))
        await asyncio.sleep(1.0)  # the process's listener starts (milliseconds)
        ready.set()
        out.append(json.loads(await asyncio.wait_for(ws.recv(), 20)))


def test_the_hub_works_behind_pgbouncer_in_transaction_mode(
    scratch_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pgbouncer_or_skip()
    name = urllib.parse.urlsplit(scratch_url).path.lstrip("/")
    # The settings the hub cannot send through a bouncer, as docs/scaling.md
    # has an operator set them: for the role, in this database.
    psql(scratch_url, f'alter role current_user in database "{name}" set jit = off; '
                      f'alter role current_user in database "{name}" set statement_timeout = 30000')
    bouncer = PgBouncer(scratch_url, pool_size=3).start()
    receiver = Receiver(SOURCES["shengjing"][1]).start()
    fengxiang = FengxiangFake(orders=30)
    fengxiang.start()
    # LISTEN cannot go through the bouncer: the listener gets the direct URL.
    monkeypatch.setenv("DATABASE_DIRECT_URL", scratch_url)
    hub = Hub(bouncer.url(name), _config(tmp_path, receiver.url, fengxiang.base_url), workers=2)
    try:
        started = time.monotonic()
        hub.start()  # `hub serve` migrates through the bouncer first

        # A subscriber on the wall, then pushes and reads from four clients at once.
        ready, heard = threading.Event(), []
        listener = threading.Thread(target=lambda: asyncio.run(
            _first_event(f"ws://127.0.0.1:{hub.port}/graphql", ready, heard)), daemon=True)
        listener.start()
        assert ready.wait(15)
        answers: list[int] = []

        def client(n: int) -> None:
            with httpx.Client(timeout=30) as c:
                for batch in range(3):
                    ids = [f"SJ-PGB-{n}-{batch}-{i}" for i in range(10)]
                    answers.append(push(c, hub, "shengjing", shengjing_wishes(ids)).status_code)
                    answers.append(query(c, hub).status_code)

        clients = [threading.Thread(target=client, args=(n,)) for n in range(4)]
        for t in clients:
            t.start()
        for t in clients:
            t.join(60)
        assert answers == [200] * 24
        with httpx.Client(timeout=30) as c:
            total = query(c, hub).json()["data"]["wishes"]["totalCount"]
        assert total == 120
        listener.join(20)
        assert heard and heard[0]["type"] == "next", heard

        # A pull sync through the bouncer (its lease, its cursors, its pages).
        env = {**os.environ, "DATABASE_URL": bouncer.url(name), "HUB_CONFIG": str(hub.config)}
        synced = subprocess.run([sys.executable, "-m", "hub.cli", "sync", "fengxiang"],
                                env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert synced.returncode == 0, synced.stderr
        assert psql(scratch_url, "select count(*) from wishes w join sources s on s.id = w.source "
                                 "where s.code = 'fengxiang'") == "30"

        # Every 盛京 wish is older than 14 days: the rule escalates each once and
        # 盛京's receiver hears of each once, whichever worker ran the pass.
        deadline = time.monotonic() + 30
        while len(receiver.accepted) < 120:
            assert time.monotonic() < deadline, (len(receiver.accepted), hub.output()[-3000:])
            time.sleep(0.2)
        time.sleep(1.0)  # time for a second pass or a second delivery, were there one
        elapsed = time.monotonic() - started
    finally:
        hub.stop()
        fengxiang.stop()
        receiver.stop()
        bouncer.stop()

    deliveries = [r.headers["x-hub-delivery"] for r in receiver.received]
    assert len(deliveries) == len(set(deliveries)) == 120
    per_wish = psql(scratch_url, "select count(*), count(distinct wish_id) from wish_transfers t "
                                 "join wishes w on w.id = t.wish_id join sources s on s.id = "
                                 "w.source where s.code = 'shengjing'")
    assert per_wish == "120|120"
    # One pass per period across both workers (each tries every period).
    passes = int(psql(scratch_url, "select claims from job_leases where name = 'escalation'"))
    assert 1 <= passes <= elapsed / 0.3 + 1
    log = hub.output()
    for sign in ("prepared statement", "Traceback", "does not exist", "cannot set"):
        assert sign not in log, log[-3000:]


async def test_the_bouncer_really_moves_sessions(scratch_url: str) -> None:
    """The control: asyncpg's named statements through the same kind of bouncer
    fail at once, which is why the hub turns them off there."""
    pgbouncer_or_skip()
    name = urllib.parse.urlsplit(scratch_url).path.lstrip("/")
    bouncer = PgBouncer(scratch_url, pool_size=2).start()
    try:
        plain = bouncer.url(name).replace("?pgbouncer=true", "")
        conns = [await asyncpg.connect(plain) for _ in range(4)]
        with pytest.raises(asyncpg.PostgresError, match="prepared statement"):
            for _ in range(10):
                await asyncio.gather(*(c.fetchval("select $1::int + 1", 1) for c in conns))
        for c in conns:
            c.terminate()
    finally:
        bouncer.stop()
