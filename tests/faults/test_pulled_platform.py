"""A pulled platform misbehaving in every way at once, while the hub serves.

The platform (a real HTTP server on 127.0.0.1) hangs, resets the connection,
answers a proxy's HTML page, JSON cut short and 503s with Retry-After, page
after page, for longer than the sync's retries last. The sync backs off as
documented (``hub.sync.fetch``: full jitter under ``backoff_base * 2**(n-1)``,
capped; a Retry-After honoured up to its cap), gives up with a clear
``SyncError``, leaves the cursor after the last stored page, and the source
turns FAILING in the API; meanwhile a real ``hub serve`` on the same database
keeps taking another source's pushes and answering queries. When the
platform is well again the next run lands everything exactly once.

The settings are scaled down (a 0.5 s time-out, waits of tenths of a
second); with the defaults the same sequence takes minutes.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import threading
import time

import httpx
import pytest

from hub import db
from hub.bootstrap import prepare_database
from hub.config import SyncSettings
from hub.errors import SyncError
from hub.sync import PULLERS, sync_source
from tests.adapters.fengxiang.fake_api import FengxiangFake
from tests.fakes._server import Fault
from tests.faults._support import Hub, Postgres, Setup, held, psql, running, shengjing_wishes, sign

SETTINGS = SyncSettings(
    page_size=10, max_retries=5, backoff_base=0.1, backoff_max=0.3, retry_after_max=0.4,
    timeout=0.5, max_repeats=3,
)
HEALTH = "{ sources { code health } }"


def _faults() -> list[Fault]:
    """Six bad answers: more than one page's six attempts (five retries)."""
    page = json.dumps({"data": [], "next_cursor": None, "has_more": False}).encode()
    return [
        Fault(delay=2.0),  # hangs past the time-out
        Fault(reset=True),  # TCP reset, no answer
        Fault(raw=b"<html><body><h1>502 Bad Gateway</h1></body></html>"),  # a proxy's page, 200
        Fault(raw=page[: len(page) // 2], content_type="application/json"),  # cut short
        Fault(status=503, retry_after="1"),  # its own "come back later"
        Fault(raw=b"<html>maintenance</html>", status=200),
    ]


async def _health(client: httpx.AsyncClient, hub: Hub) -> dict[str, str]:
    r = await client.post(f"{hub.base}/graphql", json={"query": HEALTH})
    assert r.status_code == 200, r.text
    return {s["code"]: s["health"] for s in r.json()["data"]["sources"]}


async def _others_keep_working(client: httpx.AsyncClient, hub: Hub, stop: asyncio.Event,
                               seen: list[int]) -> None:
    n = 0
    while not stop.is_set():
        n += 1
        body = shengjing_wishes([f"SJ-PULL-{n:03d}"])
        pushed = await client.post(f"{hub.base}/ingest/shengjing", content=body,
                                   headers=sign("shengjing", body))
        listed = await client.post(f"{hub.base}/graphql",
                                   json={"query": "{ wishes(first: 3) { totalCount } }"})
        seen += [pushed.status_code, listed.status_code]
        await asyncio.sleep(0.05)


async def test_a_platform_misbehaving_for_longer_than_the_retries(setup: Setup) -> None:
    fake = FengxiangFake()
    fake.add_orders(30)
    fake.start()
    hub = Hub(setup.url, setup.config)
    pool = await db.create_pool(setup.url, min_size=2, max_size=4)
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        await asyncio.sleep(seconds)

    try:
        with running(hub):
            async with httpx.AsyncClient(timeout=30) as client:
                # The first page answers; every later attempt meets a fault.
                fake.inject(Fault(), *_faults())
                stop = asyncio.Event()
                statuses: list[int] = []
                others = asyncio.create_task(_others_keep_working(client, hub, stop, statuses))
                started = time.monotonic()
                with pytest.raises(SyncError) as failure:
                    await sync_source(pool, PULLERS["fengxiang"], fake.base_url,
                                      settings=SETTINGS, sleep=sleep)
                took = time.monotonic() - started
                stop.set()
                await others

                assert "failed 6 times" in str(failure.value)
                assert "not JSON" in str(failure.value)  # the last attempt's reason
                assert statuses and set(statuses) == {200}  # the rest of the hub kept working
                # Backed off as documented: one wait per retry, each within its bound.
                assert len(waits) == SETTINGS.max_retries
                for attempt, wait in enumerate(waits, start=1):
                    bound = min(SETTINGS.backoff_max, SETTINGS.backoff_base * 2 ** (attempt - 1))
                    assert 0 <= wait <= max(bound, SETTINGS.retry_after_max), waits
                assert SETTINGS.retry_after_max in waits  # Retry-After: 1, capped at 0.4
                assert took < 10

                # The cursor is after the first page, whose 10 records are stored.
                cursor = psql(setup.url, "select c.cursor from sync_cursors c join sources s "
                                         "on s.id = c.source where s.code = 'fengxiang'")
                assert cursor
                orders = fake.versions("orders")
                stored = held(setup.url, "fengxiang", list(orders))
                assert len(stored) == SETTINGS.page_size
                assert (await _health(client, hub))["fengxiang"] == "FAILING"
                assert (await _health(client, hub))["shengjing"] == "HEALTHY"

                # Well again: the next run goes on from the cursor and lands the rest once.
                result = await sync_source(pool, PULLERS["fengxiang"], fake.base_url,
                                           settings=dataclasses.replace(SETTINGS, page_size=10))
                assert result.accepted == len(orders) - SETTINGS.page_size
                assert result.duplicates <= SETTINGS.page_size
                assert held(setup.url, "fengxiang", list(orders)) == orders
                assert (await _health(client, hub))["fengxiang"] == "HEALTHY"
    finally:
        await pool.close()
        fake.stop()


async def test_the_database_stopping_during_a_sync(postgres: Postgres, setup: Setup) -> None:
    """PostgreSQL stops while the platform answers page 2 (page 1 is stored, its
    cursor too): the run ends with a SyncError (not a raw connection error),
    page 2 is not stored and the cursor does not pass it; the next run, once the
    database is back, lands the other 20 exactly once."""
    conn = await db.connect(setup.url)
    try:
        await prepare_database(conn)  # what hub serve does in the other tests
    finally:
        await conn.close()
    fake = FengxiangFake()
    fake.add_orders(30)
    fake.start()
    pool = await db.create_pool(setup.url, min_size=2, max_size=4)
    answers = 0
    page_two = threading.Event()
    stopped = threading.Event()

    def hold_page_two(path: str, query: dict[str, str], doc: object) -> None:
        nonlocal answers
        answers += 1
        if answers == 2:  # the sync is sequential: page 1 is stored by now
            page_two.set()
            stopped.wait(60)

    patient = dataclasses.replace(SETTINGS, timeout=60.0)
    try:
        fake.after_answer.append(hold_page_two)
        run = asyncio.create_task(
            sync_source(pool, PULLERS["fengxiang"], fake.base_url, settings=patient))
        while not page_two.is_set():
            await asyncio.sleep(0.02)
        await asyncio.to_thread(postgres.stop)
        stopped.set()
        with pytest.raises(SyncError, match="page 2 could not be stored"):
            await run
        fake.after_answer.clear()
        await asyncio.to_thread(postgres.start)

        orders = fake.versions("orders")
        first = held(setup.url, "fengxiang", list(orders))
        assert len(first) == SETTINGS.page_size
        assert psql(setup.url, "select count(*) from sync_cursors") == "1"
        result = await sync_source(pool, PULLERS["fengxiang"], fake.base_url, settings=patient)
        assert (result.accepted, result.duplicates) == (len(orders) - len(first), 0)
        assert held(setup.url, "fengxiang", list(orders)) == orders
    finally:
        stopped.set()
        postgres.start()
        await pool.close()
        fake.stop()
