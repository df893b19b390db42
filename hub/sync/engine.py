"""The pull loop shared by every platform: page → ingest → cursor → next page.

For each entity of the platform, from its stored cursor:

1. fetch the page (``PageFetcher``: bounded retries with backoff);
2. ``ingest(pool, code, body, via="pull")``, which commits the page's
   records in one transaction;
3. only then store the page's cursor in ``sync_cursors``.

A crash between 2 and 3 re-reads one page next time, whose records are then
duplicates; the reverse order could lose a page, so it is never taken. A run
that cannot finish raises ``SyncError`` naming the platform and what failed,
leaving the cursor after the last committed page, and marks the source's
row failed (``last_failure_at``, ``last_failure``), which source health
shows as FAILING; a finished run sets ``last_success_at``. One run per
source at a time, across processes and hosts: the run holds the source's
lease (``hub.leases``, ``sync:CODE``) and stops if it loses it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

import asyncpg
import httpx

from adapters.base import Page, Puller
from hub import leases
from hub.config import SyncSettings
from hub.errors import DatabaseError, HubError, SyncBusy, SyncError
from hub.privacy import scrub_text
from hub.report import Report
from hub.sql import sync as q
from hub.sync.fetch import PageFetcher, Sleep

log = logging.getLogger("hub.sync")

_FAILURE_CHARS = 500


class IngestFn(Protocol):
    def __call__(
        self, pool: asyncpg.Pool, source_code: str, body: bytes, *, via: str = ...
    ) -> Awaitable[Report]: ...


@dataclass(slots=True)
class Progress:
    """Running totals of one source's run, handed to the progress callback."""

    source: str
    entity: str = ""
    pages: int = 0
    received: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    retries: int = 0
    note: str = ""  # the last retry's reason, until the next page lands


ProgressFn = Callable[[Progress], None]


def lease_name(code: str) -> str:
    return f"sync:{code}"


@dataclass(frozen=True, slots=True)
class SyncResult:
    source: str
    pages: int
    received: int
    accepted: int
    duplicates: int
    rejected: int
    retries: int
    seconds: float


async def sync_source(
    pool: asyncpg.Pool,
    puller: Puller,
    base_url: str,
    *,
    settings: SyncSettings | None = None,
    client: httpx.AsyncClient | None = None,
    on_progress: ProgressFn | None = None,
    from_start: bool = False,
    ingest: IngestFn | None = None,
    sleep: Sleep = asyncio.sleep,
) -> SyncResult:
    """Pull every entity of ``puller``'s platform from ``base_url``.

    ``from_start`` ignores the stored cursors (a full re-read; what the hub
    already holds comes back as duplicates). ``ingest`` defaults to
    ``hub.ingest.ingest``.
    """
    settings = settings or SyncSettings()
    own_client = client is None
    if client is None:
        client = httpx.AsyncClient(
            timeout=settings.timeout, headers={"User-Agent": "liaoning-hub-sync"}
        )
    try:
        run = _Run(
            pool=pool,
            puller=puller,
            settings=settings,
            ingest=ingest or _real_ingest(),
            progress=Progress(source=puller.code),
            on_progress=on_progress,
            from_start=from_start,
        )
        run.fetcher = PageFetcher(
            puller, base_url, client, settings, on_retry=run.retried, sleep=sleep
        )
        return await run.locked()
    finally:
        if own_client:
            await client.aclose()


def _real_ingest() -> IngestFn:
    from hub.ingest import ingest

    return ingest


