"""The functions behind Query's fields: each is a line or two over ``hub.read``."""

from __future__ import annotations

from typing import Any

from hub import ids, read
from hub.models import Region, RegionLevel, Source
from resolvers.context import Context

# Type name in a global id -> the loader that finds it by integer key.
_NODE_LOADERS = {
    "Wish": "wish",
    "Team": "team",
    "Station": "station",
    "Activity": "activity",
}


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
    try:
        return int(key)
    except ValueError:
        return None
