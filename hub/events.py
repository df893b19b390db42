"""Live wish events (实时心愿墙): one listener per server process, many subscribers.

Migration 0016's triggers append a row to ``wish_events`` for every change
of a wish that the wall shows (submitted, claimed, fulfilled, cancelled,
escalated, dispatched), whoever made it and in whichever process or host,
and notify ``hub_wish_events`` once per transaction, at commit. Here one
connection per process LISTENs; on a notification (or every
``POLL_SECONDS``, should one be lost with a connection) it reads the events
it has not seen, loads their wishes with one statement, and hands each to
the subscribers whose filter accepts it. Behind a transaction-pooling
PgBouncer the listening connection is a direct one (``DATABASE_DIRECT_URL``);
without one the process reads every ``POLL_SECONDS_UNHEARD`` instead.

Nothing is missed for a transaction that took its event ids early and
committed late: each read returns the snapshot's xmin horizon, and the next
read takes every event of a transaction at or after it (those before it had
ended, so the previous read saw them), skipping the ids already seen.

A subscriber that falls ``queue_size`` events behind (a client that does not
read) is ended with an error rather than holding memory without bound.

The same connection listens for the data version (``hub.data_version``)
once ``watch_versions`` is called (the response cache, the replicas): one
listening connection per process, whatever needs notifications.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import asyncpg

from hub import data_version, db, leases, read
from hub.errors import DatabaseError, QueryError
from hub.models import Wish, WishEvent, WishEventKind
from hub.sql import events as q

log = logging.getLogger("hub.events")

POLL_SECONDS = 5.0
POLL_SECONDS_UNHEARD = 1.0  # no LISTEN possible (PgBouncer, no direct URL)
RETENTION_SECONDS = 600.0  # events older than this are deleted (hub serve)
DEFAULT_QUEUE_SIZE = 1000
_RETRY_SECONDS = (0.2, 0.5, 1.0, 2.0, 5.0)


# A listening connection, or the pool when the process polls.
_Reader: TypeAlias = asyncpg.Connection | asyncpg.Pool


@dataclass(eq=False)
class Subscriber:
    """One subscription's queue of events; ``accepts`` filters by wish."""

    accepts: Callable[[Wish], bool]
    limit: int
    queue: asyncio.Queue[WishEvent | None] = field(default_factory=asyncio.Queue)
    overflowed: bool = False

    def offer(self, event: WishEvent) -> None:
        if self.overflowed or not self.accepts(event.wish):
            return
        if self.queue.qsize() >= self.limit:
            self.overflowed = True
            self.queue.put_nowait(None)  # wakes the reader, which ends
            return
        self.queue.put_nowait(event)

    async def events(self) -> AsyncIterator[WishEvent]:
        async for batch in self.batches():
            for event in batch:
                yield event

    async def batches(self) -> AsyncIterator[list[WishEvent]]:
        """The events waiting, together (a push's arrive at once): their
        relations can then be loaded with one statement each."""
        while True:
            batch = [await self.queue.get()]
            while not self.queue.empty():
                batch.append(self.queue.get_nowait())
            events = [e for e in batch if e is not None]
            if events:
                yield events
            if len(events) < len(batch):
                raise QueryError(
                    f"this subscription fell more than {self.limit} events behind and was "
                    "ended; subscribe again"
                )


