"""``[cache] confirm_version = false``: the response cache trusts the data
version its process's notifications tell (``hub.response_cache``, docs/operators.md
"How stale"), with the application's lifespan running its listening connection."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
import httpx
import pytest
from starlette.applications import Starlette

from hub import db, events
from hub.app import create_app
from hub.config import CacheSettings
from hub.data_version import DataVersion
from tests.http.conftest import OPEN_CONFIG, push_items, wenhuayun_items
from tests.http.test_response_cache import total_count

COUNT = "{ wishes(first: 1) { totalCount } }"
NOTIFIED = dataclasses.replace(OPEN_CONFIG, cache=CacheSettings(confirm_version=False))
# asyncpg's own type introspection, once per connection and type.
_INTROSPECTION = ("WITH RECURSIVE typeinfo_tree", "SELECT current_setting('jit')",
                  "SELECT set_config('jit'", "SELECT t.oid")


class _Statements:
    """Every statement the app's pool runs, by backend: the requests' apart
    from the listening connection's (which runs LISTEN)."""

    def __init__(self) -> None:
        self.seen: list[tuple[int, str]] = []

    def logger(self, pid: int) -> Callable[[Any], None]:
        def log(record: Any) -> None:
            query = " ".join(record.query.split())
            if not query.startswith(_INTROSPECTION):
                self.seen.append((pid, query))
        return log

    def listener(self) -> int:
        """The backend of the current listening connection (the last to LISTEN)."""
        return [pid for pid, q in self.seen if q.startswith("LISTEN")][-1]

    def of_requests(self) -> list[str]:
        listening = {pid for pid, q in self.seen if q.startswith("LISTEN")}
        return [q for pid, q in self.seen if pid not in listening]

    def reset(self) -> None:
        self.seen = [(pid, q) for pid, q in self.seen if q.startswith("LISTEN")]


@contextlib.asynccontextmanager
async def _notified_app(database_url: str) -> AsyncIterator[
        tuple[httpx.AsyncClient, _Statements, DataVersion]]:
    """The app with its lifespan (the listener) on a logged pool of its own."""
    log = _Statements()

    async def init(conn: asyncpg.Connection) -> None:
        conn.add_query_logger(log.logger(conn.get_server_pid()))

    pool = await db.create_pool(database_url, min_size=1, max_size=4, init=init)
    app: Starlette = create_app(config=NOTIFIED, pool=pool)
    try:
        async with app.router.lifespan_context(app):
            versions: DataVersion = app.state.data_version
            await _until(lambda: versions.listening, "the listener connected")
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as c:
                yield c, log, versions
    finally:
        await pool.close()


async def _until(condition: Callable[[], bool], what: str, within: float = 5.0) -> float:
    """Seconds until ``condition`` held (polled); fails after ``within``."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > within:
            pytest.fail(f"not within {within} s: {what}")
        await asyncio.sleep(0.005)
    return time.monotonic() - started


async def test_a_hit_costs_no_statement_and_a_push_is_answered_once_notified(
    database_url: str, clean_db: asyncpg.Pool,
) -> None:
    await push_items(clean_db, wenhuayun_items(wishes=3))
    async with _notified_app(database_url) as (client, log, versions):
        assert await total_count(client, COUNT) == 3
        log.reset()
        for _ in range(5):
            assert await total_count(client, COUNT) == 3
        assert log.of_requests() == []  # not even the data version's read

        # A push in another process (here: another pool): its NOTIFY reaches
        # the listener, the entries go, and the next answer has the push.
        before = versions.latest
        await push_items(clean_db, wenhuayun_items(wishes=5))
        await _until(lambda: versions.latest != before, "the push's notification arrived", 2.0)
        assert await total_count(client, COUNT) == 5
        log.reset()
        assert await total_count(client, COUNT) == 5
        assert log.of_requests() == []


async def test_while_the_listening_connection_is_lost_each_request_reads_the_version(
    database_url: str, clean_db: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The listener reconnects after 1 s here (0.2 s as shipped): long enough to
    # look; and it polls once a minute (5 s as shipped), so only the connection's
    # closing can tell it the connection is gone within the test's bound.
    monkeypatch.setattr(events, "_RETRY_SECONDS", (1.0,))
    monkeypatch.setattr(events, "POLL_SECONDS", 60.0)
    await push_items(clean_db, wenhuayun_items(wishes=3))
    async with _notified_app(database_url) as (client, log, versions):
        assert await total_count(client, COUNT) == 3
        lost = log.listener()
        await clean_db.execute("select pg_terminate_backend($1)", lost)
        # Noticed when the connection closes, not at the listener's next poll.
        await _until(lambda: not versions.listening, "the loss was noticed", 2.0)

        # No notification can arrive now: each request reads the version (as
        # with confirm_version = true), so a write made meanwhile is answered.
        log.reset()
        assert await total_count(client, COUNT) == 3  # from the cache, after reading the version
        assert log.of_requests() == ["select version from data_version"]
        await clean_db.execute("update wishes set deleted = true where id = "
                               "(select min(id) from wishes)")
        assert await total_count(client, COUNT) == 2

        # Reconnected (having read the version): hits cost nothing again.
        await _until(lambda: versions.listening, "the listener reconnected", 5.0)
        assert log.listener() != lost
        assert await total_count(client, COUNT) == 2
        log.reset()
        assert await total_count(client, COUNT) == 2
        assert log.of_requests() == []
