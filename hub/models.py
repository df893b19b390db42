"""The hub's canonical model.

Plain frozen dataclasses and enums: every adapter translates its platform's
dialect into these, the store persists them, and the GraphQL types in
``schema/`` carry the same names. This module imports neither strawberry nor
asyncpg, so adapters can depend on it alone.

Two families live here:

* *incoming* records (``WishRecord``, ``TeamRecord`` ...) are what an adapter
  produces from native bytes: they name other records by their platform ids
  (``station_ref``) because the hub may not hold those yet;
* *stored* objects (``Wish``, ``Team`` ...) are what the store reads back,
  with the hub's own integer ids, for the API.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

# ---------------------------------------------------------------- enums


class RegionLevel(StrEnum):
    PROVINCE = "PROVINCE"
    CITY = "CITY"
    COUNTY = "COUNTY"
    TOWN = "TOWN"
    VILLAGE = "VILLAGE"


class SourceHealth(StrEnum):
    HEALTHY = "HEALTHY"
    STALE = "STALE"
    FAILING = "FAILING"
    NEVER_SYNCED = "NEVER_SYNCED"


class SourceDataHealth(StrEnum):
    OK = "OK"
    REJECTED = "REJECTED"


class StationLevel(StrEnum):
    CENTER = "CENTER"  # 中心 (county)
    INSTITUTE = "INSTITUTE"  # 所 (town)
    STATION = "STATION"  # 站 (village, community)
    POINT = "POINT"  # 点


class ServiceCategory(StrEnum):
    POLICY_OUTREACH = "POLICY_OUTREACH"
    CULTURE_ARTS = "CULTURE_ARTS"
    EDUCATION = "EDUCATION"
    HEALTH_FITNESS = "HEALTH_FITNESS"
    SCIENCE = "SCIENCE"
    LEGAL = "LEGAL"
    ENVIRONMENT = "ENVIRONMENT"
    RELIEF = "RELIEF"
    OTHER = "OTHER"


class WishStatus(StrEnum):
    PENDING = "PENDING"
    OPEN = "OPEN"
    CLAIMED = "CLAIMED"
    FULFILLED = "FULFILLED"
    CANCELLED = "CANCELLED"


class WishKind(StrEnum):
    GOODS = "GOODS"
    SERVICE = "SERVICE"


class WishCategory(StrEnum):
    STUDY_SUPPLIES = "STUDY_SUPPLIES"
    SPORTS_CULTURE = "SPORTS_CULTURE"
    BOOKS = "BOOKS"
    MEDICAL_DEVICES = "MEDICAL_DEVICES"
    FOOD_MEDICINE = "FOOD_MEDICINE"
    CLOTHING = "CLOTHING"
    HOUSEHOLD = "HOUSEHOLD"
    POLICY_TALK = "POLICY_TALK"
    PERFORMANCE = "PERFORMANCE"
    TUTORING = "TUTORING"
    SCIENCE_TALK = "SCIENCE_TALK"
    LEGAL_AID = "LEGAL_AID"
    SANITATION = "SANITATION"
    HOUSEKEEPING = "HOUSEKEEPING"
    PRODUCTION_HELP = "PRODUCTION_HELP"
    LIVING_HELP = "LIVING_HELP"
    MEDICAL_HELP = "MEDICAL_HELP"
    OTHER = "OTHER"


class BeneficiaryGroup(StrEnum):
    LEFT_BEHIND_WOMAN = "LEFT_BEHIND_WOMAN"
    LEFT_BEHIND_CHILD = "LEFT_BEHIND_CHILD"
    ELDERLY = "ELDERLY"
    DISABLED = "DISABLED"
    PARTY_VETERAN = "PARTY_VETERAN"
    ARMY_VETERAN = "ARMY_VETERAN"
    RETIRED_CADRE = "RETIRED_CADRE"
    RETIRED_EXPERT = "RETIRED_EXPERT"
    RETIRED_TEACHER = "RETIRED_TEACHER"
    MORAL_MODEL = "MORAL_MODEL"
    LABOR_MODEL = "LABOR_MODEL"
    GOOD_PERSON = "GOOD_PERSON"
    HARDSHIP = "HARDSHIP"
    OTHER = "OTHER"


class WishEventKind(StrEnum):
    """What happened to a wish, as the live wish wall shows it."""

    SUBMITTED = "SUBMITTED"
    CLAIMED = "CLAIMED"
    FULFILLED = "FULFILLED"
    CANCELLED = "CANCELLED"
    ESCALATED = "ESCALATED"
    DISPATCHED = "DISPATCHED"


class ClaimantKind(StrEnum):
    TEAM = "TEAM"
    VOLUNTEER = "VOLUNTEER"
    ENTERPRISE = "ENTERPRISE"
    ORGANIZATION = "ORGANIZATION"


# ---------------------------------------------------------------- reference data


@dataclass(frozen=True, slots=True)
class Region:
    """A GB/T 2260 division: 6-digit codes down to county, 9 town, 12 village."""

    code: str
    name: str
    level: RegionLevel
    parent_code: str | None


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """What the hub itself knows about a platform (not configuration)."""

    code: str
    name: str
    scope_code: str


class Places(Protocol):
    """Region look-ups an adapter may use; the hub passes one to ``parse``.

    Implementations are pure in-memory look-ups over the shipped reference
    data: no I/O happens while an adapter translates a batch.
    """

    def region(self, code: str) -> Region | None:
        """The region with this code, or a new town/village under a known county.

        For a 9- or 12-digit code whose county is known, returns a Region
        (named from reference data when the hub has it, else by its code);
        the store creates it with the record that names it.
        """
        ...

    def county_by_name(self, name: str, within: str) -> Region | None:
        """Resolve a county-level name typed by a person inside a city or county.

        Accepts the name with or without the city (沈阳市铁西区, 铁西区) and
        without its suffix (铁西). ``within`` is a region code: the result must
        lie at or below it.
        """
        ...

    def town_by_name(self, name: str, county: str) -> Region | None:
        """The town (乡镇/街道) of ``county`` whose official name a person typed.

        Accepts the name with or without its suffix (霁虹街道, 霁虹, 霁虹街道办事处);
        None when no town or more than one matches.
        """
        ...


# ---------------------------------------------------------------- incoming records


@dataclass(frozen=True, slots=True)
class ClaimIn:
    claimant_kind: ClaimantKind
    claimant_name: str
    claimed_at: dt.datetime
    # The platform id of the claiming team when the claimer is a team the
    # platform identifies; linked to the stored team when the hub holds it.
    team_ref: str | None = None
    # Without a team_ref: link the source's own team of exactly this name, if
    # the hub holds one when the claim is stored (盘锦's ledger names teams).
    team_by_name: bool = False


@dataclass(frozen=True, slots=True)
class RecordMeta:
    """What every platform record carries besides its content."""

    source: str  # source code, e.g. "shengjing"
    source_id: str
    # Orders the versions of one record as the platform does (updateTime as
    # epoch microseconds, rev, seq ...): higher is newer.
    version: int
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class StationRecord:
    meta: RecordMeta
    name: str
    level: StationLevel
    region: Region
    parent_ref: str | None = None


@dataclass(frozen=True, slots=True)
class TeamRecord:
    meta: RecordMeta
    name: str
    category: ServiceCategory
    region: Region
    member_count: int
    station_ref: str | None = None
    # A team only known from being named inside another record (枫乡 orders):
    # stored if the hub has no better version, never overwriting one.
    inferred: bool = False


@dataclass(frozen=True, slots=True)
class WishRecord:
    meta: RecordMeta
    title: str
    kind: WishKind
    category: WishCategory
    beneficiary_group: BeneficiaryGroup
    beneficiary_name: str | None  # already masked (王某某)
    status: WishStatus
    region: Region
    submitted_at: dt.datetime
    claimed_at: dt.datetime | None = None
    fulfilled_at: dt.datetime | None = None
    claims: tuple[ClaimIn, ...] = ()
    station_ref: str | None = None
    handling_level: RegionLevel = RegionLevel.COUNTY
    # "<code>:<id>" when this is a provincial mirror of a city platform's wish.
    origin: str | None = None
    # True when claims come as separate ClaimCardRecords (葫芦岛 blue cards)
    # rather than inside the wish: the store then derives claims and status.
    claims_from_cards: bool = False
    # 葫芦岛: the wish's own state is "open" in this version, so its time is a
    # candidate for the submission time (earliest open state ever seen).
    open_state: bool = False


@dataclass(frozen=True, slots=True)
class ClaimCardRecord:
    """A claim that arrives on its own (葫芦岛 蓝卡), possibly before its wish."""

    meta: RecordMeta
    wish_ref: str  # the platform id of the wish it claims
    claimant_kind: ClaimantKind
    claimant_name: str
    fulfilled: bool
    at: dt.datetime  # when this card's state began


@dataclass(frozen=True, slots=True)
class ActivityRecord:
    meta: RecordMeta
    title: str
    category: ServiceCategory
    region: Region
    date: dt.date
    sessions: int
    volunteer_attendances: int
    beneficiaries: int
    volunteer_hours: float
    team_ref: str | None = None
    station_ref: str | None = None


Record = StationRecord | TeamRecord | WishRecord | ClaimCardRecord | ActivityRecord


@dataclass(frozen=True, slots=True)
class Rejection:
    """One native record the adapter could not translate.

    ``raw`` is the native record with personal data already removed: it is
    what the dead-letter store keeps for a later replay.
    """

    index: int
    source_id: str | None
    field: str
    message: str
    raw: object


@dataclass(frozen=True, slots=True)
class Parsed:
    """One native record that translated; ``side`` records ride along uncounted."""

    index: int
    record: Record
    side: tuple[Record, ...] = ()


@dataclass(frozen=True, slots=True)
class Batch:
    """An adapter's translation of one native body, in the body's order."""

    source: str
    items: Sequence[Parsed | Rejection] = field(default_factory=tuple)

    @property
    def received(self) -> int:
        return len(self.items)


# ---------------------------------------------------------------- stored objects (read side)


@dataclass(frozen=True, slots=True)
class Source:
    id: int
    code: str
    name: str
    scope_code: str
    health: SourceHealth
    last_received_at: dt.datetime | None
    records_accepted: int
    records_rejected: int
    data_health: SourceDataHealth = SourceDataHealth.OK


@dataclass(frozen=True, slots=True)
class Station:
    id: int
    source_pk: int
    source_id: str
    name: str
    level: StationLevel
    region_code: str
    parent_id: int | None


@dataclass(frozen=True, slots=True)
class Team:
    id: int
    source_pk: int
    source_id: str
    name: str
    category: ServiceCategory
    region_code: str
    station_id: int | None
    member_count: int


@dataclass(frozen=True, slots=True)
class Claim:
    wish_id: int
    claimant_kind: ClaimantKind
    claimant_name: str
    team_id: int | None
    claimed_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Wish:
    id: int
    source_pk: int
    source_id: str
    title: str
    kind: WishKind
    category: WishCategory
    beneficiary_group: BeneficiaryGroup
    beneficiary_name: str | None
    status: WishStatus
    region_code: str
    station_id: int | None
    submitted_at: dt.datetime
    claimed_at: dt.datetime | None
    fulfilled_at: dt.datetime | None
    handling_level: RegionLevel


@dataclass(frozen=True, slots=True)
class Activity:
    id: int
    source_pk: int
    source_id: str
    title: str
    category: ServiceCategory
    region_code: str
    station_id: int | None
    team_id: int | None
    date: dt.date
    sessions: int
    volunteer_attendances: int
    beneficiaries: int
    volunteer_hours: float


class DispatchOutcome(StrEnum):
    WITHDRAWN = "WITHDRAWN"  # an operator took it back
    CLAIMED = "CLAIMED"  # the wish's platform reported a claim
    CLOSED = "CLOSED"  # the wish was cancelled or deleted on its platform


@dataclass(frozen=True, slots=True)
class WishTransfer:
    """A change of a wish's handling level made in the hub (上下联动)."""

    wish_id: int
    from_level: RegionLevel
    to_level: RegionLevel
    reason: str
    at: dt.datetime
    by: str  # a key's name, or "rule"


