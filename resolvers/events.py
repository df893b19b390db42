"""``Subscription.wishEvents``: the region filter, then the process's listener.

Events carry public data (a wish as ``wishes`` shows it); the village rule
applies as to queries: only city and province keys may name a village (the
security extension refuses it before this runs; checked here again).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

from hub import events, regions
from hub.errors import AccessError, QueryError
from hub.models import Wish, WishEvent
from resolvers.context import Context
from resolvers.loaders import Loaders


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


async def wish_events(ctx: Context, region_code: str | None) -> AsyncIterator[WishEvent]:
    accepts = region_filter(ctx, region_code)
    app: Any = getattr(ctx.request, "app", None)
    if app is None:
        raise QueryError("subscriptions are served on /graphql over a WebSocket")
    async with events.of_app(app, ctx.pool).subscribe(accepts) as subscriber:
        async for event in subscriber.events():
            # Relations (claims, teams ...) as they are now, not as first read.
            ctx.loaders = Loaders(ctx.pool)
            yield event
