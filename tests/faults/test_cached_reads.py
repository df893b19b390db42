"""Two ``hub serve`` processes on one PostgreSQL, response caches on: an answer
is never staler than the last push committed before the request was sent."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.faults._support import Hub, Setup, push, query, shengjing_wishes

COUNT = "{ wishes(first: 1) { totalCount } }"


def _total(client: httpx.Client, hub: Hub) -> int:
    r = query(client, hub, COUNT)
    assert r.status_code == 200 and "errors" not in r.json(), r.text
    total: int = r.json()["data"]["wishes"]["totalCount"]
    return total


def _hits(client: httpx.Client, hub: Hub) -> float:
    text = client.get(f"{hub.base}/metrics").text
    found = re.search(r'^hub_response_cache_total\{outcome="hit"\} ([0-9.e+]+)$', text, re.M)
    return float(found.group(1)) if found else 0.0


@contextlib.contextmanager
def _running(*hubs: Hub) -> Iterator[None]:
    """Started together (each takes seconds), stopped at the end."""
    try:
        with ThreadPoolExecutor(len(hubs)) as pool:
            list(pool.map(Hub.start, hubs))
        yield
    finally:
        for hub in hubs:
            hub.stop()


def test_a_push_to_one_process_is_in_the_next_answer_of_another(setup: Setup) -> None:
    writer, reader = Hub(setup.url, setup.config), Hub(setup.url, setup.config)
    with _running(writer, reader), httpx.Client(timeout=30) as client:
        assert push(client, writer, "shengjing", shengjing_wishes(["SJ-C-0"])).status_code == 200
        before = _total(client, reader)
        for _ in range(3):  # the reader's cache holds this answer now
            assert _total(client, reader) == before
        hits = _hits(client, reader)
        assert hits >= 3
        for i in range(1, 11):
            r = push(client, writer, "shengjing", shengjing_wishes([f"SJ-C-{i}"]))
            assert r.status_code == 200, r.text
            # Right after the push returned, in the other process: the new wish.
            assert _total(client, reader) == before + i
            assert _total(client, reader) == before + i  # and again, from its cache
        assert _hits(client, reader) >= hits + 10
