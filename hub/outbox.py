"""Callbacks to the platforms: the outbox and its delivery worker.

The contract is ``shared/platforms/callbacks.md``. An event is written by
``enqueue`` in the transaction of the change it reports (a change that rolled
back is never told), one row per receiving source. ``deliver_due`` sends what
is due; ``keep_delivering`` runs it inside ``hub serve``, in every process:

* once across processes: a row is *leased* (``leased_until``) by one process
  before it is sent, in a short transaction of its own; a lease that outlives
  its process (a crash) expires and the row is sent again (at least once);
* in order per wish and receiver: only the head of a (wish, receiver) queue
  (its oldest PENDING row) can be leased, so a later event waits until the
  earlier one is DELIVERED or FAILED;
* retries: exponential backoff from ``first_retry_seconds`` (10 s) to
  ``max_retry_seconds`` (one hour), FAILED when the first attempt is
  ``give_up_hours`` (24) old.

Every request is signed with the receiving source's current secret
(``X-Hub-Signature-256``) and carries the event's id (``X-Hub-Delivery``).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import hmac
import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import asyncpg
import httpx
import orjson

from hub import ids
from hub.config import CallbacksSettings, Config
from hub.errors import ConfigError
from hub.sql import wishlist as q

log = logging.getLogger("hub.outbox")

ESCALATED = "wish.escalated"
DISPATCHED = "wish.dispatched"
DISPATCH_WITHDRAWN = "wish.dispatch_withdrawn"

# As shown: NO_RECEIVER is a PENDING event of a source without a callback_url.
STATES = ("PENDING", "NO_RECEIVER", "DELIVERED", "FAILED")
_BEIJING = dt.timezone(dt.timedelta(hours=8))
_ERROR_CHARS = 300


@dataclass(frozen=True, slots=True)
class WishRef:
    """What an event says of its wish: no content, no personal data."""

    id: int
    source_pk: int
    source_code: str
    source_id: str


@dataclass(frozen=True, slots=True)
class TeamRef:
    id: int
    source_pk: int
    source_code: str
    source_id: str
    name: str


@dataclass(frozen=True, slots=True)
class Receiver:
    code: str
    url: str
    secret: str


def check_config(config: Config) -> None:
    """Every source's ``callback_url`` has a secret to sign with (checked at start)."""
    for code, source in config.sources.items():
        if source.callback_url and not source.secret:
            raise ConfigError(f"[sources.{code}] has a callback_url but no secret to sign with")


async def receivers_from(conn: asyncpg.Pool | asyncpg.Connection, config: Config) -> dict[int, Receiver]:
    """The sources that have a ``callback_url``, by their id."""
    found: dict[int, Receiver] = {}
    rows = await conn.fetch("select id, code from sources")
    for row in rows:
        source = config.sources.get(row["code"])
        if source is None or not source.callback_url:
            continue
        if not source.secret:
            raise ConfigError(
                f"[sources.{row['code']}] has a callback_url but no secret to sign with")
        found[row["id"]] = Receiver(row["code"], source.callback_url, source.secret)
    return found


# ---------------------------------------------------------------- writing events


@dataclass(frozen=True, slots=True)
class Event:
    """One event as written: its id, type, wish, receiving sources and exact body."""

    id: uuid.UUID
    type: str
    wish_id: int
    receivers: tuple[int, ...]
    body: str


def event(
    event_type: str,
    wish: WishRef,
    fields: Mapping[str, object],
    *,
    team: TeamRef | None = None,
) -> Event:
    """The event for the wish's source (and the team's, when another one)."""
    event_id = uuid.uuid4()
    body: dict[str, object] = {
        "eventId": str(event_id),
        "type": event_type,
        "occurredAt": dt.datetime.now(_BEIJING).isoformat(timespec="seconds"),
        "wish": {
            "source": wish.source_code,
            "sourceId": wish.source_id,
            "id": ids.encode_id("Wish", wish.id),
        },
    }
    receivers = [wish.source_pk]
    if team is not None:
        body["team"] = {"source": team.source_code, "sourceId": team.source_id, "name": team.name}
        if team.source_pk != wish.source_pk:
            receivers.append(team.source_pk)
    body.update(fields)
    return Event(event_id, event_type, wish.id, tuple(receivers), orjson.dumps(body).decode())


async def write(conn: asyncpg.Connection, events: Sequence[Event]) -> None:
    """Write events with one statement. Call it inside the transaction of the
    change they report: they commit (or roll back) with it."""
    rows = [(e.id, e.type, e.wish_id, r, e.body) for e in events for r in e.receivers]
    if rows:
        await conn.execute(q.INSERT_EVENTS, *map(list, zip(*rows, strict=True)))


async def enqueue(
    conn: asyncpg.Connection,
    event_type: str,
    wish: WishRef,
    fields: Mapping[str, object],
    *,
    team: TeamRef | None = None,
) -> uuid.UUID:
    """Write one event (see ``event``, ``write``); returns its id."""
    one = event(event_type, wish, fields, team=team)
    await write(conn, [one])
    return one.id


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# ---------------------------------------------------------------- delivering


