"""Operator fields and mutations: who may, then a call into ``hub``.

A ``province`` key may everything; a ``city`` key only what concerns its
region and below: a source's data when the source writes for that region
(its scope), a wish when the region handling it now (its county, its city,
or the province after escalation) lies there, audit entries that name a
region there. Other callers get ``AccessError`` (a GraphQL error on the field).
Every mutation, allowed or refused, is written to the audit log (refusals of
callers without a key only to the log, so strangers cannot fill the table).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from hub import dispatch, escalation, ids, read
from hub import regions as region_codes
from hub.deadletters import DeadLetter, ReplayOutcome, list_dead_letters, replay
from hub.errors import AccessError, QueryError
from hub.models import RegionLevel, Source
from hub.orphans import OrphanCard, list_orphan_cards
from hub.security import audit
from hub.security.roles import Caller, Role
from hub.sql import security as q
from hub.wishlist import LEVELS, ChangingWish, lock_wish, operator_text
from resolvers.context import Context

log = logging.getLogger("hub.operator")

_MAX_OUTCOMES = 100


@dataclass(frozen=True, slots=True)
class SourceFailure:
    source: Source
    last_failure_at: Any
    last_failure: str | None
    last_success_at: Any


@dataclass(frozen=True, slots=True)
class ReplayReport:
    replayed: int
    landed: int
    rejected: int
    outcomes: list[ReplayOutcome]


def operator(ctx: Context, what: str) -> Caller:
    caller = ctx.caller
    if not caller.is_operator:
        raise AccessError(f"`{what}` needs a province key or a city key ({caller.role.value} given)")
    return caller


def _where(caller: Caller) -> str:
    return f"your key covers {caller.region}" if caller.region else "your key covers no region"


async def _source(ctx: Context, code: str) -> Source:
    sources = (await ctx.sources()).values()
    for source in sources:
        if source.code == code:
            return source
    raise QueryError(f"no source has this code ({', '.join(s.code for s in sources)})")


async def _readable_sources(ctx: Context, caller: Caller, code: str | None) -> list[str] | None:
    """The sources whose operator data ``caller`` may see; None: all of them."""
    if code is not None:
        source = await _source(ctx, code)
        if not caller.covers(source.scope_code):
            raise AccessError(
                f"source {code!r} writes for {source.scope_code}; {_where(caller)}"
            )
        return [code]
    if caller.role is Role.PROVINCE:
        return None
    return [s.code for s in (await ctx.sources()).values() if caller.covers(s.scope_code)]


async def dead_letters(
    ctx: Context, source: str | None, include_resolved: bool, first: int
) -> list[DeadLetter]:
    caller = operator(ctx, "deadLetters")
    size = read.check_first(first)
    codes = await _readable_sources(ctx, caller, source)
    if codes is None:
        return await list_dead_letters(ctx.pool, include_resolved=include_resolved, limit=size)
    letters: list[DeadLetter] = []
    for code in codes:
        letters += await list_dead_letters(
            ctx.pool, source=code, include_resolved=include_resolved, limit=size
        )
    letters.sort(key=lambda d: d.id, reverse=True)
    return letters[:size]


async def orphan_cards(ctx: Context, source: str | None, first: int) -> list[OrphanCard]:
    caller = operator(ctx, "orphanCards")
    size = read.check_first(first)
    codes = await _readable_sources(ctx, caller, source)
    if codes is None:
        return (await list_orphan_cards(ctx.pool, None))[:size]
    cards: list[OrphanCard] = []
    for code in codes:
        cards += await list_orphan_cards(ctx.pool, code)
    cards.sort(key=lambda c: c.received_at)
    return cards[:size]


async def source_failures(ctx: Context) -> list[SourceFailure]:
    caller = operator(ctx, "sourceFailures")
    sources = await ctx.sources()
    rows = await ctx.pool.fetch(q.SOURCE_FAILURES)
    return [
        SourceFailure(sources[r["id"]], r["last_failure_at"], r["last_failure"], r["last_success_at"])
        for r in rows
        if r["id"] in sources and caller.covers(r["scope_code"])
    ]


async def audit_log(
    ctx: Context, first: int, before: str | None, action_prefix: str | None, region_code: str | None
) -> list[audit.AuditEntry]:
    caller = operator(ctx, "auditLog")
    size = read.check_first(first)
    if region_code is not None:
        if not region_codes.is_code(region_code):
            raise QueryError("`regionCode` is not a division code (e.g. 210100)")
        if not caller.covers(region_code):
            raise AccessError(f"region {region_code}: {_where(caller)}")
    before_id = _number(before, "before") if before is not None else None
    return await audit.entries(
        ctx.pool, caller, first=size, before=before_id, action_prefix=action_prefix,
        region_code=region_code,
    )


# ---------------------------------------------------------------- mutations


async def _refuse(ctx: Context, action: str, message: str, *, target: str | None,
                  region_code: str | None = None) -> AccessError:
    caller = ctx.caller
    if caller.name is not None:
        await audit.record_for(ctx.pool, caller, action, outcome="denied", target=target,
                               region_code=region_code, detail={"reason": message})
    else:
        log.info("%s refused for %s: %s", action, caller.actor, message)
    return AccessError(message)


async def _mutating_operator(ctx: Context, action: str, target: str | None) -> Caller:
    try:
        return operator(ctx, action.rsplit(".", 1)[-1])
    except AccessError as exc:
        raise await _refuse(ctx, action, str(exc), target=target) from None


async def _changing_wish(conn: Any, global_id: str) -> ChangingWish:
    key = ids.decode_int_id(global_id, "Wish")
    wish = None if key is None else await lock_wish(conn, key)
    if wish is None:
        raise QueryError("no wish has this id")
    return wish


async def _change_wish(
    ctx: Context,
    caller: Caller,
    action: str,
    global_id: str,
    change: Callable[[Any, ChangingWish, Caller], Awaitable[dict[str, object]]],
) -> Any:
    """Lock the wish, check the caller covers the region now handling it, run
    ``change`` and audit it, all in one transaction; a refusal is audited after
    it rolled back. Returns the wish as it is now."""
    refused: str | None = None
    region: str | None = None
    async with ctx.pool.acquire() as conn, conn.transaction():
        wish = await _changing_wish(conn, global_id)
        region = wish.region_code
        handling = wish.handling_region
        if caller.covers(handling):
            detail = await change(conn, wish, caller)
            await audit.record_for(
                conn, caller, action, target=global_id, region_code=region, detail=detail)
        else:
            refused = (f"this wish is handled at {wish.handling_level.value} level by "
                       f"{handling}; {_where(caller)}")
    if refused is not None:
        raise await _refuse(ctx, action, refused, target=global_id, region_code=region)
    ctx.loaders.wish.clear(wish.id)
    return await ctx.loaders.wish.load(wish.id)


async def escalate_wish(
    ctx: Context, global_id: str, level: RegionLevel | None, reason: str | None
) -> Any:
    """Escalate (or send back down) a waiting wish; no ``level``: one level up."""
    action = "mutation.escalateWish"
    caller = await _mutating_operator(ctx, action, global_id)
    text = operator_text(reason, "reason", required=True)
    assert text is not None
    if level is not None and level not in LEVELS:
        raise QueryError("`level` must be COUNTY, CITY or PROVINCE")

    async def change(conn: Any, wish: ChangingWish, caller: Caller) -> dict[str, object]:
        to = level or escalation.next_level(wish.handling_level)
        if to is None:
            raise QueryError("this wish is already handled at PROVINCE level, the highest")
        await escalation.escalate(conn, wish, to, text, caller.actor)
        return {"from": wish.handling_level.value, "to": to.value}

    return await _change_wish(ctx, caller, action, global_id, change)


async def dispatch_wish(ctx: Context, global_id: str, team_id: str, note: str | None) -> Any:
    """Assign a waiting wish to a team of any city and platform."""
    action = "mutation.dispatchWish"
    caller = await _mutating_operator(ctx, action, global_id)
    team_key = ids.decode_int_id(team_id, "Team")
    if team_key is None:
        raise QueryError("`teamId` is not the id of a team")
    text = operator_text(note, "note", required=False)

    async def change(conn: Any, wish: ChangingWish, caller: Caller) -> dict[str, object]:
        team = await dispatch.team_for_dispatch(conn, team_key)
        await dispatch.dispatch(conn, wish, team, text, caller.actor)
        return {"team": team_id, "teamSource": team.ref.source_code}

    return await _change_wish(ctx, caller, action, global_id, change)


async def withdraw_dispatch(ctx: Context, global_id: str, reason: str) -> Any:
    """Take back a wish's current dispatch."""
    action = "mutation.withdrawDispatch"
    caller = await _mutating_operator(ctx, action, global_id)
    text = operator_text(reason, "reason", required=True)
    assert text is not None

    async def change(conn: Any, wish: ChangingWish, caller: Caller) -> dict[str, object]:
        await dispatch.withdraw(conn, wish, text, caller.actor)
        return {"team": ids.encode_id("Team", wish.dispatch_team_id or 0)}

    return await _change_wish(ctx, caller, action, global_id, change)


async def replay_dead_letters(ctx: Context, source: str, letter_id: str | None) -> ReplayReport:
    action = "replay"
    target = source if letter_id is None else f"{source}#{letter_id}"
    caller = await _mutating_operator(ctx, action, target)
    scope = (await _source(ctx, source)).scope_code
    try:
        await _readable_sources(ctx, caller, source)
    except AccessError as exc:
        raise await _refuse(ctx, action, str(exc), target=target, region_code=scope) from None
    number = _number(letter_id, "letterId") if letter_id is not None else None
    outcomes = await replay(ctx.pool, source=source, letter_id=number)
    landed = sum(1 for o in outcomes if o.landed)
    report = ReplayReport(len(outcomes), landed, len(outcomes) - landed, outcomes[:_MAX_OUTCOMES])
    await audit.record_for(
        ctx.pool, caller, action, target=target, region_code=scope,
        detail={"replayed": report.replayed, "landed": report.landed, "rejected": report.rejected},
    )
    return report


def _number(value: str, name: str) -> int:
    if value.strip().startswith("-"):
        raise QueryError(f"`{name}` must not be negative")
    number = ids.int_key(value.strip())
    if number is None:
        raise QueryError(f"`{name}` must be a whole number below 2^63, in ASCII digits")
    return number
