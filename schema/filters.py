"""Input types of the list queries, and their translation into ``hub.read`` queries."""

from __future__ import annotations

import datetime as dt
from enum import Enum

import strawberry

from hub import ids, read
from hub.errors import QueryError
from hub.places import load_places
from schema.enums import (
    BeneficiaryGroup,
    RegionLevel,
    ServiceCategory,
    StationLevel,
    WishCategory,
    WishStatus,
)

_REGION_DOC = "区划代码：该区划及其下级全部 / The region and everything below it."
_ANY_DOC = "为空或不传表示不限 / Empty or absent means any."


@strawberry.enum(description="心愿排序 / Order of a wish list.")
class WishOrder(Enum):
    SUBMITTED_DESC = "SUBMITTED_DESC"
    SUBMITTED_ASC = "SUBMITTED_ASC"


@strawberry.input(description="心愿筛选 / Filters of a wish list; all given filters apply.")
class WishFilter:
    region_code: str | None = strawberry.field(default=None, description=_REGION_DOC)
    status: list[WishStatus] | None = strawberry.field(default=None, description=_ANY_DOC)
    category: list[WishCategory] | None = strawberry.field(default=None, description=_ANY_DOC)
    beneficiary_group: list[BeneficiaryGroup] | None = strawberry.field(
        default=None, description=_ANY_DOC
    )
    source_code: str | None = strawberry.field(default=None, description="来源平台代码 / Source.")
    submitted_from: dt.datetime | None = strawberry.field(
        default=None, description="提交时间起（含）/ Submitted at or after."
    )
    submitted_to: dt.datetime | None = strawberry.field(
        default=None, description="提交时间止（不含）/ Submitted before."
    )
    search: str | None = strawberry.field(
        default=None, description="标题包含（中文子串）/ Title contains this text."
    )
    handling_level: RegionLevel | None = strawberry.field(
        default=None, description="当前负责层级 / Level now responsible."
    )
    claimed_by_team: strawberry.ID | None = strawberry.field(
        default=None,
        description="由该队伍认领（队伍的全局标识）/ Claimed by this team (the team's global id).",
    )


@strawberry.input(description="队伍筛选 / Filters of a team list.")
class TeamFilter:
    region_code: str | None = strawberry.field(default=None, description=_REGION_DOC)
    category: list[ServiceCategory] | None = strawberry.field(default=None, description=_ANY_DOC)
    search: str | None = strawberry.field(
        default=None, description="名称包含 / Name contains this text."
    )


@strawberry.input(description="阵地筛选 / Filters of a station list.")
class StationFilter:
    region_code: str | None = strawberry.field(default=None, description=_REGION_DOC)
    level: list[StationLevel] | None = strawberry.field(default=None, description=_ANY_DOC)


@strawberry.input(description="活动筛选 / Filters of an activity list.")
class ActivityFilter:
    region_code: str | None = strawberry.field(default=None, description=_REGION_DOC)
    category: list[ServiceCategory] | None = strawberry.field(default=None, description=_ANY_DOC)
    from_: dt.date | None = strawberry.field(
        default=None, name="from", description="活动日期起（含）/ On or after this date."
    )
    to: dt.date | None = strawberry.field(
        default=None, description="活动日期止（不含）/ Before this date."
    )
    team: strawberry.ID | None = strawberry.field(
        default=None, description="组织队伍（全局标识）/ Held by this team (its global id)."
    )


def scope_of(region_code: str | None) -> read.RegionScope:
    if region_code is None:
        return read.RegionScope()
    region = load_places().region(region_code)
    if region is None:
        raise QueryError(
            "`regionCode` is not a division code of 辽宁 (6, 9 or 12 digits, e.g. 210100)"
        )
    return read.region_scope(region)


def wish_query(f: WishFilter | None, order: WishOrder) -> read.WishQuery:
    ascending = order is WishOrder.SUBMITTED_ASC
    if f is None:
        return read.WishQuery(ascending=ascending)
    if f.submitted_from and f.submitted_from.tzinfo is None:
        raise QueryError("`submittedFrom` needs an offset, e.g. 2022-03-14T00:00:00+08:00")
    if f.submitted_to and f.submitted_to.tzinfo is None:
        raise QueryError("`submittedTo` needs an offset, e.g. 2022-03-14T00:00:00+08:00")
    return read.WishQuery(
        scope=scope_of(f.region_code),
        status=f.status,
        category=f.category,
        beneficiary_group=f.beneficiary_group,
        source_code=f.source_code,
        submitted_from=f.submitted_from,
        submitted_to=f.submitted_to,
        search=f.search,
        handling_level=f.handling_level,
        claimed_by_team=_team_key(f.claimed_by_team),
        ascending=ascending,
    )


def team_query(f: TeamFilter | None) -> read.TeamQuery:
    if f is None:
        return read.TeamQuery()
    return read.TeamQuery(scope=scope_of(f.region_code), category=f.category, search=f.search)


def station_query(f: StationFilter | None) -> read.StationQuery:
    if f is None:
        return read.StationQuery()
    return read.StationQuery(scope=scope_of(f.region_code), level=f.level)


def activity_query(f: ActivityFilter | None) -> read.ActivityQuery:
    if f is None:
        return read.ActivityQuery()
    return read.ActivityQuery(
        scope=scope_of(f.region_code),
        category=f.category,
        date_from=f.from_,
        date_to=f.to,
        team=_team_key(f.team),
    )


def _team_key(global_id: str | None) -> int | None:
    if global_id is None:
        return None
    key = ids.decode_int_id(global_id, "Team")
    if key is None:
        raise QueryError("`team` / `claimedByTeam` is not the id of a team")
    return key
