"""GraphQL object types. They carry the names of ``hub.models``.

Relations return the DataLoader's future itself rather than awaiting it in
a coroutine (graphql-core awaits it), and relations that are reference data
return the value at once: on a list page every coroutine saved is saved per
row.

Resolvers receive the canonical read-side objects (``hub.models.Wish`` ...)
as their root: plain fields are attributes of those already-loaded objects
(sync, no resolver call beyond graphql-core's attribute read), and only
relations go through the per-request DataLoaders. ``Private`` fields declare
the attributes of the model that relations use, so that ``self`` is typed.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from hub import ids, models
from hub.security.villages import region_code_for, station_name_for
from resolvers import entities, matching
from resolvers import wishlist as wishlist_reads
from schema.enums import (
    BeneficiaryGroup,
    ClaimantKind,
    DispatchOutcome,
    RegionLevel,
    ServiceCategory,
    SourceDataHealth,
    SourceHealth,
    StationLevel,
    WishCategory,
    WishKind,
    WishStatus,
)
from schema.executor import PLAIN_FROM_CONTEXT

if TYPE_CHECKING:
    from resolvers.context import Context

    CtxInfo = Info[Context, None]
else:
    CtxInfo = Info


_ID_DOC = "全局唯一标识，可用于 node(id:) 查询 / Global id, usable with node(id:)."
_REGION_NOTE = (
    "村（12 位代码）仅对市级、省级密钥显示，其他调用方看到所在乡镇 / A village (12-digit "
    "code) is shown to city and province keys only; other callers see its town."
)


# Model class -> (GraphQL type name, attribute holding its key) for global ids.
_GLOBAL_KEYS: dict[type, tuple[str, str]] = {
    models.Region: ("Region", "code"),
    models.Source: ("Source", "id"),
    models.Station: ("Station", "id"),
    models.Team: ("Team", "id"),
    models.Wish: ("Wish", "id"),
    models.Activity: ("Activity", "id"),
}


# Relations of already-loaded objects: each resolver below calls one of these,
# and the executor calls it directly (``PLAIN_FROM_CONTEXT``), without an Info
# or a resolver call, when it answers at once (the relation was prefetched).
# A value not loaded yet is the loader's future: graphql-core then awaits it.


def _region(obj: Any, ctx: Context) -> Any:
    # A village only for callers who may see villages (hub.security.villages).
    return ctx.region(region_code_for(ctx.caller, obj.region_code))


def _station(obj: Any, ctx: Context) -> Any:
    return None if obj.station_id is None else ctx.loaders.station.get(obj.station_id)


def _source(obj: Any, ctx: Context) -> Any:
    return ctx.source(obj.source_pk)


def _claim_team(claim: Any, ctx: Context) -> Any:
    return None if claim.team_id is None else ctx.loaders.team.get(claim.team_id)


def _wish_claims(wish: Any, ctx: Context) -> Any:
    return ctx.loaders.claims.get(wish.id)


def resolve_attribute(obj: Any, name: str) -> Any:
    """The schema's default resolver: an attribute of the loaded object, except
    a node's ``id``, which is its global id.

    Doing this here rather than with an ``id`` resolver per type spares a
    resolver call (strawberry's wrapping of it) for every node of a page.
    """
    if name == "id":
        found = _GLOBAL_KEYS.get(type(obj))
        if found is not None:
            return ids.encode_id(found[0], getattr(obj, found[1]))
    return getattr(obj, name)


# Names ``resolve_attribute`` reads otherwise than ``getattr`` would (the
# executor reads every other plain field with ``operator.attrgetter``).
resolve_attribute.special_names = frozenset({"id"})  # type: ignore[attr-defined]


def _id_field(type_name: str, key: str = "id") -> Any:
    """The ``id`` field of a node type (see ``resolve_attribute``)."""
    assert _GLOBAL_KEYS[getattr(models, type_name)] == (type_name, key)
    return strawberry.field(description=_ID_DOC)


@strawberry.interface(description="有全局标识的对象 / An object with a global id.")
class Node:
    id: strawberry.ID = strawberry.field(description=_ID_DOC)


@strawberry.type(description="分页信息 / Relay page information.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


# ---------------------------------------------------------------- regions


@strawberry.federation.type(
    keys=["id", "code"],
    description="行政区划 (GB/T 2260) / An administrative division: province 210000, "
    "city 210100, county 210106; towns and villages use 9- and 12-digit codes."
)
class Region(Node):
    id: strawberry.ID = _id_field("Region", "code")
    code: str = strawberry.field(description="区划代码 / GB/T 2260 code.")
    name: str = strawberry.field(description="名称 / Name, e.g. 沈阳市.")
    level: RegionLevel = strawberry.field(description="层级 / Level.")
    parent_code: strawberry.Private[str | None]

    @classmethod
    def is_type_of(cls, obj: object, info: Info) -> bool:
        return isinstance(obj, models.Region)

    @classmethod
    async def resolve_reference(
        cls, info: CtxInfo, id: strawberry.ID | None = None, code: str | None = None, **_: Any
    ) -> Region | None:
        """Federation: a gateway's reference, by global id or by code."""
        return await entities.region(info.context, id, code)

    @strawberry.field(description="上级区划 / The division above; null for the province.")
    def parent(self, info: CtxInfo) -> Region | None:
        if self.parent_code is None:
            return None
        return info.context.region(self.parent_code)

    @strawberry.field(description="下级区划 / The divisions directly below.")
    def children(self, info: CtxInfo) -> list[Region]:
        return info.context.loaders.region_children.get(self.code)


# ---------------------------------------------------------------- sources


@strawberry.federation.type(
    keys=["id"],
    description="数据来源平台 / A city or provincial platform that feeds the hub through an adapter."
)
class Source(Node):
    id: strawberry.ID = _id_field("Source")
    code: str = strawberry.field(
        description="平台代码（如 shengjing；`sources` 列出全部）/ The source's code, e.g. shengjing "
        "(`sources` lists them all)."
    )
    name: str = strawberry.field(description="平台名称 / 盛京使者 | 枫乡 | 辽宁文化云 | 葫芦岛微心愿.")
    health: SourceHealth = strawberry.field(description="接入状态 / Health of the feed.")
    data_health: SourceDataHealth = strawberry.field(
        description="数据质量 / Whether its data lands (REJECTED: up, but every record of its "
        "newest delivery was rejected).")
    last_received_at: dt.datetime | None = strawberry.field(
        description="最近一次收到数据的时间 / When the hub last received a record from it."
    )
    records_accepted: int = strawberry.field(description="累计接收记录数 / Records accepted.")
    records_rejected: int = strawberry.field(description="累计拒收记录数 / Records rejected.")
    scope_code: strawberry.Private[str]

    @classmethod
    def is_type_of(cls, obj: object, info: Info) -> bool:
        return isinstance(obj, models.Source)

    @classmethod
    async def resolve_reference(cls, info: CtxInfo, id: strawberry.ID, **_: Any) -> Source | None:
        """Federation: a gateway's reference, by global id."""
        return await entities.by_id(info.context, "Source", id)

    @strawberry.field(description="可写入的区划 / The only region this source may write.")
    def scope(self, info: CtxInfo) -> Region:
        return info.context.region(self.scope_code)

    @strawberry.field(
        description="近 24 小时拒收记录数 / Records rejected in the 24 hours before the request."
    )
    async def records_rejected_last_day(self, info: CtxInfo) -> int:
        # Resolved on hub.models.Source, whose ``id`` is the source's own key.
        found: int = await info.context.loaders.rejected_last_day.load(int(self.id))
        return found


# ---------------------------------------------------------------- stations


@strawberry.federation.type(
    keys=["id"],
    description="新时代文明实践 中心 (县) / 所 (乡镇) / 站 (村、社区) / 点 — "
    "A New-Era Civilization Practice centre, institute, station or point."
)
class Station(Node):
    id: strawberry.ID = _id_field("Station")
    level: StationLevel = strawberry.field(description="层级 / Level.")
    source_id: str = strawberry.field(description="来源平台上的编号 / Id on its platform.")
    region_code: strawberry.Private[str]
    parent_id: strawberry.Private[int | None]
    source_pk: strawberry.Private[int]

    @classmethod
    def is_type_of(cls, obj: object, info: Info) -> bool:
        return isinstance(obj, models.Station)

    @classmethod
    async def resolve_reference(cls, info: CtxInfo, id: strawberry.ID, **_: Any) -> Station | None:
        """Federation: a gateway's reference, by global id."""
        return await entities.by_id(info.context, "Station", id)

    @strawberry.field(
        description="名称。村级阵地的名称含村名，仅对市级、省级密钥显示，其他调用方看到其层级的"
        "通称（新时代文明实践站）/ Name. A station in a village is named after the village: "
        "city and province keys see it, other callers the generic name of its level "
        "(新时代文明实践站)."
    )
    def name(self, info: CtxInfo) -> str:
        model: Any = self  # a hub.models.Station, whose `name` is the platform's
        return station_name_for(info.context.caller, model.name, self.region_code, self.level)

    @strawberry.field(description=f"所在区划 / Where it is. {_REGION_NOTE}")
    def region(self, info: CtxInfo) -> Region:
        return info.context.region(region_code_for(info.context.caller, self.region_code))

    @strawberry.field(description="上级阵地 / The station above it.")
    def parent(self, info: CtxInfo) -> Station | None:
        if self.parent_id is None:
            return None
        return info.context.loaders.station.get(self.parent_id)

    @strawberry.field(description="来源平台 / The platform it came from.")
    def source(self, info: CtxInfo) -> Source:
        return info.context.source(self.source_pk)


# ---------------------------------------------------------------- teams


@strawberry.federation.type(keys=["id"], description="志愿服务队伍 / A volunteer team.")
class Team(Node):
    id: strawberry.ID = _id_field("Team")
    name: str = strawberry.field(description="队伍名称 / Name.")
    category: ServiceCategory = strawberry.field(description="服务领域 / Field of service.")
    member_count: int = strawberry.field(description="注册队员数 / Registered members.")
    source_id: str = strawberry.field(description="来源平台上的编号 / Id on its platform.")
    region_code: strawberry.Private[str]
    station_id: strawberry.Private[int | None]
    source_pk: strawberry.Private[int]

    @classmethod
    def is_type_of(cls, obj: object, info: Info) -> bool:
        return isinstance(obj, models.Team)

    @classmethod
    async def resolve_reference(cls, info: CtxInfo, id: strawberry.ID, **_: Any) -> Team | None:
        """Federation: a gateway's reference, by global id."""
        return await entities.by_id(info.context, "Team", id)

    @strawberry.field(description=f"所在区划 / Where it is. {_REGION_NOTE}",
                      metadata={PLAIN_FROM_CONTEXT: _region})
    def region(self, info: CtxInfo) -> Region:
        return _region(self, info.context)

    @strawberry.field(description="所属阵地 / The station it belongs to.",
                      metadata={PLAIN_FROM_CONTEXT: _station})
    def station(self, info: CtxInfo) -> Station | None:
        return _station(self, info.context)

    @strawberry.field(description="来源平台 / The platform it came from.",
                      metadata={PLAIN_FROM_CONTEXT: _source})
    def source(self, info: CtxInfo) -> Source:
        return _source(self, info.context)


@strawberry.type(description="推荐队伍及理由 / A team suggested for a wish, with why.")
class TeamSuggestion:
    team: Team = strawberry.field(description="推荐的队伍 / The team.")
    score: int = strawberry.field(
        description="匹配分，越高越合适：服务领域对口 0–40、距离远近 0–40、当前负担 0 至 −20 / "
        "Higher suits better: service fit 0 to 40, nearness 0 to 40, current load 0 to −20."
    )
    reasons: list[str] = strawberry.field(
        description="评分理由，如“扶危帮困队伍”“同一乡镇”“当前认领 3 个” / The score in words "
        "an operator reads, e.g. 扶危帮困队伍 (a relief team), 同一乡镇 (same town), "
        "当前认领 3 个 (3 open claims)."
    )


# ---------------------------------------------------------------- wishes


@strawberry.type(description="认领 / A claim on a wish by a team, volunteer, enterprise or organisation.")
class Claim:
    claimant_kind: ClaimantKind = strawberry.field(description="认领方类型 / Who claimed.")
    claimant_name: str = strawberry.field(description="认领方名称 / Claimant's name.")
    claimed_at: dt.datetime = strawberry.field(description="认领时间 / When.")
    team_id: strawberry.Private[int | None]

    @strawberry.field(description="认领队伍（平台认得的队伍）/ The claiming team, when the hub knows it.",
                      metadata={PLAIN_FROM_CONTEXT: _claim_team})
    def team(self, info: CtxInfo) -> Team | None:
        return _claim_team(self, info.context)


_HISTORY = (
    "运维数据：省级密钥，或本区划的市级密钥 / Operator data: a province key, or a city key for "
    "a wish of its region. "
)


@strawberry.type(description="负责层级的一次变更（上下联动）/ A change of the level handling a "
                 "wish, made in the hub: escalated by an office or by the automatic rule.")
class WishTransfer:
    from_level: RegionLevel = strawberry.field(name="from", description="原层级 / From level.")
    to_level: RegionLevel = strawberry.field(name="to", description="新层级 / To level.")
    reason: str = strawberry.field(description="原因 / Why.")
    at: dt.datetime = strawberry.field(description="时间 / When.")
    by: str = strawberry.field(
        description="操作者：密钥名称，或自动规则为 rule / Who: a key's name, or `rule`."
    )


@strawberry.type(description="组织派单：指派给某支队伍 / A dispatch (组织派单): the wish assigned "
                 "to a team, of any city and platform, by an office.")
class WishDispatch:
    at: dt.datetime = strawberry.field(description="派单时间 / When it was dispatched.")
    by: str = strawberry.field(description="派单的密钥名称 / The key that dispatched it.")
    note: str | None = strawberry.field(description="派单说明 / The office's note.")
    ended_at: dt.datetime | None = strawberry.field(
        description="结束时间；当前派单为空 / When it ended; null for the current dispatch."
    )
    ended_by: str | None = strawberry.field(
        description="结束者：密钥名称，或平台上报认领时为 platform / Who ended it: a key's name, "
        "or `platform` when the wish's platform reported a claim."
    )
    end_reason: str | None = strawberry.field(description="撤回原因 / Why it was withdrawn.")
    outcome: DispatchOutcome | None = strawberry.field(
        description="结束方式；当前派单为空 / How it ended; null for the current dispatch."
    )
    team_id: strawberry.Private[int]

    @strawberry.field(description="接单队伍 / The team it was dispatched to.")
    def team(self, info: CtxInfo) -> Team | None:
        return info.context.loaders.team.get(self.team_id)


@strawberry.federation.type(
    keys=["id"],
    description="微心愿 / A micro-wish: posted by a person in difficulty, claimed (认领), "
    "fulfilled (圆梦)."
)
class Wish(Node):
    id: strawberry.ID = _id_field("Wish")
    title: str = strawberry.field(description="心愿标题 / Title.")
    kind: WishKind = strawberry.field(description="实物或服务 / Goods or a service.")
    category: WishCategory = strawberry.field(description="心愿类别 / Category.")
    beneficiary_group: BeneficiaryGroup = strawberry.field(
        description="服务对象类别 / Who it is for."
    )
    beneficiary_name: str | None = strawberry.field(
        description="服务对象姓名，始终脱敏（李某某）/ Always masked; contact data is never "
        "part of the schema."
    )
    status: WishStatus = strawberry.field(description="状态 / Status.")
    submitted_at: dt.datetime = strawberry.field(description="提交时间 / Submitted.")
    claimed_at: dt.datetime | None = strawberry.field(description="认领时间 / First claimed.")
    fulfilled_at: dt.datetime | None = strawberry.field(description="圆梦时间 / Fulfilled.")
    handling_level: RegionLevel = strawberry.field(
        description="当前负责层级：默认县级，上报后为市级或省级 / The level now responsible: "
        "COUNTY by default, CITY or PROVINCE after escalation."
    )
    source_id: str = strawberry.field(description="来源平台上的编号 / Id on its platform.")
    region_code: strawberry.Private[str]
    station_id: strawberry.Private[int | None]
    source_pk: strawberry.Private[int]

    @classmethod
    def is_type_of(cls, obj: object, info: Info) -> bool:
        return isinstance(obj, models.Wish)

    @classmethod
    async def resolve_reference(cls, info: CtxInfo, id: strawberry.ID, **_: Any) -> Wish | None:
        """Federation: a gateway's reference, by global id."""
        return await entities.by_id(info.context, "Wish", id)

    @strawberry.field(description=f"所在区划 / Where the beneficiary lives. {_REGION_NOTE}",
                      metadata={PLAIN_FROM_CONTEXT: _region})
    def region(self, info: CtxInfo) -> Region:
        return _region(self, info.context)

    @strawberry.field(
        description="收集心愿的阵地；村级阵地对市级、省级以外的调用方显示为所在乡镇和通称 / The "
        "station that collected it; one in a village is shown to callers other than city and "
        "province keys in its town, under the generic name of its level.",
        metadata={PLAIN_FROM_CONTEXT: _station},
    )
    def station(self, info: CtxInfo) -> Station | None:
        return _station(self, info.context)

    @strawberry.field(description="认领记录 / Claims, oldest first.",
                      metadata={PLAIN_FROM_CONTEXT: _wish_claims})
    def claims(self, info: CtxInfo) -> list[Claim]:
        return _wish_claims(self, info.context)

    @strawberry.field(description="来源平台 / The platform it came from.",
                      metadata={PLAIN_FROM_CONTEXT: _source})
    def source(self, info: CtxInfo) -> Source:
        return _source(self, info.context)

    @strawberry.field(
        description=_HISTORY + "负责层级的变更，早的在前 / Changes of the handling level made in "
        "the hub, oldest first."
    )
    def transfers(self, info: CtxInfo) -> list[WishTransfer] | None:
        return wishlist_reads.transfers(info.context, self.id, self.region_code)  # type: ignore[arg-type]

    @strawberry.field(
        description=_HISTORY + "当前派单，直到平台上报认领或被撤回；无则为空 / The current dispatch, "
        "until the wish's platform reports a claim or it is withdrawn; null when none."
    )
    def dispatch(self, info: CtxInfo) -> WishDispatch | None:
        return wishlist_reads.dispatch(info.context, self.id, self.region_code)  # type: ignore[arg-type]

    @strawberry.field(
        description=_HISTORY + "已结束的派单，早的在前 / Dispatches that ended (withdrawn, "
        "claimed, closed), oldest first."
    )
    def dispatches(self, info: CtxInfo) -> list[WishDispatch] | None:
        return wishlist_reads.dispatches(info.context, self.id, self.region_code)  # type: ignore[arg-type]

    @strawberry.field(
        description="推荐承接的队伍，按匹配分从高到低（服务领域、区划远近、当前负担）；运营数据："
        "省级密钥，或本区划的市级密钥 / Teams suggested to take the wish, best first, by service "
        "fit, nearness in the region tree and current load. Operator data: a province key, or "
        "a city key for its own region."
    )
    def suggested_teams(
        self,
        info: CtxInfo,
        first: Annotated[int | None, strawberry.argument(
            description="条数，0–20，默认 5 / How many, 0 to 20; 5 when not given.")] = 5,
    ) -> list[TeamSuggestion] | None:
        return matching.suggested_teams(info.context, self, 5 if first is None else first)  # type: ignore[arg-type]


# ---------------------------------------------------------------- activities


@strawberry.federation.type(
    keys=["id"],
    description="志愿服务活动及其场次、人次、时长 / A volunteer service activity and its counts."
)
class Activity(Node):
    id: strawberry.ID = _id_field("Activity")
    title: str = strawberry.field(description="活动名称 / Title.")
    category: ServiceCategory = strawberry.field(description="服务领域 / Field of service.")
    date: dt.date = strawberry.field(description="活动日期 / Date.")
    sessions: int = strawberry.field(description="场次 / Sessions.")
    volunteer_attendances: int = strawberry.field(
        description="志愿者参与人次 / Volunteer attendances."
    )
    beneficiaries: int = strawberry.field(description="受惠群众人次 / People served.")
    volunteer_hours: float = strawberry.field(description="服务时长（小时）/ Service hours.")
    source_id: str = strawberry.field(description="来源平台上的编号 / Id on its platform.")
    region_code: strawberry.Private[str]
    station_id: strawberry.Private[int | None]
    team_id: strawberry.Private[int | None]
    source_pk: strawberry.Private[int]

    @classmethod
    def is_type_of(cls, obj: object, info: Info) -> bool:
        return isinstance(obj, models.Activity)

    @classmethod
    async def resolve_reference(cls, info: CtxInfo, id: strawberry.ID, **_: Any) -> Activity | None:
        """Federation: a gateway's reference, by global id."""
        return await entities.by_id(info.context, "Activity", id)

    @strawberry.field(description=f"所在区划 / Where it took place. {_REGION_NOTE}")
    def region(self, info: CtxInfo) -> Region:
        return info.context.region(region_code_for(info.context.caller, self.region_code))

    @strawberry.field(description="所属阵地 / The station that held it.")
    def station(self, info: CtxInfo) -> Station | None:
        if self.station_id is None:
            return None
        return info.context.loaders.station.get(self.station_id)

    @strawberry.field(description="组织队伍 / The team that served.")
    def team(self, info: CtxInfo) -> Team | None:
        if self.team_id is None:
            return None
        return info.context.loaders.team.get(self.team_id)

    @strawberry.field(description="来源平台 / The platform it came from.")
    def source(self, info: CtxInfo) -> Source:
        return info.context.source(self.source_pk)


