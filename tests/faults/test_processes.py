"""The hub's own processes: killed mid-push, and two of them writing the same records."""

from __future__ import annotations

import datetime as dt
import random
import threading
import time

import httpx

from tests.faults._support import Hub, Setup, held, psql, push, running, shengjing_wishes

LARGE = 6000


def _writing(url: str) -> bool:
    """A hub backend is inside a transaction that has written something."""
    return psql(url, "select count(*) from pg_stat_activity "
                     "where application_name = 'liaoning-hub' and backend_xid is not null") != "0"


def test_sigkill_during_a_large_push_keeps_all_or_nothing(setup: Setup) -> None:
    url: str = setup.url
    ids = [f"SJ-KILL-{i:05d}" for i in range(LARGE)]
    body = shengjing_wishes(ids)
    hub = Hub(url, setup.config)
    answers: list[object] = []

    def send() -> None:
        with httpx.Client(timeout=60) as client:
            try:
                answers.append(push(client, hub, "shengjing", body).status_code)
            except httpx.HTTPError as exc:
                answers.append(type(exc).__name__)

    with running(hub):
        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        deadline = time.monotonic() + 30
        while not _writing(url):
            assert time.monotonic() < deadline and sender.is_alive(), answers
            time.sleep(0.01)
        hub.kill()
        sender.join(30)
    assert answers and answers[0] != 200, answers  # the platform saw no success

    # PostgreSQL rolls the orphaned transaction back once it notices the client is gone.
    deadline = time.monotonic() + 30
    while psql(url, "select count(*) from pg_stat_activity "
                    "where application_name = 'liaoning-hub'") != "0":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    stored = len(held(url, "shengjing", ids))
    assert stored in (0, LARGE)  # all or nothing, never part of a delivery
    batches = int(psql(url, "select count(*) from batches"))
    assert batches == (1 if stored else 0)

    again = Hub(url, setup.config)
    with running(again), httpx.Client(timeout=60) as client:
        first = push(client, again, "shengjing", body).json()
        assert first["accepted"] + first["duplicates"] == LARGE
        assert push(client, again, "shengjing", body).json()["duplicates"] == LARGE
    assert len(held(url, "shengjing", ids)) == LARGE
    assert int(psql(url, "select records_accepted from sources where code = 'shengjing'")) == LARGE


def test_two_processes_receiving_the_same_records(setup: Setup) -> None:
    """Each version of 150 wishes is pushed to both hubs at once, in shuffled
    order, the ids of each batch in a different order: the newest version wins
    everywhere, and no platform sees anything but 200 (no deadlock, no 5xx)."""
    url: str = setup.url
    rng = random.Random(17)
    ids = [f"SJ-TWO-{i:04d}" for i in range(150)]
    versions = [f"2022-03-13 17:{minute:02d}:00" for minute in range(10, 18)]
    deliveries: list[bytes] = []
    for version in versions:
        for _ in range(2):
            order = ids[:]
            rng.shuffle(order)
            deliveries.append(shengjing_wishes(order, update=version))
    rng.shuffle(deliveries)
    a = Hub(url, setup.config)
    b = Hub(url, setup.config)
    statuses: list[int] = []
    lock = threading.Lock()

    def sender(hub: Hub, bodies: list[bytes]) -> None:
        with httpx.Client(timeout=60) as client:
            for body in bodies:
                status = push(client, hub, "shengjing", body).status_code
                with lock:
                    statuses.append(status)

    with running(a, b):
        threads = [
            threading.Thread(target=sender, args=(hub, deliveries[i::4]))
            for i, hub in enumerate((a, b, a, b))
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        logs = a.output() + b.output()
    assert statuses == [200] * len(deliveries), statuses
    newest = held(url, "shengjing", ids)
    assert len(newest) == len(ids) and len(set(newest.values())) == 1
    last = dt.datetime(2022, 3, 13, 17, 17, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert set(newest.values()) == {int(last.timestamp() * 1_000_000)}  # updateTime, in µs
    assert "deadlock" not in logs.lower()
