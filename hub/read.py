"""The API's reads: list pages with keyset cursors, and batched look-ups by id.

Functions here turn rows into the canonical read-side objects of
``hub.models``; the GraphQL layer only ever sees those. Every list takes its
filters as one small frozen dataclass, validated before any SQL runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

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

    def params(self) -> tuple[str | None, str | None, str | None]:
        return self.city, self.county, self.prefix


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


def _page(
    rows: Sequence[asyncpg.Record],
    first: int,
    after: str | None,
    build: Callable[[asyncpg.Record], T],
    cursor: Callable[[asyncpg.Record], str],
) -> Page[T]:
    shown = rows[:first]
    return Page(
        items=[build(r) for r in shown],
        cursors=[cursor(r) for r in shown],
        has_next=len(rows) > first,
        has_previous=after is not None,
    )


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

    def params(self) -> tuple[object, ...]:
        return (
            *self.scope.params(),
            *_one_or_many(self.status),
            _values(self.category),
            _values(self.beneficiary_group),
            self.source_code,
            self.submitted_from,
            self.submitted_to,
            search_pattern(self.search),
            self.handling_level.value if self.handling_level else None,
            self.claimed_by_team,
        )


async def wishes_page(
    conn: asyncpg.Pool | asyncpg.Connection, query: WishQuery, first: int, after: str | None
) -> Page[Wish]:
    kind = "wish-asc" if query.ascending else "wish-desc"
    at: dt.datetime | None = None
    last_id: int | None = None
    if after is not None:
        position = ids.decode_cursor(after, kind)
        if len(position) != 2:
            raise QueryError("`after` is not a cursor this API gave out")
        at, last_id = ids.cursor_datetime(position[0]), ids.cursor_int(position[1])
    sql = q.WISHES_PAGE_ASC if query.ascending else q.WISHES_PAGE_DESC
    rows = await conn.fetch(sql, *query.params(), at, last_id, first + 1)
    return _page(
        rows, first, after, wish_from_row, lambda r: ids.encode_cursor(kind, r["submitted_at"], r["id"])
    )


async def wishes_count(conn: asyncpg.Pool | asyncpg.Connection, query: WishQuery) -> int:
    value: int = await conn.fetchval(q.WISHES_COUNT, *query.params())
    return value


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

    def params(self) -> tuple[object, ...]:
        return (*self.scope.params(), _values(self.category), search_pattern(self.search))


async def teams_page(
    conn: asyncpg.Pool | asyncpg.Connection, query: TeamQuery, first: int, after: str | None
) -> Page[Team]:
    last_id = _id_cursor(after, "team")
    rows = await conn.fetch(q.TEAMS_PAGE, *query.params(), last_id, first + 1)
    return _page(rows, first, after, team_from_row, lambda r: ids.encode_cursor("team", r["id"]))


async def teams_count(conn: asyncpg.Pool | asyncpg.Connection, query: TeamQuery) -> int:
    value: int = await conn.fetchval(q.TEAMS_COUNT, *query.params())
    return value


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


# ---------------------------------------------------------------- stations


@dataclass(frozen=True, slots=True)
class StationQuery:
    scope: RegionScope = RegionScope()
    level: Sequence[StationLevel] | None = None

    def params(self) -> tuple[object, ...]:
        return (*self.scope.params(), _values(self.level))


async def stations_page(
    conn: asyncpg.Pool | asyncpg.Connection, query: StationQuery, first: int, after: str | None
) -> Page[Station]:
    last_id = _id_cursor(after, "station")
    rows = await conn.fetch(q.STATIONS_PAGE, *query.params(), last_id, first + 1)
    return _page(
        rows, first, after, station_from_row, lambda r: ids.encode_cursor("station", r["id"])
    )


async def stations_count(conn: asyncpg.Pool | asyncpg.Connection, query: StationQuery) -> int:
    value: int = await conn.fetchval(q.STATIONS_COUNT, *query.params())
    return value


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


# ---------------------------------------------------------------- activities


@dataclass(frozen=True, slots=True)
class ActivityQuery:
    scope: RegionScope = RegionScope()
    category: Sequence[ServiceCategory] | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    team: int | None = None

    def params(self) -> tuple[object, ...]:
        return (
            *self.scope.params(), _values(self.category), self.date_from, self.date_to, self.team
        )


async def activities_page(
    conn: asyncpg.Pool | asyncpg.Connection, query: ActivityQuery, first: int, after: str | None
) -> Page[Activity]:
    day: dt.date | None = None
    last_id: int | None = None
    if after is not None:
        position = ids.decode_cursor(after, "activity")
        if len(position) != 2:
            raise QueryError("`after` is not a cursor this API gave out")
        day, last_id = ids.cursor_date(position[0]), ids.cursor_int(position[1])
    rows = await conn.fetch(q.ACTIVITIES_PAGE, *query.params(), day, last_id, first + 1)
    return _page(
        rows,
        first,
        after,
        activity_from_row,
        lambda r: ids.encode_cursor("activity", r["date"], r["id"]),
    )


async def activities_count(conn: asyncpg.Pool | asyncpg.Connection, query: ActivityQuery) -> int:
    value: int = await conn.fetchval(q.ACTIVITIES_COUNT, *query.params())
    return value


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


def _id_cursor(after: str | None, kind: str) -> int | None:
    if after is None:
        return None
    position = ids.decode_cursor(after, kind)
    if len(position) != 1:
        raise QueryError("`after` is not a cursor this API gave out")
    return ids.cursor_int(position[0])


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
