"""One delivery in: native bytes → adapter → store, in one transaction.

Pushes (``POST /ingest/{code}``) and pull pages (``hub sync``) both come
through ``ingest``. A delivery is one transaction: its accepted records, its
batch row, the dead letters of its rejected records and the source's counters
are stored together or not at all, so that a platform's re-send after a
failure lands cleanly.

A record the database refuses (a data error the adapters' checks did not
foresee) is never the batch's fault: the records it refuses are found by
bisection, each in a savepoint that is rolled back, and rejected; the rest
of the delivery is then stored. A transaction the database gives up for
another's sake (a deadlock, a serialization failure) is run again here, a few
times. Only an unreachable or failing database fails a delivery.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import uuid

import asyncpg

import adapters
from hub.errors import AdapterError, DatabaseError, IngestError
from hub.models import Batch, Parsed, Rejection
from hub.observability import metrics
from hub.places import load_places
from hub.privacy import safe_message, scrub_text, scrub_value
from hub.report import RecordError, Report
from hub.security import audit
from hub.sql import deadletters as dq
from hub.sql import write as q
from hub.store_write import apply_batch

__all__ = ["RecordError", "Report", "ingest", "keep_bad_body", "store_rejections"]

log = logging.getLogger("hub.ingest")

VIAS = ("push", "pull", "replay", "seed")


async def ingest(pool: asyncpg.Pool, source_code: str, body: bytes, *, via: str = "push") -> Report:
    """Translate and store one native body of ``source_code``.

    Raises ``IngestError`` (status 404) for a code the hub has no adapter for,
    ``AdapterError`` for a body that is not the platform's envelope (after
    keeping it, scrubbed, as a dead letter), and ``DatabaseError`` when the
    store fails (nothing of the delivery is then kept).
    """
    if via not in VIAS:
        raise ValueError(f"via must be one of {VIAS}")
    platform = adapters.REGISTRY.get(source_code)
    if platform is None:
        raise IngestError(f"no source is called {source_code!r}", 404)
    batch_id = uuid.uuid4()
    try:
        # In a thread: a large body (a workbook of 50,000 rows) must not stall
        # the worker's other requests while it is translated.
        batch = await asyncio.to_thread(platform.parse, body, load_places())
    except AdapterError as exc:
        reason = safe_message(str(exc))
        try:
            async with pool.acquire() as conn, conn.transaction():
                await keep_bad_body(conn, source_code, body, reason, batch_id,
                                    text=platform.text_bodies)
        except (asyncpg.PostgresError, asyncpg.InterfaceError) as db_exc:
            raise _database_error(db_exc) from db_exc
        log.info("%s: unreadable %s body kept as a dead letter (%s)", source_code, via, reason)
        metrics.ingest_delivery(source_code, via, "unreadable")
        raise
    try:
        report = await _store_retrying(pool, batch, via=via, batch_id=batch_id)
    except (asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        metrics.ingest_delivery(source_code, via, "failed")
        await _note_failure(pool, source_code, exc)
        raise _database_error(exc) from exc
    metrics.ingest_delivery(source_code, via, "stored")
    metrics.ingest_records(source_code, "accepted", report.accepted)
    metrics.ingest_records(source_code, "duplicate", report.duplicates)
    metrics.ingest_records(source_code, "rejected", report.rejected)
    log.debug(
        "%s: %s batch %s: %d received, %d accepted, %d duplicates, %d rejected",
        source_code, via, batch_id, report.received, report.accepted, report.duplicates,
        report.rejected,
    )
    return report


# Errors that name a value, not the database's state: some record's fault.
_DATA_ERRORS = (
    asyncpg.DataError,  # 22…: NUL, bad encoding, out of range …
    asyncpg.IntegrityConstraintViolationError,  # 23…: a check a value fails
    asyncpg.ProgramLimitExceededError,  # 54…: an index row too large …
)


# Errors where the database gave this transaction up for another's sake (a
# deadlock's victim, 40P01; a serialization failure, 40001): nothing of it was
# kept, and the same delivery again can succeed. The hub tries again itself,
# a few times and after a short random pause, rather than answer 503 and make
# the platform re-send the body.
_RETRIED = (asyncpg.DeadlockDetectedError, asyncpg.SerializationError)
STORE_ATTEMPTS = 5
_PAUSE_SECONDS = 0.05


async def _store_retrying(
    pool: asyncpg.Pool, batch: Batch, *, via: str, batch_id: uuid.UUID
) -> Report:
    for attempt in range(1, STORE_ATTEMPTS + 1):
        try:
            return await _store_refusals_apart(pool, batch, via=via, batch_id=batch_id)
        except _RETRIED as exc:
            if attempt == STORE_ATTEMPTS:
                raise
            log.info("%s: %s batch %s gave way to another transaction (%s); attempt %d of %d",
                     batch.source, via, batch_id, _describe(exc), attempt + 1, STORE_ATTEMPTS)
            await asyncio.sleep(random.uniform(0.5, 1.5) * _PAUSE_SECONDS * attempt)
    raise AssertionError("unreachable")


async def _store_refusals_apart(
    pool: asyncpg.Pool, batch: Batch, *, via: str, batch_id: uuid.UUID
) -> Report:
    try:
        return await _store(pool, batch, via=via, batch_id=batch_id)
    except _DATA_ERRORS as exc:
        log.warning("%s: the database refused a record of %s batch %s (%s): finding it",
                    batch.source, via, batch_id, _describe(exc))
        return await _store(pool, batch, via=via, batch_id=batch_id, isolate=True)


async def _store(
    pool: asyncpg.Pool, batch: Batch, *, via: str, batch_id: uuid.UUID, isolate: bool = False
) -> Report:
    async with pool.acquire() as conn, conn.transaction():
        if isolate:
            batch = await _without_refused(conn, batch)
        report = await apply_batch(conn, batch, via=via, batch_id=batch_id)
        await record_batch(conn, batch.source, report, via=via)
    return report


async def _without_refused(conn: asyncpg.Connection, batch: Batch) -> Batch:
    """``batch`` with each record the database refuses turned into a rejection."""
    parsed = [item for item in batch.items if isinstance(item, Parsed)]
    refused: dict[int, str] = {}
    pending = [parsed]
    while pending:
        part = pending.pop()
        state = await _refusal(conn, batch.source, part)
        if state is None:
            continue
        if len(part) == 1:
            refused[part[0].index] = state
            continue
        half = len(part) // 2
        pending += [part[:half], part[half:]]
    items = [
        Rejection(item.index, item.record.meta.source_id, "record",
                  f"the database refused a value of this record ({refused[item.index]})", None)
        if isinstance(item, Parsed) and item.index in refused else item
        for item in batch.items
    ]
    return Batch(batch.source, tuple(items))


async def _refusal(conn: asyncpg.Connection, source: str, part: list[Parsed]) -> str | None:
    """Why the database refuses to store ``part`` (tried, then rolled back), or None."""
    probe = conn.transaction()
    await probe.start()
    try:
        await apply_batch(conn, Batch(source, tuple(part)), via="probe", batch_id=uuid.uuid4())
    except _DATA_ERRORS as exc:
        return _describe(exc)
    finally:
        await probe.rollback()
    return None


async def record_batch(
    conn: asyncpg.Connection, source_code: str, report: Report, *, via: str
) -> None:
    """The batch row, its audit row, its dead letters and the source's counters
    (in the delivery's transaction)."""
    await conn.execute(
        q.INSERT_BATCH, report.batch_id, source_code, via, report.received, report.accepted,
        report.duplicates, report.rejected,
    )
    await audit.record_batch(conn, source_code, report, via)
    if via == "replay":
        # Not an arrival, and its rejections were counted when they arrived.
        await conn.execute(q.RECORD_REPLAY, source_code, report.accepted)
        return
    if report.rejections:
        await store_rejections(conn, source_code, report.batch_id, report.rejections)
    all_rejected = report.received > 0 and report.rejected == report.received
    await conn.execute(q.RECORD_DELIVERY, source_code, report.accepted, report.rejected, all_rejected)


async def store_rejections(
    conn: asyncpg.Connection,
    source_code: str,
    batch_id: uuid.UUID,
    rejections: tuple[Rejection, ...],
) -> list[int]:
    """Keep the rejected records, raw and scrubbed; returns the letters' ids.

    The raw form is the adapter's, personal data already removed (scrubbed
    once more here). The store's own rejections (outside the scope, unknown
    region) have none: only the adapter knows which of a native record's
    fields are personal, so the letter keeps the reason, index and id only.
    """
    raws = [None if r.raw is None else json.dumps(scrub_value(r.raw), ensure_ascii=False)
            for r in rejections]
    rows = await conn.fetch(
        dq.INSERT_DEAD_LETTERS, source_code, batch_id,
        [r.index for r in rejections],
        [None if r.source_id is None else safe_message(r.source_id) for r in rejections],
        [safe_message(r.field) for r in rejections],
        [safe_message(r.message) for r in rejections],
        raws,
        [None] * len(rejections),
    )
    return [r["id"] for r in rows]


async def keep_bad_body(
    conn: asyncpg.Connection, source_code: str, body: bytes, reason: str, batch_id: uuid.UUID,
    *, text: bool = True,
) -> int:
    """Keep a body that is not the platform's envelope, as scrubbed text.

    A platform whose bodies are not text (a workbook) keeps the reason only:
    a scrubber cannot see into compressed bytes, and they may hold personal data.
    """
    kept = scrub_text(body.decode("utf-8", errors="replace")) if text else None
    rows = await conn.fetch(
        dq.INSERT_DEAD_LETTERS, source_code, batch_id, [None], [None], ["body"], [reason],
        [None], [kept],
    )
    await conn.execute(q.RECORD_BAD_DELIVERY, source_code, reason)
    letter: int = rows[0]["id"]
    return letter


async def _note_failure(pool: asyncpg.Pool, source_code: str, exc: BaseException) -> None:
    try:
        async with pool.acquire() as conn:
            await conn.execute(q.RECORD_FAILURE, source_code, _describe(exc))
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, DatabaseError):
        log.warning("%s: could not record a failed delivery", source_code)


def _database_error(exc: BaseException) -> DatabaseError:
    return DatabaseError(f"the hub could not store the delivery ({_describe(exc)})")


def _describe(exc: BaseException) -> str:
    # Never the server's message: it can quote a row's values.
    state = getattr(exc, "sqlstate", None)
    return f"database error {state}" if state else f"database error ({type(exc).__name__})"

