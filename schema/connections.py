"""Relay connections: ``edges``, ``pageInfo`` and a lazily counted ``totalCount``.

One generic connection serves the four list kinds: ``Connection[Wish]`` is
the contract's ``WishConnection`` and its edges ``WishEdge`` (strawberry
names a generic type's use after its arguments). A kind's connection is a
subclass only for its description.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import strawberry
from strawberry.types import Info

from resolvers import queries
from schema.types import Activity, PageInfo, Station, Team, Wish

if TYPE_CHECKING:
    from hub.read import ListQuery, Page
    from resolvers.context import Context

N = TypeVar("N")


@strawberry.type(name="Edge", description="列表的一项 / An edge of a list: a node and its cursor.")
class _Edge(Generic[N]):
    cursor: str = strawberry.field(description="不透明游标 / Opaque cursor of this edge.")
    node: N


@strawberry.type(name="Connection")
class _Connection(Generic[N]):
    edges: list[_Edge[N]]
    page_info: PageInfo
    _count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="符合筛选条件的总数 / How many match the filter in all.")
    async def total_count(self) -> int:
        # Counted only when asked for: a page alone never pays for the count.
        return await self._count()


@strawberry.type(description="心愿列表 / A page of wishes.")
class WishConnection(_Connection[Wish]):
    pass


@strawberry.type(description="队伍列表 / A page of teams.")
class TeamConnection(_Connection[Team]):
    pass


@strawberry.type(description="阵地列表 / A page of stations.")
class StationConnection(_Connection[Station]):
    pass


@strawberry.type(description="活动列表 / A page of activities.")
class ActivityConnection(_Connection[Activity]):
    pass


C = TypeVar("C", bound=_Connection[Any])


async def page(
    conn_type: type[C],
    info: Info[Context, None],
    query: Callable[[], ListQuery[Any]],
    first: int | None,
    after: str | None,
) -> C:
    """A list field's connection: the page ``query`` (built once ``first`` is
    checked) finds after ``after``, its relations prefetched, its total counted
    when asked for."""
    found, count = await queries.list_page(
        info.context, info.selected_fields[0].selections, query, first, after)
    return _connection(conn_type, found, count)


def _connection(conn_type: type[C], page: Page[Any], count: Callable[[], Awaitable[int]]) -> C:
    edges = [_Edge(cursor=c, node=n) for c, n in zip(page.cursors, page.items, strict=True)]
    info = PageInfo(
        has_next_page=page.has_next,
        has_previous_page=page.has_previous,
        start_cursor=page.cursors[0] if page.cursors else None,
        end_cursor=page.cursors[-1] if page.cursors else None,
    )
    return conn_type(edges=edges, page_info=info, _count=count)
