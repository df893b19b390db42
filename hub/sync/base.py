"""What a platform's paging strategy tells the sync engine, and how.

A ``Puller`` knows one platform's pull API: which entities it pages, how to
ask for a page from a position, and how to read the answer into a ``Page``.
It does no I/O and keeps no state between calls; the engine owns the HTTP
client, the retries, ingest, and the cursors in the database.

Two kinds of position exist, because some platforms' page numbers are only
meaningful for a moment:

* ``Page.cursor`` is *durable*: stored in ``sync_cursors`` once the page's
  records are committed, and where the next run (maybe days later) starts;
* ``Page.next`` is where *this* run asks next. Often the same string; for
  文化云 it may add a page number that must not outlive the run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from hub.errors import SyncError


@dataclass(frozen=True, slots=True)
class Request:
    """A GET to ``base_url + path`` with these query parameters."""

    path: str
    params: dict[str, str]


@dataclass(frozen=True, slots=True)
class Page:
    """One answer, read.

    ``body`` is what ``ingest`` receives (the platform's push envelope) or
    None when the page held no items; ``items`` counts them for progress.
    """

    body: bytes | None
    items: int
    cursor: str | None
    next: str | None
    done: bool


class RetryableAnswer(SyncError):
    """The platform answered "busy, try again" in its own words (文化云 5003)."""


class UnreadableAnswer(RetryableAnswer):
    """An answer that is not JSON at all: a proxy's HTML error page, a body cut
    short. Transient far more often than not, so retried like "busy"."""


class BadPage(SyncError):
    """An answer that is not a page of the platform's API: a fault, not load."""


class Puller(Protocol):
    code: str
    entities: tuple[str, ...]
    max_page_size: int

    def request(self, entity: str, position: str | None, page_size: int) -> Request:
        """The request for the page at ``position`` (a cursor or ``Page.next``)."""
        ...

    def read(self, entity: str, position: str | None, page_size: int, payload: bytes) -> Page:
        """Read the answer to ``request(entity, position, page_size)``.

        Raises ``RetryableAnswer`` when the platform asks to retry and
        ``BadPage`` when the answer is not a page at all.
        """
        ...