@dataclass(frozen=True, slots=True)
class WishDispatch:
    """A wish assigned to a team by an office (组织派单): the current one has
    no end; ended ones say when, by whom and how."""

    wish_id: int
    team_id: int
    at: dt.datetime
    by: str
    note: str | None
    ended_at: dt.datetime | None = None
    ended_by: str | None = None
    end_reason: str | None = None
    outcome: DispatchOutcome | None = None
# ---------------------------------------------------------------- live events and matching


@dataclass(frozen=True, slots=True)
class WishEvent:
    """A change of a wish, as committed: ``at`` is when the hub stored it."""

    kind: WishEventKind
    at: dt.datetime
    wish: Wish


class Nearness(StrEnum):
    """How close a team is to a wish in the region tree."""

    VILLAGE = "VILLAGE"  # the same village or community
    TOWN = "TOWN"
    COUNTY = "COUNTY"
    CITY = "CITY"
    PROVINCE = "PROVINCE"  # elsewhere in the province


class Fit(StrEnum):
    """How a team's field of service suits a wish's category."""

    PRIMARY = "PRIMARY"  # the field that serves this kind of wish
    SECONDARY = "SECONDARY"  # a field that often helps with it
    GENERAL = "GENERAL"  # a general team (OTHER): may help with anything
    NONE = "NONE"


@dataclass(frozen=True, slots=True)
class TeamSuggestion:
    """A team proposed for a wish, with what its score is made of."""

    wish_id: int
    team: Team
    score: int
    fit: Fit
    nearness: Nearness
    open_claims: int  # wishes it has claimed that are not fulfilled yet
    open_dispatches: int  # open wishes dispatched to it
    reasons: tuple[str, ...]  # the score in words, for an operator
