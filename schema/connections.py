"""Relay connections: ``edges``, ``pageInfo`` and a lazily counted ``totalCount``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import strawberry

from schema.types import Activity, PageInfo, Station, Team, Wish

if TYPE_CHECKING:
    from hub.read import Page

N = TypeVar("N")


@strawberry.type
class _Edge(Generic[N]):
    cursor: str = strawberry.field(description="不透明游标 / Opaque cursor of this edge.")
    node: N


@strawberry.type
class _Connection(Generic[N]):
    edges: list[_Edge[N]]
    page_info: PageInfo
    _count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="符合筛选条件的总数 / How many match the filter in all.")
    async def total_count(self) -> int:
        # Counted only when asked for: a page alone never pays for the count.
        return await self._count()


@strawberry.type(description="心愿列表的一项 / An edge of a wish list.")
class WishEdge(_Edge[Wish]):
    pass


@strawberry.type(description="心愿列表 / A page of wishes.")
class WishConnection(_Connection[Wish]):
    edges: list[WishEdge]  # type: ignore[assignment]


@strawberry.type(description="队伍列表的一项 / An edge of a team list.")
class TeamEdge(_Edge[Team]):
    pass


@strawberry.type(description="队伍列表 / A page of teams.")
class TeamConnection(_Connection[Team]):
    edges: list[TeamEdge]  # type: ignore[assignment]


@strawberry.type(description="阵地列表的一项 / An edge of a station list.")
class StationEdge(_Edge[Station]):
    pass


@strawberry.type(description="阵地列表 / A page of stations.")
class StationConnection(_Connection[Station]):
    edges: list[StationEdge]  # type: ignore[assignment]


@strawberry.type(description="活动列表的一项 / An edge of an activity list.")
class ActivityEdge(_Edge[Activity]):
    pass


@strawberry.type(description="活动列表 / A page of activities.")
class ActivityConnection(_Connection[Activity]):
    edges: list[ActivityEdge]  # type: ignore[assignment]


C = TypeVar("C", bound=_Connection[Any])


def connection(
    conn_type: type[C],
    edge_type: type[_Edge[Any]],
    page: Page[Any],
    count: Callable[[], Awaitable[int]],
) -> C:
    edges = [edge_type(cursor=c, node=n) for c, n in zip(page.cursors, page.items, strict=True)]
    info = PageInfo(
        has_next_page=page.has_next,
        has_previous_page=page.has_previous,
        start_cursor=page.cursors[0] if page.cursors else None,
        end_cursor=page.cursors[-1] if page.cursors else None,
    )
    return conn_type(edges=edges, page_info=info, _count=count)
