"""The Subscription type: live wish events over graphql-transport-ws on /graphql
(``hub.http.subscriptions`` serves the WebSocket, ``hub.events`` listens)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from hub import models
from resolvers import events
from schema.enums import WishEventKind
from schema.types import Wish

if TYPE_CHECKING:
    from resolvers.context import Context

    CtxInfo = Info[Context, None]
else:
    CtxInfo = Info


@strawberry.type(description="心愿事件：心愿墙上的一次变化 / A change of a wish, as the live wish "
                 "wall shows it.")
class WishEvent:
    kind: WishEventKind = strawberry.field(description="发生了什么 / What happened.")
    at: dt.datetime = strawberry.field(
        description="枢纽记录这次变化的时间 / When the hub stored the change.")
    wish: Wish = strawberry.field(description="变化后的心愿 / The wish, as it is after the change.")

    @classmethod
    def is_type_of(cls, obj: object, info: Info) -> bool:
        return isinstance(obj, models.WishEvent)


@strawberry.type(description="实时订阅 / Live updates.")
class Subscription:
    @strawberry.subscription(
        description="实时心愿墙：提交、认领、圆梦、撤销、上报、派单，在提交后推送（任何来源、任何"
        "服务进程）；每个连接、每个地址的订阅数有上限 / The live wish wall: each wish submitted, "
        "claimed, fulfilled, cancelled, escalated or dispatched, pushed once committed, whoever "
        "made the change and through whichever server. Capped per connection and per address."
    )
    async def wish_events(
        self,
        info: CtxInfo,
        region_code: Annotated[str | None, strawberry.argument(
            description="只看此区划及下级；村级代码仅限市级、省级密钥 / Only this region and below; "
            "a village code needs a city or province key.")] = None,
    ) -> AsyncGenerator[WishEvent, None]:
        source: AsyncGenerator[Any, None] = events.wish_events(  # type: ignore[assignment]
            info.context, region_code, info.selected_fields[0].selections)
        async with aclosing(source):  # the listener lets go when the client does
            async for event in source:
                yield event
