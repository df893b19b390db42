"""Federation entities: a gateway's ``{"__typename": T, "id": ...}`` references,
found through the request's DataLoaders.

``_entities(representations: [...])`` calls ``resolve_reference`` once per
representation, all in the same tick of the event loop, so N references to
wishes cost one ``= any($1)`` statement, as N wishes of a list page do.
"""

from __future__ import annotations

import inspect
from typing import Any

from hub import ids
from hub.errors import QueryError
from resolvers.context import Context
from resolvers.queries import node


async def by_id(ctx: Context, type_name: str, global_id: object) -> Any:
    """The object of type ``type_name`` with this global id; None when there is none."""
    if not isinstance(global_id, str):
        raise QueryError(f"a {type_name} reference needs its `id` (a string)")
    kind, _ = ids.decode_id(global_id)
    if kind != type_name:
        return None
    return await node(ctx, global_id)


async def region(ctx: Context, id: object = None, code: object = None) -> Any:
    """A region by its global id or by its code (its two keys)."""
    if isinstance(code, str):
        found = ctx.region(code)
        return await found if inspect.isawaitable(found) else found
    if id is None:
        raise QueryError("a Region reference needs its `id` or its `code`")
    return await by_id(ctx, "Region", id)
