"""Who may read a wish's escalations and dispatches.

They are operator data: a ``province`` key reads them for every wish, a
``city`` key for the wishes of its region; any other caller gets an
``AccessError`` on the field (never an empty list that would look like data).
"""

from __future__ import annotations

from collections.abc import Awaitable

from hub.errors import AccessError
from hub.models import WishDispatch, WishTransfer
from resolvers.context import Context


def _check(ctx: Context, region_code: str, field: str) -> None:
    caller = ctx.caller
    if not caller.is_operator:
        raise AccessError(
            f"`Wish.{field}` needs a province key or a city key ({caller.role.value} given)")
    if not caller.covers(region_code):
        raise AccessError(f"`Wish.{field}`: this wish lies in {region_code}; your key covers "
                          f"{caller.region}")


def transfers(
    ctx: Context, wish_id: int, region_code: str
) -> list[WishTransfer] | Awaitable[list[WishTransfer]]:
    _check(ctx, region_code, "transfers")
    return ctx.loaders.transfers.get(wish_id)


def dispatch(
    ctx: Context, wish_id: int, region_code: str
) -> WishDispatch | Awaitable[WishDispatch | None] | None:
    _check(ctx, region_code, "dispatch")
    return ctx.loaders.dispatch.get(wish_id)


def dispatches(
    ctx: Context, wish_id: int, region_code: str
) -> list[WishDispatch] | Awaitable[list[WishDispatch]]:
    _check(ctx, region_code, "dispatches")
    return ctx.loaders.dispatches.get(wish_id)
