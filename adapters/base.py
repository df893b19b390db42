"""What the hub knows about one platform, all of it: the ``Platform``.

A platform is one package under ``adapters/`` whose ``PLATFORM`` bundles:

* ``adapter`` — the translation: native bytes in, canonical records out
  (``Adapter``, one method, like httpx's ``BaseTransport``). It parses the
  body, validates it, and translates each native record field by field into
  the canonical model (never ``Model(**raw)``). A body that is not the
  platform's envelope at all raises ``AdapterError``; a record that cannot be
  translated becomes a ``Rejection`` naming its index, source id, field and
  reason, with the native record minus personal data so that it can be
  replayed later. No database, no HTTP, no clock: regions come through the
  ``Places`` the hub passes in;
* ``envelope`` — the platform's push body around a list of its native
  records: dead letters are replayed through it, and ``hub seed`` wraps the
  records it generates in it;
* ``media_type`` — what its bodies are; a body that is not text
  (``application/json``) is never kept as a dead letter's text;
* ``puller`` — only for a platform the hub pulls (``hub sync``): how to ask
  for a page of its API and read the answer (``Puller``; no I/O, the engine
  in ``hub.sync`` owns HTTP, retries and cursors);
* ``dialect`` — how ``hub seed`` and ``hub demo`` write a wish in the
  platform's own words (``SeedDialect``): the native payloads, in reverse;
* ``network`` — only for a platform that knows part of the 新时代文明实践
  network in ``hub seed``: its teams, the stations it writes, the service
  activities it records (``SeedNetwork``);
* ``template`` — only for a source whose people fill in a file (盘锦's
  ledger): the blank file, served at ``GET /ingest/<code>/<filename>``;
* ``example`` — a push body of one record that lands, ASCII JSON, which
  ``hub demo`` prints as a signed ``curl`` ready to paste.

Its quirks, fixtures and tests live in the same package and under
``tests/adapters/<code>/``. ``adapters.REGISTRY`` is the only list of
platforms.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from hub.errors import SyncError
from hub.models import Batch, Places, SourceInfo

if TYPE_CHECKING:  # the seed's facts, for the dialect's signatures only
    from hub.seed.activities import ActivityFacts
    from hub.seed.facts import Emission, TeamFacts, WishFacts
    from hub.seed.geo import County
    from hub.seed.network import Network, StationFacts
    from hub.seed.world import World

JSON = "application/json"


class Adapter(Protocol):
    info: SourceInfo

    def parse(self, body: bytes, places: Places) -> Batch:
        """Translate one native body (a push, or one page of a pull)."""
        ...


# The platform's push body around ``records``, sent at ``sent_at`` (None: now,
# for a replay; a platform whose envelope carries no time ignores it).
Envelope = Callable[[Sequence[object], "dt.datetime | None"], bytes]


# ---------------------------------------------------------------- pulling
#
# Two kinds of position exist, because some platforms' page numbers are only
# meaningful for a moment:
#
# * ``Page.cursor`` is *durable*: stored in ``sync_cursors`` once the page's
#   records are committed, and where the next run (maybe days later) starts;
# * ``Page.next`` is where *this* run asks next. Often the same string; for
#   文化云 it may add a page number that must not outlive the run.


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


# ---------------------------------------------------------------- seeding

# Writes one wish's facts as the records the platform sends, each stamped
# with the moment it is sent.
Renderer = Callable[["WishFacts"], "list[Emission]"]


class SeedDialect(Protocol):
    """How the platform writes wishes down, for ``hub seed`` and ``hub demo``.

    The seed gives a platform the wishes of the counties in its scope (the
    most specific scope wins: 沈阳's districts are 盛京使者's, not the
    province's).
    """

    max_records: int  # the most records it sends in one body
    max_wait: dt.timedelta  # the longest it holds a record before sending
    pending: bool  # knows wishes awaiting review (PENDING)
    deletes: bool  # sends deletions of wishes
    extra_groups: tuple[str, ...]  # beneficiary labels only it uses
    max_claimers: int  # claimants one wish may have
    records_per_wish: float  # about how many records it sends per wish (progress bars)

    def claimer_kind(self, rng: random.Random) -> int:
        """A claimant's kind (``hub.seed.facts.Claimer.kind``) among those it knows."""
        ...

    def team(self, rng: random.Random, net: Network, county: County) -> tuple[str, str | None]:
        """A team claiming a wish of ``county``: its name, and its id if the platform gives one."""
        ...

    def renderer(self, world: World, rng: random.Random) -> Renderer:
        """A renderer for one seed run (it may number wishes as it goes)."""
        ...


# Makes ``n`` teams of ``counties`` (those it knows the teams of), with
# ``members()`` members each when the platform knows member counts.
TeamMaker = Callable[
    [random.Random, "Sequence[County]", int, "Callable[[], int]"], "list[TeamFacts]"]
# A team's record as the platform sends it: (rng, team, members, sent at, deleted, network).
TeamRecord = Callable[
    [random.Random, "TeamFacts", int, "dt.datetime", bool, "Network"], "dict[str, object]"]
# A station's record as the platform sends it: (station, sent at, deleted).
StationRecord = Callable[["StationFacts", "dt.datetime", bool], "dict[str, object]"]
# One activity's records, each stamped with the moment it is sent (the first
# on the evening of its day, corrections later): (rng, world, facts).
ActivityRecords = Callable[[random.Random, "World", "ActivityFacts"], "list[Emission]"]


@dataclass(frozen=True, slots=True)
class SeedNetwork:
    """A platform's part of the 新时代文明实践 network, for ``hub seed``.

    Each part is given to the platform of the most specific scope among
    those that know it (as wishes are: see ``SeedDialect``): a platform that
    ``sends_teams`` keeps the registry of its counties' teams and sends
    them; one that does not knows its teams only from its own records (枫乡's
    orders name them). ``min_*`` keep every part visible at the smallest
    scales.
    """

    teams: TeamMaker | None = None  # None: knows no teams
    min_teams: int = 0
    team_record: TeamRecord | None = None  # None: sends no team records
    station_id: Callable[[int], str] | None = None  # the station writer's ids, by serial
    station_record: StationRecord | None = None  # None: writes no stations
    activity_records: ActivityRecords | None = None  # None: records no activities
    min_activities: int = 0

    @property
    def sends_teams(self) -> bool:
        return self.teams is not None and self.team_record is not None


@dataclass(frozen=True, slots=True)
class Template:
    """A blank file a source's people fill in (no data, served without a key)."""

    filename: str
    media_type: str
    build: Callable[[], bytes]


@dataclass(frozen=True, slots=True)
class Platform:
    """Everything the hub knows about one source (see the module's docstring)."""

    adapter: Adapter
    envelope: Envelope
    dialect: SeedDialect
    puller: Puller | None = None
    media_type: str = JSON
    template: Template | None = None
    network: SeedNetwork | None = None
    example: bytes | None = None

    @property
    def info(self) -> SourceInfo:
        return self.adapter.info

    @property
    def code(self) -> str:
        return self.adapter.info.code

    @property
    def text_bodies(self) -> bool:
        """Whether a body is text (kept, scrubbed, when it cannot be read)."""
        return self.media_type == JSON

    def parse(self, body: bytes, places: Places) -> Batch:
        return self.adapter.parse(body, places)


def json_body(document: object) -> bytes:
    """A JSON envelope as the platforms send it (UTF-8, no ASCII escapes)."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
