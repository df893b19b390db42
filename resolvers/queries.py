"""The functions behind Query's fields: each is a line or two over ``hub.read``."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from strawberry.types.nodes import Selection

from hub import ids, read
from hub.models import Region, RegionLevel, Source
from resolvers.context import Context
from resolvers.lookahead import selects

T = TypeVar("T")

# Type name in a global id -> the loader that finds it by integer key.
_NODE_LOADERS = {
    "Wish": "wish",
    "Team": "team",
    "Station": "station",
    "Activity": "activity",
}

# A to-one relation's table -> the loader that finds its rows by id.
_LOADER_OF_TABLE = {"stations": "station", "teams": "team"}


async def list_page(
    ctx: Context,
    selections: Sequence[Selection],
    query: Callable[[], read.ListQuery[T]],
    first: int | None,
    after: str | None,
) -> tuple[read.Page[T], Callable[[], Awaitable[int]]]:
    """A page of a list (its relations prefetched) and a deferred count of the query's rows.

    ``query`` builds the ``hub.read`` query from the field's filter, once
    ``first`` has been checked; the query names its list kind.
    """
    size = read.check_first(20 if first is None else first)
    built = query()
    page = await read.page(ctx.pool, built, size, after)
    await prefetch(ctx, selections, built.kind, page.items)
    return page, lambda: read.count(ctx.pool, built)


async def node(ctx: Context, global_id: str) -> Any:
    type_name, key = ids.decode_id(global_id)
    if type_name == "Region":
        return await ctx.loaders.region.load(key)
    if type_name == "Source":
        number = _int(key)
        return None if number is None else (await ctx.sources()).get(number)
    loader = _NODE_LOADERS.get(type_name)
    if loader is None:
        return None
    number = _int(key)
    return None if number is None else await getattr(ctx.loaders, loader).load(number)


async def regions(ctx: Context, level: RegionLevel | None, parent_code: str | None) -> list[Region]:
    return await read.regions_list(ctx.pool, level, parent_code)


async def sources(ctx: Context) -> list[Source]:
    return list((await ctx.sources()).values())


def _int(key: str) -> int | None:
    return ids.int_key(key)


async def prefetch(
    ctx: Context, selections: Sequence[Selection], kind: read.ListKind[object],
    rows: Sequence[Any], node: tuple[str, ...] = ("edges", "node"),
) -> None:
    """Load, for a whole page at once, the relations the query reads per row.

    ``selections`` are those of the connection field, where a row is at
    ``node`` (a subscription's events: ``("wish",)``); rows are the page's
    objects of ``kind``, whose declared to-one relations (their ids read
    with the page) are loaded when selected. Afterwards their relation
    fields resolve to plain values (see ``Loaders.get``).
    """
    if not rows:
        return
    jobs: list[Awaitable[Any]] = []
    for relation in kind.sql.to_one:
        if selects(selections, (*node, relation.field)):
            loader = getattr(ctx.loaders, _LOADER_OF_TABLE[relation.table])
            jobs.append(_load_ids(loader, rows, relation.column))
    if selects(selections, (*node, "source")):
        jobs.append(ctx.sources())
    if selects(selections, (*node, "claims")):
        jobs.append(_claims(ctx, rows, team=selects(selections, (*node, "claims", "team"))))
    await asyncio.gather(*jobs)


async def _load_ids(loader: Any, rows: Sequence[Any], attribute: str) -> None:
    keys = {getattr(r, attribute, None) for r in rows} - {None}
    if keys:
        await loader.load_many(list(keys))


async def _claims(ctx: Context, rows: Sequence[Any], *, team: bool) -> None:
    lists = await ctx.loaders.claims.load_many([r.id for r in rows])
    if team:
        await _load_ids(ctx.loaders.team, [c for claims in lists for c in claims], "team_id")