async def deliver_due(
    pool: asyncpg.Pool,
    receivers: Mapping[int, Receiver],
    settings: CallbacksSettings,
    client: httpx.AsyncClient,
) -> int:
    """One pass: lease the due heads of the queues of the receivers this process
    knows (those with a callback_url), at most ``concurrency``, and send them at
    once (each is sent well within its lease). Returns how many were tried."""
    if not receivers:
        return 0
    rows = await pool.fetch(
        q.LEASE_DUE, settings.lease_seconds, settings.concurrency, list(receivers))
    if not rows:
        return 0
    pending = {r["id"] for r in rows}

    async def one(row: asyncpg.Record) -> None:
        await _deliver(pool, row, receivers.get(row["receiver"]), settings, client)
        pending.discard(row["id"])

    try:
        await asyncio.gather(*(one(r) for r in rows))
    finally:
        if pending:  # cancelled mid-way (shutdown): let another process send them now
            with contextlib.suppress(Exception):
                await asyncio.shield(pool.execute(q.RELEASE_LEASE, list(pending)))
    return len(rows)


async def _deliver(
    pool: asyncpg.Pool,
    row: asyncpg.Record,
    receiver: Receiver | None,
    settings: CallbacksSettings,
    client: httpx.AsyncClient,
) -> None:
    assert receiver is not None  # only configured receivers' events are leased
    body = row["body"].encode()
    headers = {
        "Content-Type": "application/json",
        "X-Hub-Event": row["type"],
        "X-Hub-Delivery": str(row["event_id"]),
        "X-Hub-Signature-256": signature(receiver.secret, body),
    }
    error: str | None = None
    try:
        response = await client.post(
            receiver.url, content=body, headers=headers, timeout=settings.timeout_seconds)
    except httpx.TimeoutException:
        error = f"no answer within {settings.timeout_seconds:g} s"
    except httpx.HTTPError as exc:
        error = f"cannot reach {receiver.code}'s callback_url ({type(exc).__name__})"
    else:
        if not 200 <= response.status_code < 300:
            error = f"HTTP {response.status_code}"
    if error is None:
        await pool.execute(q.MARK_DELIVERED, row["id"])
        log.info("outbox: %s %s delivered to %s", row["type"], row["event_id"], receiver.code)
        return
    wait = settings.backoff(row["attempts"] + 1)
    state = await pool.fetchval(
        q.MARK_FAILED_ATTEMPT, row["id"], wait, settings.give_up_hours * 3600, error[:_ERROR_CHARS])
    log.warning("outbox: %s %s to %s: %s (%s)", row["type"], row["event_id"], receiver.code,
                error, "gave up: FAILED" if state == "FAILED" else f"next try in {wait:g} s")


async def keep_delivering(pool: asyncpg.Pool, config: Config) -> None:
    """The worker of ``hub serve``: a pass every ``poll_seconds``, until cancelled."""
    settings = config.callbacks
    receivers: dict[int, Receiver] | None = None
    async with httpx.AsyncClient(follow_redirects=False) as client:
        while True:
            try:
                if receivers is None:  # the sources' ids, once the database answers
                    receivers = await receivers_from(pool, config)
                tried = await deliver_due(pool, receivers, settings, client)
            except (asyncpg.PostgresError, OSError) as exc:
                log.warning("outbox: pass failed (%s); trying again", type(exc).__name__)
                tried = 0
            except Exception:  # a bug must not stop every callback of this process
                log.exception("outbox: pass failed; trying again")
                tried = 0
            if tried == 0:
                await asyncio.sleep(settings.poll_seconds)


# ---------------------------------------------------------------- for operators


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    id: int
    event_id: uuid.UUID
    type: str
    wish_id: int
    receiver: str
    state: str
    created_at: dt.datetime
    attempts: int
    next_attempt_at: dt.datetime
    last_attempt_at: dt.datetime | None
    last_error: str | None
    delivered_at: dt.datetime | None


async def entries(
    conn: asyncpg.Pool | asyncpg.Connection, states: Sequence[str] | None, limit: int,
    receivers: Mapping[int, Receiver],
) -> list[OutboxEntry]:
    """The newest events first, in the given states (None: all); PENDING events
    of sources without a callback_url are NO_RECEIVER."""
    rows = await conn.fetch(
        q.LIST_EVENTS, None if states is None else list(states), limit, list(receivers))
    return [OutboxEntry(**dict(r)) for r in rows]


async def counts(
    conn: asyncpg.Pool | asyncpg.Connection, receivers: Mapping[int, Receiver]
) -> dict[str, int]:
    """Events by state as ``entries`` shows them."""
    rows = await conn.fetch(q.COUNT_BY_STATE, list(receivers))
    return {r["state"]: r["n"] for r in rows}


async def retry_failed(conn: asyncpg.Pool | asyncpg.Connection, event_ids: Sequence[int] | None) -> list[int]:
    """FAILED events due again at once, with a fresh retry window."""
    rows = await conn.fetch(q.RETRY_FAILED, None if event_ids is None else list(event_ids))
    return [r["id"] for r in rows]


async def drop_failed(conn: asyncpg.Pool | asyncpg.Connection, event_ids: Sequence[int]) -> list[int]:
    rows = await conn.fetch(q.DROP_FAILED, list(event_ids))
    return [r["id"] for r in rows]