class WishEvents:
    """The process's listener and its subscribers. Started by the first
    subscription, stopped by ``close`` (the application's shutdown)."""

    def __init__(self, pool: asyncpg.Pool, *, queue_size: int = DEFAULT_QUEUE_SIZE) -> None:
        self._pool = pool
        self._queue_size = queue_size
        self._subscribers: set[Subscriber] = set()
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._ready = asyncio.Event()
        self._horizon: str | None = None
        self._seen: dict[int, int] = {}  # event row id -> its transaction's xid
        self._versions: data_version.DataVersion | None = None

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    @contextlib.asynccontextmanager
    async def subscribe(self, accepts: Callable[[Wish], bool]) -> AsyncIterator[Subscriber]:
        """A subscriber receiving the events committed from now on."""
        subscriber = Subscriber(accepts, self._queue_size)
        self._subscribers.add(subscriber)
        self._start_listening()
        try:
            await self._ready.wait()
            yield subscriber
        finally:
            self._subscribers.discard(subscriber)

    def watch_versions(self, versions: data_version.DataVersion) -> None:
        """Tell ``versions`` the data version's notifications, from now on."""
        self._versions = versions
        self._start_listening()

    def _start_listening(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="wish-events")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    # ------------------------------------------------------------ the listener

    def _notified(self, *_: Any) -> None:
        self._wake.set()

    def _version_notified(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        if self._versions is not None:
            self._versions.heard(payload)

    def _lost(self, _conn: Any) -> None:
        """The listening connection closed (the server ended it, the network
        dropped it): notifications stop now, not at the next poll, so the data
        version is no longer trusted from them (requests read it) until the
        listener has reconnected and read it again."""
        if self._versions is not None:
            self._versions.listening_from(None)
        self._wake.set()  # the loop's next read fails and it reconnects

    async def _run(self) -> None:
        failures = 0
        while True:
            try:
                async with db.session(self._pool) as conn:
                    reader: _Reader = self._pool if conn is None else conn
                    if conn is not None:
                        conn.add_termination_listener(self._lost)
                        await conn.add_listener(q.CHANNEL, self._notified)
                        await conn.add_listener(data_version.CHANNEL, self._version_notified)
                    try:
                        await self._started(reader)
                        if conn is not None and self._versions is not None:
                            # Listening from here on: what committed before is read.
                            self._versions.listening_from(await data_version.read(conn))
                        failures = 0
                        await self._listen(
                            reader, POLL_SECONDS if conn is not None else POLL_SECONDS_UNHEARD)
                    finally:
                        if self._versions is not None:
                            self._versions.listening_from(None)
                        if conn is not None:
                            conn.remove_termination_listener(self._lost)
                            with contextlib.suppress(Exception):
                                await conn.remove_listener(q.CHANNEL, self._notified)
                            with contextlib.suppress(Exception):
                                await conn.remove_listener(data_version.CHANNEL,
                                                           self._version_notified)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                wait = _RETRY_SECONDS[min(failures, len(_RETRY_SECONDS) - 1)]
                failures += 1
                log.warning("wish events: listening failed (%s); again in %.1f s",
                            type(exc).__name__, wait)
                await asyncio.sleep(wait)

    async def _started(self, conn: _Reader) -> None:
        """From now on (at the first start): what is visible already counts as seen."""
        if self._horizon is None:
            horizon = await conn.fetchval(q.HORIZON)
            rows = await conn.fetch(q.EVENTS_SINCE, horizon)
            self._remember(rows)
        self._ready.set()

    async def _listen(self, conn: _Reader, every: float) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), every)
            self._wake.clear()
            await self._read(conn)

    async def _read(self, conn: _Reader) -> None:
        rows = await conn.fetch(q.EVENTS_SINCE, self._horizon)
        fresh = self._remember(rows)
        if not fresh or not self._subscribers:
            return
        ids = list({w for r in fresh for w in r["wish_ids"]})
        wishes = {w.id: w for w in map(read.wish_from_row, await conn.fetch(q.EVENT_WISHES, ids))}
        for row in fresh:
            for wish_id, kinds in zip(row["wish_ids"], row["kinds"], strict=True):
                wish = wishes.get(wish_id)
                if wish is None:  # deleted or hidden since
                    continue
                for kind in kinds.split(","):
                    event = WishEvent(WishEventKind(kind), row["at"], wish)
                    for subscriber in list(self._subscribers):
                        subscriber.offer(event)

    def _remember(self, rows: list[asyncpg.Record]) -> list[asyncpg.Record]:
        """The rows not seen before; the horizon moves on, older ids are forgotten."""
        horizon = rows[0]["horizon"]
        fresh = [r for r in rows if r["id"] is not None and r["id"] not in self._seen]
        for r in fresh:
            self._seen[r["id"]] = int(r["xid"])
        low = int(horizon)
        self._seen = {k: x for k, x in self._seen.items() if x >= low}
        self._horizon = horizon
        return fresh


def of_app(app: Any, pool: asyncpg.Pool) -> WishEvents:
    """The application's ``WishEvents`` (one per process), made on first use."""
    found = getattr(app.state, "wish_events", None)
    if not isinstance(found, WishEvents):
        found = app.state.wish_events = WishEvents(pool)
    return found


async def close_app(app: Any) -> None:
    found = getattr(app.state, "wish_events", None)
    if isinstance(found, WishEvents):
        await found.close()


async def prune(pool: asyncpg.Pool, older_than: float = RETENTION_SECONDS) -> int:
    """Delete the events older than ``older_than`` seconds; how many went."""
    status = await pool.execute(q.PRUNE_EVENTS, older_than)
    return int(status.split()[-1])


PRUNE_LEASE = "prune wish events"


async def keep_pruned(pool: asyncpg.Pool, *, interval: float = 60.0) -> None:
    """``prune`` every ``interval`` seconds in one of the processes sharing the
    database (a lease, ``hub.leases``), for as long as the server runs."""
    while True:
        try:
            if await leases.claim_period(pool, PRUNE_LEASE, interval):
                await prune(pool)
        except (asyncpg.PostgresError, OSError, DatabaseError) as exc:
            log.warning("wish events: pruning failed (%s)", type(exc).__name__)
        await asyncio.sleep(interval)
