"""The dead-letter store: listing what was rejected, and replaying it after a fix.

A letter is either one rejected record (``raw``: the native record, personal
data removed) or a whole body that was not the platform's envelope
(``raw_text``, scrubbed). Replay runs letters through the *current* adapter:

* record letters of one source are wrapped, in id order, in that platform's
  own push envelope (``Platform.envelope``) and parsed as one body, so that the
  adapter translates them exactly as it would a push;
* a body letter is parsed as it was kept.

What lands (accepted, or a duplicate of what the hub already holds) marks its
letter resolved; what is still rejected keeps its letter with the new reason.
A body that now parses becomes a batch whose own rejected records become new
letters. Each chunk of letters is replayed in one transaction.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass

import asyncpg

import adapters
from hub.errors import AdapterError
from hub.ingest import record_batch, store_rejections
from hub.places import load_places
from hub.privacy import scrub_text
from hub.sql import deadletters as q
from hub.store_write import apply_batch

DEFAULT_CHUNK = 500


@dataclass(frozen=True, slots=True)
class DeadLetter:
    id: int
    source: str
    batch_id: uuid.UUID | None
    received_at: dt.datetime
    record_index: int | None
    source_id: str | None
    field: str | None
    reason: str
    replayed_at: dt.datetime | None
    resolved: bool
    whole_body: bool
    times: int = 1  # arrivals of this same rejected record while unresolved
    last_received_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class ReplayOutcome:
    """What became of one letter; ``landed`` letters are now resolved."""

    letter_id: int
    source: str
    source_id: str | None
    outcome: str  # "landed" | "rejected" | "unreadable" | "not replayable"
    reason: str | None = None

    @property
    def landed(self) -> bool:
        return self.outcome == "landed"


async def list_dead_letters(
    conn: asyncpg.Connection | asyncpg.Pool,
    *,
    source: str | None = None,
    include_resolved: bool = False,
    limit: int = 100,
) -> list[DeadLetter]:
    """Newest first."""
    rows = await conn.fetch(q.LIST_DEAD_LETTERS, source, include_resolved, limit)
    return [DeadLetter(**dict(r)) for r in rows]


async def replay(
    pool: asyncpg.Pool,
    *,
    source: str | None = None,
    letter_id: int | None = None,
    chunk: int = DEFAULT_CHUNK,
) -> list[ReplayOutcome]:
    """Re-run unresolved letters (of ``source``, or the one ``letter_id``)."""
    outcomes: list[ReplayOutcome] = []
    after = 0
    # Letters a replay itself writes (a body's rejected records) wait for the next run.
    ceiling = await pool.fetchval(q.LAST_LETTER) or 0
    while True:
        async with pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(q.LETTERS_TO_REPLAY, source, letter_id, after, ceiling, chunk)
            if not rows:
                break
            after = rows[-1]["id"]
            by_source: dict[str, list[asyncpg.Record]] = {}
            for row in rows:
                by_source.setdefault(row["source"], []).append(row)
            for code, letters in by_source.items():
                outcomes += await _replay_source(conn, code, letters)
    return outcomes


async def _replay_source(
    conn: asyncpg.Connection, code: str, letters: list[asyncpg.Record]
) -> list[ReplayOutcome]:
    outcomes: list[ReplayOutcome] = []
    records = [r for r in letters if r["raw"] is not None]
    for letter in letters:
        if letter["raw"] is None and letter["raw_text"] is not None:
            outcomes.append(await _replay_body(conn, code, letter))
        elif letter["raw"] is None:
            outcomes.append(ReplayOutcome(
                letter["id"], code, letter["source_id"], "not replayable",
                "the native record was not kept; ask the platform to send it again"))
    if records:
        outcomes += await _replay_records(conn, code, records)
    return outcomes


async def _replay_records(
    conn: asyncpg.Connection, code: str, letters: list[asyncpg.Record]
) -> list[ReplayOutcome]:
    platform = adapters.REGISTRY.get(code)
    if platform is None:
        return [ReplayOutcome(x["id"], code, x["source_id"], "not replayable",
                              f"the hub has no adapter for {code!r}") for x in letters]
    natives = [json.loads(x["raw"]) for x in letters]
    body = platform.envelope(natives, None)
    try:
        batch = platform.parse(body, load_places())
    except AdapterError as exc:
        reason = scrub_text(str(exc))
        await _reject_again(conn, [(x["id"], "body", reason) for x in letters])
        return [ReplayOutcome(x["id"], code, x["source_id"], "rejected", reason)
                for x in letters]
    report = await apply_batch(conn, batch, via="replay", batch_id=uuid.uuid4())
    await record_batch(conn, code, report, via="replay")
    # The envelope holds the letters in order, one record each; an item's index
    # is the platform's own (a workbook's row number), its position is the letter's.
    position = {item.index: i for i, item in enumerate(batch.items)}
    still = {position[r.index]: r for r in report.rejections if r.index in position}
    await _reject_again(conn, [(letters[i]["id"], r.field, scrub_text(r.message))
                               for i, r in still.items() if i < len(letters)])
    landed = [x["id"] for i, x in enumerate(letters) if i not in still]
    if landed:
        await conn.execute(q.RESOLVE_LETTERS, landed)
    return [
        ReplayOutcome(x["id"], code, x["source_id"], "rejected", scrub_text(still[i].message))
        if i in still else ReplayOutcome(x["id"], code, x["source_id"], "landed")
        for i, x in enumerate(letters)
    ]


async def _replay_body(
    conn: asyncpg.Connection, code: str, letter: asyncpg.Record
) -> ReplayOutcome:
    platform = adapters.REGISTRY.get(code)
    if platform is None:
        return ReplayOutcome(letter["id"], code, None, "not replayable",
                             f"the hub has no adapter for {code!r}")
    try:
        batch = platform.parse(letter["raw_text"].encode(), load_places())
    except AdapterError as exc:
        reason = scrub_text(str(exc))
        await _reject_again(conn, [(letter["id"], "body", reason)])
        return ReplayOutcome(letter["id"], code, None, "unreadable", reason)
    report = await apply_batch(conn, batch, via="replay", batch_id=uuid.uuid4())
    await record_batch(conn, code, report, via="replay")
    if report.rejections:
        await store_rejections(conn, code, report.batch_id, report.rejections)
    await conn.execute(q.RESOLVE_LETTERS, [letter["id"]])
    summary = (f"{report.accepted} accepted, {report.duplicates} duplicates, "
               f"{report.rejected} rejected (kept as new letters)")
    return ReplayOutcome(letter["id"], code, None, "landed", summary)


async def _reject_again(conn: asyncpg.Connection, rows: list[tuple[int, str, str]]) -> None:
    if rows:
        await conn.execute(q.REJECT_AGAIN, [r[0] for r in rows], [r[1] for r in rows],
                           [r[2] for r in rows])


__all__ = [
    "DeadLetter",
    "ReplayOutcome",
    "list_dead_letters",
    "replay",
]
