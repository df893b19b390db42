"""The Query type: the contract's entry points, each a thin call into ``resolvers``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from hub import ids
from resolvers import queries
from resolvers import stats as r
from schema import connections as c
from schema.enums import RegionLevel
from schema.filters import (
    ActivityFilter,
    StationFilter,
    TeamFilter,
    WishFilter,
    WishOrder,
    activity_query,
    station_query,
    team_query,
    wish_query,
)
from schema.stats import Granularity, RegionStats, SeriesPoint, Stats, StatsFilter, wrap
from schema.types import Node, Region, Source, Wish

if TYPE_CHECKING:
    from resolvers.context import Context

    CtxInfo = Info[Context, None]
else:
    CtxInfo = Info

_FIRST_DOC = "每页条数，0–100 / Page size, 0 to 100."
_AFTER_DOC = "上一页的 endCursor / The endCursor of the previous page."


@strawberry.type(description="省级志愿服务数据枢纽 / The province hub's entry points.")
class Query:
    @strawberry.field(description="按全局标识取对象 / Any object by its global id.")
    async def node(self, info: CtxInfo, id: strawberry.ID) -> Node | None:
        return await queries.node(info.context, id)

    @strawberry.field(description="按区划代码取区划 / A region by its code.")
    async def region(self, info: CtxInfo, code: str) -> Region | None:
        return await info.context.loaders.region.load(code)

    @strawberry.field(
        description="区划列表，按代码排序 / Regions, by code; filter by level and parent."
    )
    async def regions(
        self, info: CtxInfo, level: RegionLevel | None = None, parent_code: str | None = None
    ) -> list[Region]:
        return await queries.regions(info.context, level, parent_code)

    @strawberry.field(description="数据来源平台 / The platforms that feed the hub.")
    async def sources(self, info: CtxInfo) -> list[Source]:
        return await queries.sources(info.context)

    @strawberry.field(description="按全局标识取心愿 / A wish by its global id.")
    async def wish(self, info: CtxInfo, id: strawberry.ID) -> Wish | None:
        key = ids.decode_int_id(id, "Wish")
        return None if key is None else await info.context.loaders.wish.load(key)

    @strawberry.field(
        description="微心愿列表（游标分页）/ Wishes, newest first by default, keyset-paginated."
    )
    async def wishes(
        self,
        info: CtxInfo,
        filter: WishFilter | None = None,
        order_by: WishOrder | None = WishOrder.SUBMITTED_DESC,
        first: Annotated[int | None, strawberry.argument(description=_FIRST_DOC)] = 20,
        after: Annotated[str | None, strawberry.argument(description=_AFTER_DOC)] = None,
    ) -> c.WishConnection:
        order = order_by or WishOrder.SUBMITTED_DESC
        return await c.page(c.WishConnection, info, lambda: wish_query(filter, order), first, after)

    @strawberry.field(description="志愿服务队伍列表 / Volunteer teams, keyset-paginated.")
    async def teams(
        self,
        info: CtxInfo,
        filter: TeamFilter | None = None,
        first: Annotated[int | None, strawberry.argument(description=_FIRST_DOC)] = 20,
        after: Annotated[str | None, strawberry.argument(description=_AFTER_DOC)] = None,
    ) -> c.TeamConnection:
        return await c.page(c.TeamConnection, info, lambda: team_query(filter), first, after)

    @strawberry.field(description="新时代文明实践阵地列表 / Stations, keyset-paginated.")
    async def stations(
        self,
        info: CtxInfo,
        filter: StationFilter | None = None,
        first: Annotated[int | None, strawberry.argument(description=_FIRST_DOC)] = 20,
        after: Annotated[str | None, strawberry.argument(description=_AFTER_DOC)] = None,
    ) -> c.StationConnection:
        return await c.page(c.StationConnection, info, lambda: station_query(filter), first, after)

    @strawberry.field(
        description="志愿服务活动列表，最近的在前 / Activities, latest first, keyset-paginated."
    )
    async def activities(
        self,
        info: CtxInfo,
        filter: ActivityFilter | None = None,
        first: Annotated[int | None, strawberry.argument(description=_FIRST_DOC)] = 20,
        after: Annotated[str | None, strawberry.argument(description=_AFTER_DOC)] = None,
    ) -> c.ActivityConnection:
        return await c.page(c.ActivityConnection, info, lambda: activity_query(filter), first, after)

    @strawberry.field(description="统计（精确值）/ Exact figures for the filter.")
    async def stats(self, info: CtxInfo, filter: StatsFilter | None = None) -> Stats:
        selections = info.selected_fields[0].selections
        return wrap(await r.stats(info.context, filter, r.wants_medians(selections),
                                  r.wants_flow(selections), r.wants_stock(selections)))

    @strawberry.field(
        description="按区划分组的统计，列出筛选区划下该层级的每个区划 / Figures for every "
        "region at `level` under the filter's region."
    )
    async def stats_by_region(
        self, info: CtxInfo, filter: StatsFilter | None = None, level: RegionLevel = RegionLevel.CITY
    ) -> list[RegionStats]:
        medians = r.wants_medians(info.selected_fields[0].selections, "stats")
        flow = r.wants_flow(info.selected_fields[0].selections, "stats")
        stock = r.wants_stock(info.selected_fields[0].selections, "stats")
        rows = await r.stats_by_region(info.context, filter, level, medians, flow, stock)
        return [RegionStats(region=region, stats=wrap(figures)) for region, figures in rows]  # type: ignore[arg-type]

    @strawberry.field(
        description="按时间分组的统计（北京时间日历日，周从周一开始）/ Figures per day, week "
        "(from Monday), month or year, Beijing calendar."
    )
    async def stats_series(
        self,
        info: CtxInfo,
        filter: StatsFilter | None = None,
        granularity: Granularity = Granularity.MONTH,
    ) -> list[SeriesPoint]:
        medians = r.wants_medians(info.selected_fields[0].selections, "stats")
        flow = r.wants_flow(info.selected_fields[0].selections, "stats")
        stock = r.wants_stock(info.selected_fields[0].selections, "stats")
        points = await r.stats_series(info.context, filter, granularity, medians, flow, stock)
        return [SeriesPoint(start=day, stats=wrap(figures)) for day, figures in points]
