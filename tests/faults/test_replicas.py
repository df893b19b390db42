"""Read replicas (hub.replicas) with a real streaming replica of the fault
tests' PostgreSQL: reads served there, read-your-writes, and the fallback
to the primary when the replica stops."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import httpx
import pytest

from tests.faults._replica import Replica
from tests.faults._support import (
    Hub,
    Postgres,
    Setup,
    psql,
    push,
    shengjing_wishes,
)

COUNT = "{ wishes(first: 1) { totalCount } }"
# Replay lag and checks fast enough for a test of seconds; every query runs.
EXTRA = "[cache]\nresponses = false\n[replicas]\ncheck_seconds = 0.1\nmax_lag_seconds = 1.5\n"


@pytest.fixture
def replica(postgres: Postgres, setup: Setup) -> Iterator[Replica]:
    made = Replica(postgres)  # made by the test, while the hub starts
    try:
        yield made
    finally:
        made.remove()


def _database(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def _total(client: httpx.Client, hub: Hub, headers: dict[str, str] | None = None) -> int:
    r = client.post(f"{hub.base}/graphql", json={"query": COUNT}, headers=headers)
    assert r.status_code == 200 and "errors" not in r.json(), r.text
    total: int = r.json()["data"]["wishes"]["totalCount"]
    return total


def _reads(client: httpx.Client, hub: Hub) -> dict[str, float]:
    text = client.get(f"{hub.base}/metrics").text
    return {m[0]: float(m[1]) for m in
            re.findall(r'^hub_reads_total\{database="(\w+)"\} ([0-9.e+]+)$', text, re.M)}


def _until(check: Callable[[], bool], seconds: float) -> float:
    """Seconds until ``check`` holds (polled); fails after ``seconds``."""
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < seconds
        time.sleep(0.05)
    return time.monotonic() - start


def test_reads_go_to_the_replica_with_read_your_writes_and_fall_back_when_it_stops(
    setup: Setup, replica: Replica, monkeypatch: pytest.MonkeyPatch,
) -> None:
    name = _database(setup.url)
    setup.config.write_text(setup.config.read_text() + EXTRA)
    monkeypatch.setenv("DATABASE_REPLICA_URLS", replica.url(name))
    hub = Hub(setup.url, setup.config)
    # Two clients: one pushes (from 127.0.0.1), one only reads (from 127.0.0.2).
    reader_transport = httpx.HTTPTransport(local_address="127.0.0.2")
    with _stopping(hub):
        with ThreadPoolExecutor(1) as background:
            starting = background.submit(hub.start)  # seconds each: together
            replica.make()
            starting.result()
        with (httpx.Client(timeout=30) as writer,
              httpx.Client(timeout=30, transport=reader_transport) as reader):
            first = push(writer, hub, "shengjing", shengjing_wishes(["SJ-R-0", "SJ-R-1"]))
            assert first.status_code == 200
            version = int(first.headers["Hub-Data-Version"])
            replica.wait_for(name, f"select version >= {version} from data_version", "t")
            _until(lambda: _total(writer, hub) == 2 and _reads(writer, hub).get("replica", 0) > 0, 5)
            before = _reads(reader, hub).get("replica", 0)
            for _ in range(10):
                assert _total(reader, hub) == 2
            assert _reads(reader, hub)["replica"] >= before + 10

            # Replay paused: the replica lacks the next push.
            psql(replica.url(name), "select pg_wal_replay_pause()")
            second = push(writer, hub, "shengjing", shengjing_wishes(["SJ-R-2"]))
            assert second.status_code == 200
            told = second.headers["Hub-Data-Version"]
            assert int(told) > version
            assert _total(writer, hub) == 3  # its writer reads it (the primary answers)
            assert _total(reader, hub) == 2  # another client: the replica, a moment behind
            assert _total(reader, hub, {"Hub-Min-Version": told}) == 3  # told the version: primary
            # Behind for longer than max_lag_seconds: skipped for everyone.
            waited = _until(lambda: _total(reader, hub) == 3, 10)
            assert waited > 1.0
            psql(replica.url(name), "select pg_wal_replay_resume()")
            replica.wait_for(name, "select count(*) from wishes", "3")

            # The replica stops: every read is answered, by the primary.
            replica.stop()
            primary_reads = _reads(reader, hub).get("primary", 0)
            for _ in range(10):
                assert _total(reader, hub) == 3
            assert _reads(reader, hub)["primary"] >= primary_reads + 10
            # Back: reads return to it once a check sees it.
            replica.start()
            before = _reads(reader, hub).get("replica", 0)
            _until(lambda: _total(reader, hub) == 3 and _reads(reader, hub)["replica"] > before, 15)


@contextlib.contextmanager
def _stopping(hub: Hub) -> Iterator[Hub]:
    try:
        yield hub
    finally:
        hub.stop()
