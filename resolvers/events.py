"""``Subscription.wishEvents``: the region filter, then the process's listener.

Events carry public data (a wish as ``wishes`` shows it); the village rule
applies as to queries: only city and province keys may name a village (the
security extension refuses it before this runs; checked here again).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

from strawberry.types.nodes import Selection

from hub import events, read, regions
from hub.errors import AccessError, QueryError
from hub.models import Wish, WishEvent
from resolvers import queries
from resolvers.context import Context
from resolvers.loaders import Loaders
from resolvers.lookahead import selects


def region_filter(ctx: Context, region_code: str | None) -> Callable[[Wish], bool]:
    """Which wishes a subscription wants: those of ``region_code`` and below."""
    if region_code is None:
        return lambda wish: True
    code = regions.canonical_code(region_code)
    if code is None or not regions.in_province(code):
        raise QueryError(f"`regionCode` {region_code[:20]!r} is not a region code of 辽宁")
    if len(code) == 12 and not ctx.caller.sees_villages:
        raise AccessError("`wishEvents` by village needs a city or province key; "
                          "subscribe to the town (9 digits) or above.")
    return lambda wish: regions.is_within(wish.region_code, code)


async def wish_events(
    ctx: Context, region_code: str | None, selections: Sequence[Selection]
) -> AsyncIterator[WishEvent]:
    accepts = region_filter(ctx, region_code)
    app: Any = getattr(ctx.request, "app", None)
    if app is None:
        raise QueryError("subscriptions are served on /graphql over a WebSocket")
    async with events.of_app(app, ctx.pool).subscribe(accepts) as subscriber:
        async for batch in subscriber.batches():
            # Relations (claims, teams ...) as they are now, not as first
            # read; loaded for the whole batch, not one statement per event.
            ctx.loaders = Loaders(ctx.pool)
            await _prefetch(ctx, selections, [e.wish for e in batch])
            for event in batch:
                yield event


async def _prefetch(ctx: Context, selections: Sequence[Selection], wishes: list[Wish]) -> None:
    jobs: list[Awaitable[Any]] = [queries.prefetch(ctx, selections, read.WISHES, wishes,
                                                          node=("wish",))]
    if selects(selections, ("wish", "region")):
        # Towns and villages (reference regions need no statement), as
        # Wish.region shows them to this caller.
        cut = 12 if ctx.caller.sees_villages else 9
        codes = {w.region_code[:cut] for w in wishes} - set(regions.reference_by_code())
        if codes:
            jobs.append(ctx.loaders.region.load_many(sorted(codes)))
    await asyncio.gather(*jobs)
