"""``Wish.suggestedTeams``: who may ask, then the request's loader.

Suggestions are operator data (they show teams' current load and, through
"同一村", the beneficiary's village): a ``province`` key for any wish, a
``city`` key for the wishes of its region. Others get ``AccessError``.
"""

from __future__ import annotations

from collections.abc import Awaitable

from hub.errors import AccessError, QueryError
from hub.matching import MAX_FIRST
from hub.models import TeamSuggestion, Wish
from resolvers.context import Context


def suggested_teams(ctx: Context, wish: Wish, first: int) -> Awaitable[list[TeamSuggestion]]:
    caller = ctx.caller
    if not caller.is_operator:
        raise AccessError(
            f"`suggestedTeams` needs a province key or a city key ({caller.role.value} given)")
    if not caller.covers(wish.region_code):
        raise AccessError(
            f"`suggestedTeams`: this wish lies outside your key's region ({caller.region})")
    if not 0 <= first <= MAX_FIRST:
        raise QueryError(f"`first` must be between 0 and {MAX_FIRST}, got {first}")
    return ctx.loaders.suggestions.load((wish.id, first))
