"""Dispatch (组织派单): an office assigns a waiting wish to a team of any city
and any platform, or takes the assignment back.

The current dispatch is four columns of ``wishes`` (``dispatch_team_id``,
``dispatched_at``, ``dispatched_by``, ``dispatch_note``); it lasts until the
wish's platform reports a claim, when a trigger (migration 0012) moves it to
``wish_dispatches`` as CLAIMED, or until it is withdrawn (WITHDRAWN). Each
change writes its event to the outbox for the wish's platform and the team's,
in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from hub import outbox, regions
from hub.errors import QueryError
from hub.models import DispatchOutcome
from hub.outbox import TeamRef
from hub.sql import wishlist as q
from hub.wishlist import ChangingWish


@dataclass(frozen=True, slots=True)
class DispatchTeam:
    ref: TeamRef
    region_code: str


async def team_for_dispatch(conn: asyncpg.Connection, team_id: int) -> DispatchTeam:
    """The team, or a clear refusal: unknown, deleted on its platform, or outside 辽宁."""
    row = await conn.fetchrow(q.TEAM_FOR_DISPATCH, team_id)
    if row is None:
        raise QueryError("no team has this id")
    if row["deleted"]:
        raise QueryError("this team was deleted on its platform; it cannot be dispatched wishes")
    if not regions.is_within(row["region_code"], regions.PROVINCE_CODE):
        raise QueryError(f"this team is in {row['region_code']}, outside the province (210000)")
    ref = TeamRef(row["id"], row["source"], row["source_code"], row["source_id"], row["name"])
    return DispatchTeam(ref, row["region_code"])


async def dispatch(
    conn: asyncpg.Connection, wish: ChangingWish, team: DispatchTeam, note: str | None, by: str
) -> None:
    """Assign a locked, waiting wish to ``team`` (one dispatch at a time)."""
    wish.check_waiting("dispatched")
    if not regions.is_within(wish.region_code, regions.PROVINCE_CODE):
        raise QueryError(f"this wish is in {wish.region_code}, outside the province (210000)")
    if wish.dispatch_team_id is not None:
        same = "this team" if wish.dispatch_team_id == team.ref.id else "another team"
        raise QueryError(
            f"this wish is already dispatched to {same}; withdrawDispatch it first")
    await conn.execute(q.SET_DISPATCH, wish.id, team.ref.id, by, note)
    await outbox.enqueue(conn, outbox.DISPATCHED, wish.ref, {"note": note, "by": by}, team=team.ref)


async def withdraw(conn: asyncpg.Connection, wish: ChangingWish, reason: str, by: str) -> None:
    """Take back a locked wish's current dispatch; it becomes history."""
    row = await conn.fetchrow(q.CURRENT_DISPATCH_BY_WISH, [wish.id])
    if row is None:
        raise QueryError("this wish has no current dispatch to withdraw")
    team = await conn.fetchrow(q.TEAM_FOR_DISPATCH, row["team_id"])
    await conn.execute(
        q.INSERT_ENDED_DISPATCH, wish.id, row["team_id"], row["dispatched_at"],
        row["dispatched_by"], row["note"], by, reason, DispatchOutcome.WITHDRAWN.value)
    await conn.execute(q.CLEAR_DISPATCH, wish.id)
    ref = TeamRef(team["id"], team["source"], team["source_code"], team["source_id"], team["name"])
    await outbox.enqueue(
        conn, outbox.DISPATCH_WITHDRAWN, wish.ref, {"reason": reason, "by": by}, team=ref)
