"""The API's reads: list pages with keyset cursors, and batched look-ups by id.

Functions here turn rows into the canonical read-side objects of
``hub.models``; the GraphQL layer only ever sees those. The four list kinds
(wishes, teams, stations, activities) are each one ``ListKind`` declaration
(its SQL from ``hub.sql.read``, its orders and their cursors, its total, its
rows by id, its row builder) and one query dataclass (its filter, validated
before any SQL runs, and its order); ``page`` and ``count`` serve them all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar, Generic, Protocol, TypeVar

import asyncpg

from hub import ids
from hub.errors import QueryError
from hub.models import (
    Activity,
    BeneficiaryGroup,
    Claim,
    ClaimantKind,
    Region,
    RegionLevel,
    ServiceCategory,
    Station,
    StationLevel,
    Team,
    Wish,
    WishCategory,
    WishKind,
    WishStatus,
)
from hub.sql import read as q

MAX_FIRST = 100

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    cursors: list[str]
    has_next: bool
    has_previous: bool


@dataclass(frozen=True, slots=True)
class RegionScope:
    """SQL parameters meaning "this region and everything below it"."""

    city: str | None = None
    county: str | None = None
    prefix: str | None = None

    def values(self) -> dict[str, object]:
        return {"city": self.city, "county": self.county, "prefix": self.prefix}


def check_first(first: int) -> int:
    if first < 0 or first > MAX_FIRST:
        raise QueryError(f"`first` must be between 0 and {MAX_FIRST}")
    return first


def region_scope(region: Region | None) -> RegionScope:
    if region is None or region.level is RegionLevel.PROVINCE:
        return RegionScope()
    if region.level is RegionLevel.CITY:
        return RegionScope(city=region.code)
    if region.level is RegionLevel.COUNTY:
        return RegionScope(county=region.code)
    return RegionScope(prefix=_like_prefix(region.code))


def search_pattern(text: str | None) -> str | None:
    """An ``ilike`` pattern matching ``text`` anywhere, its wildcards escaped."""
    if text is None:
        return None
    text = text.strip()
    if not text:
        return None
    if len(text) > 100:
        raise QueryError("`search` may be at most 100 characters")
    return "%" + _escape_like(text) + "%"


def _like_prefix(code: str) -> str:
    return _escape_like(code) + "%"


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# ---------------------------------------------------------------- the list kinds


@dataclass(frozen=True, slots=True)
class Order:
    """One order of a list: its statement, its cursor's kind and the columns of
    the keyset position a cursor holds (those of the statement's order)."""

    statement: str
    cursor: str
    keys: tuple[q.Key, ...]

    def position(self, after: str | None) -> list[object]:
        """The statement's keyset parameters: all null for the first page."""
        if after is None:
            return [None] * len(self.keys)
        position = ids.decode_cursor(after, self.cursor)
        if len(position) != len(self.keys):
            raise QueryError("`after` is not a cursor this API gave out")
        return [_CURSOR_VALUE[k.type](p) for k, p in zip(self.keys, position, strict=True)]

    def cursor_of(self, row: asyncpg.Record) -> str:
        return ids.encode_cursor(self.cursor, *(row[k.column] for k in self.keys))


_CURSOR_VALUE: dict[str, Callable[[object], object]] = {
    "timestamptz": ids.cursor_datetime,
    "date": ids.cursor_date,
    "bigint": ids.cursor_int,
}


@dataclass(frozen=True, slots=True)
class ListKind(Generic[T_co]):
    """One of the API's list kinds: its SQL (table, filter, to-one relations),
    its orders by name, its total, its rows by id (the loaders'), and how a
    row becomes its object."""

    sql: q.ListSql
    orders: Mapping[str, Order]
    count: str
    by_id: str
    build: Callable[[asyncpg.Record], T_co]

    def params(self, query: ListQuery[T_co]) -> list[object]:
        """The filter's parameters, in the order of the SQL's conditions."""
        values = query.values()
        return [values[c.name] for c in self.sql.conditions]


class ListQuery(Protocol[T_co]):
    """A list's filter and order, validated: what ``page`` and ``count`` take."""

    @property
    def kind(self) -> ListKind[T_co]: ...

    @property
    def order(self) -> str: ...

    def values(self) -> dict[str, object]:
        """Each condition's value by its name (``hub.sql.read.Condition``); None: any."""
        ...


async def page(
    conn: asyncpg.Pool | asyncpg.Connection, query: ListQuery[T], first: int, after: str | None
) -> Page[T]:
    """The ``first`` rows of the query after the cursor ``after``, with one statement."""
    kind = query.kind
    order = kind.orders[query.order]
    rows = await conn.fetch(
        order.statement, *kind.params(query), *order.position(after), first + 1
    )
    shown = rows[:first]
    return Page(
        items=[kind.build(r) for r in shown],
        cursors=[order.cursor_of(r) for r in shown],
        has_next=len(rows) > first,
        has_previous=after is not None,
    )


async def count(conn: asyncpg.Pool | asyncpg.Connection, query: ListQuery[object]) -> int:
    """How many rows the query's filter matches in all."""
    kind = query.kind
    value: int = await conn.fetchval(kind.count, *kind.params(query))
    return value


# ---------------------------------------------------------------- wishes


@dataclass(frozen=True, slots=True)
class WishQuery:
    scope: RegionScope = RegionScope()
    status: Sequence[WishStatus] | None = None
    category: Sequence[WishCategory] | None = None
    beneficiary_group: Sequence[BeneficiaryGroup] | None = None
    source_code: str | None = None
    submitted_from: dt.datetime | None = None
    submitted_to: dt.datetime | None = None
    search: str | None = None
    handling_level: RegionLevel | None = None
    claimed_by_team: int | None = None
    ascending: bool = False

    @property
    def kind(self) -> ListKind[Wish]:
        return WISHES

    @property
    def order(self) -> str:
        return "asc" if self.ascending else "desc"

    def values(self) -> dict[str, object]:
        statuses, status = _one_or_many(self.status)
        return {
            **self.scope.values(),
            "statuses": statuses,
            "status": status,
            "category": _values(self.category),
            "beneficiary_group": _values(self.beneficiary_group),
            "source_code": self.source_code,
            "submitted_from": self.submitted_from,
            "submitted_to": self.submitted_to,
            "search": search_pattern(self.search),
            "handling_level": self.handling_level.value if self.handling_level else None,
            "claimed_by_team": self.claimed_by_team,
        }


def wish_from_row(r: asyncpg.Record) -> Wish:
    return Wish(
        id=r["id"],
        source_pk=r["source"],
        source_id=r["source_id"],
        title=r["title"],
        kind=WishKind(r["kind"]),
        category=WishCategory(r["category"]),
        beneficiary_group=BeneficiaryGroup(r["beneficiary_group"]),
        beneficiary_name=r["beneficiary_name"],
        status=WishStatus(r["status"]),
        region_code=r["region_code"],
        station_id=r["station_id"],
        submitted_at=r["submitted_at"],
        claimed_at=r["claimed_at"],
        fulfilled_at=r["fulfilled_at"],
        handling_level=RegionLevel(r["handling_level"]),
    )


WISHES = ListKind(
    sql=q.WISHES,
    orders={
        "desc": Order(q.WISHES_PAGE_DESC, "wish-desc", q.BY_SUBMITTED),
        "asc": Order(q.WISHES_PAGE_ASC, "wish-asc", q.BY_SUBMITTED),
    },
    count=q.WISHES_COUNT,
    by_id=q.WISHES_BY_ID,
    build=wish_from_row,
)


def claim_from_row(r: asyncpg.Record) -> Claim:
    return Claim(
        wish_id=r["wish_id"],
        claimant_kind=ClaimantKind(r["claimant_kind"]),
        claimant_name=r["claimant_name"],
        team_id=r["team_id"],
        claimed_at=r["claimed_at"],
    )


# ---------------------------------------------------------------- teams


@dataclass(frozen=True, slots=True)
class TeamQuery:
    scope: RegionScope = RegionScope()
    category: Sequence[ServiceCategory] | None = None
    search: str | None = None
    order: ClassVar[str] = "id"

    @property
    def kind(self) -> ListKind[Team]:
        return TEAMS

    def values(self) -> dict[str, object]:
        return {**self.scope.values(), "category": _values(self.category),
                "search": search_pattern(self.search)}


def team_from_row(r: asyncpg.Record) -> Team:
    return Team(
        id=r["id"],
        source_pk=r["source"],
        source_id=r["source_id"],
        name=r["name"],
        category=ServiceCategory(r["category"]),
        region_code=r["region_code"],
        station_id=r["station_id"],
        member_count=r["member_count"],
    )


TEAMS = ListKind(
    sql=q.TEAMS,
    orders={"id": Order(q.TEAMS_PAGE, "team", q.BY_ID)},
    count=q.TEAMS_COUNT,
    by_id=q.TEAMS_BY_ID,
    build=team_from_row,
)


# ---------------------------------------------------------------- stations


@dataclass(frozen=True, slots=True)
class StationQuery:
    scope: RegionScope = RegionScope()
    level: Sequence[StationLevel] | None = None
    order: ClassVar[str] = "id"

    @property
    def kind(self) -> ListKind[Station]:
        return STATIONS

    def values(self) -> dict[str, object]:
        return {**self.scope.values(), "level": _values(self.level)}


def station_from_row(r: asyncpg.Record) -> Station:
    return Station(
        id=r["id"],
        source_pk=r["source"],
        source_id=r["source_id"],
        name=r["name"],
        level=StationLevel(r["level"]),
        region_code=r["region_code"],
        parent_id=r["parent_id"],
    )


STATIONS = ListKind(
    sql=q.STATIONS,
    orders={"id": Order(q.STATIONS_PAGE, "station", q.BY_ID)},
    count=q.STATIONS_COUNT,
    by_id=q.STATIONS_BY_ID,
    build=station_from_row,
)


# ---------------------------------------------------------------- activities


@dataclass(frozen=True, slots=True)
class ActivityQuery:
    scope: RegionScope = RegionScope()
    category: Sequence[ServiceCategory] | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    team: int | None = None
    order: ClassVar[str] = "date"

    @property
    def kind(self) -> ListKind[Activity]:
        return ACTIVITIES

    def values(self) -> dict[str, object]:
        return {**self.scope.values(), "category": _values(self.category),
                "date_from": self.date_from, "date_to": self.date_to, "team": self.team}


def activity_from_row(r: asyncpg.Record) -> Activity:
    return Activity(
        id=r["id"],
        source_pk=r["source"],
        source_id=r["source_id"],
        title=r["title"],
        category=ServiceCategory(r["category"]),
        region_code=r["region_code"],
        station_id=r["station_id"],
        team_id=r["team_id"],
        date=r["date"],
        sessions=r["sessions"],
        volunteer_attendances=r["volunteer_attendances"],
        beneficiaries=r["beneficiaries"],
        volunteer_hours=r["volunteer_hours"],
    )


ACTIVITIES = ListKind(
    sql=q.ACTIVITIES,
    orders={"date": Order(q.ACTIVITIES_PAGE, "activity", q.BY_DATE)},
    count=q.ACTIVITIES_COUNT,
    by_id=q.ACTIVITIES_BY_ID,
    build=activity_from_row,
)


# ---------------------------------------------------------------- regions


def region_from_row(r: asyncpg.Record) -> Region:
    return Region(
        code=r["code"], name=r["name"], level=RegionLevel(r["level"]), parent_code=r["parent_code"]
    )


async def regions_list(
    conn: asyncpg.Pool | asyncpg.Connection, level: RegionLevel | None, parent_code: str | None
) -> list[Region]:
    rows = await conn.fetch(q.REGIONS_LIST, level.value if level else None, parent_code)
    return [region_from_row(r) for r in rows]


def _one_or_many(items: Sequence[object] | None) -> tuple[list[str] | None, str | None]:
    """(array, None) for several values, (None, value) for exactly one."""
    values = _values(items)
    if values is not None and len(set(values)) == 1:
        return None, values[0]
    return values, None


def _values(items: Sequence[object] | None) -> list[str] | None:
    # An empty list filter means "no filter", as GraphQL clients send [] for "any".
    if not items:
        return None
    return [str(getattr(i, "value", i)) for i in items]