@dataclass(slots=True)
class _Run:
    pool: asyncpg.Pool
    puller: Puller
    settings: SyncSettings
    ingest: IngestFn
    progress: Progress
    on_progress: ProgressFn | None
    from_start: bool
    fetcher: PageFetcher | None = None
    source_pk: int = 0
    lease: leases.Lease | None = None

    @property
    def code(self) -> str:
        return self.puller.code

    async def locked(self) -> SyncResult:
        try:
            return await self._locked()
        except DatabaseError as exc:
            # The database went away while holding the lock (or before it):
            # a failed run like any other; the cursor is where the last commit left it.
            raise SyncError(f"{self.code}: {exc}") from exc

    async def _locked(self) -> SyncResult:
        pk = await self.pool.fetchval(q.SOURCE_PK, self.code)
        if pk is None:
            raise SyncError(f"{self.code}: the database knows no such source (hub migrate)")
        self.source_pk = int(pk)
        async with leases.holding(self.pool, lease_name(self.code)) as lease:
            if lease is None:
                raise SyncBusy(f"{self.code}: another sync of this source is running")
            self.lease = lease
            return await self._recorded()

    async def _recorded(self) -> SyncResult:
        started = time.monotonic()
        try:
            for entity in self.puller.entities:
                await self._entity(entity)
        except SyncError as exc:
            # The original failure is the one to report, even if marking fails.
            with contextlib.suppress(SyncError):
                await self._mark(q.RECORD_SYNC_FAILURE, self.source_pk, str(exc)[:_FAILURE_CHARS])
            raise
        await self._mark(q.RECORD_SYNC_SUCCESS, self.source_pk)
        p = self.progress
        return SyncResult(
            source=self.code,
            pages=p.pages,
            received=p.received,
            accepted=p.accepted,
            duplicates=p.duplicates,
            rejected=p.rejected,
            retries=p.retries,
            seconds=time.monotonic() - started,
        )

    async def _entity(self, entity: str) -> None:
        assert self.fetcher is not None
        self.progress.entity = entity
        stored = await self._fetchval(q.GET_CURSOR, self.source_pk, entity)
        position: str | None = None if self.from_start else stored
        pages = repeats = 0
        while True:
            if self.lease is not None and self.lease.lost:
                raise SyncError(f"{self.code}: {entity}: stopped: this run lost its lease "
                                "(the database did not answer in time); the next run goes on")
            page = await self.fetcher.fetch(entity, position)
            pages += 1
            if page.body is not None:
                await self._ingest(entity, pages, page)
            # After the commit above, never before: see the module docstring.
            if page.cursor is not None and page.cursor != stored:
                await self._mark(q.PUT_CURSOR, self.source_pk, entity, page.cursor)
                stored = page.cursor
            self.progress.pages += 1
            self.progress.note = ""
            self._emit()
            if page.done:
                break
            if pages >= self.settings.max_pages:
                log.warning(
                    "%s: %s: stopped after %d pages; the next run goes on", self.code, entity, pages
                )
                break
            repeats = repeats + 1 if page.next == position else 0
            if repeats >= self.settings.max_repeats:
                raise SyncError(
                    f"{self.code}: {entity}: the platform answered the same position "
                    f"{repeats + 1} times in a row, saying more follows"
                )
            position = page.next
        log.debug("%s: %s done after %d pages", self.code, entity, pages)

    async def _ingest(self, entity: str, number: int, page: Page) -> None:
        assert page.body is not None
        try:
            report = await self.ingest(self.pool, self.code, page.body, via="pull")
        except (HubError, asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:
            reason = scrub_text((str(exc).splitlines() or [type(exc).__name__])[0][:200])
            raise SyncError(
                f"{self.code}: {entity}: page {number} could not be stored: {reason}"
            ) from exc
        p = self.progress
        p.received += report.received
        p.accepted += report.accepted
        p.duplicates += report.duplicates
        p.rejected += report.rejected

    def retried(self, reason: str, delay: float) -> None:
        self.progress.retries += 1
        self.progress.note = f"{reason}; retrying in {delay:.1f} s"
        self._emit()

    def _emit(self) -> None:
        if self.on_progress is not None:
            self.on_progress(self.progress)

    async def _fetchval(self, sql: str, *args: object) -> str | None:
        try:
            value = await self.pool.fetchval(sql, *args)
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, DatabaseError) as exc:
            raise SyncError(f"{self.code}: cannot read its cursor: {_reason(exc)}") from exc
        return None if value is None else str(value)

    async def _mark(self, sql: str, *args: object) -> None:
        try:
            await self.pool.execute(sql, *args)
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, DatabaseError) as exc:
            raise SyncError(f"{self.code}: cannot record the sync's state: {_reason(exc)}") from exc


def _reason(exc: BaseException) -> str:
    # Never the server's full message: it can quote a row's values.
    if isinstance(exc, DatabaseError):
        return str(exc)
    state = getattr(exc, "sqlstate", None)
    return f"database error {state}" if state else f"database error ({type(exc).__name__})"
