"""What escalation and dispatch share: a wish locked for a change, the region
now responsible for it, the operator's text, and the history's reads.

A wish can be escalated or dispatched while it waits for someone: PENDING or
OPEN, and not deleted. A claimed, fulfilled, cancelled or deleted wish is
never changed by the hub.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from hub import privacy
from hub.errors import QueryError
from hub.models import DispatchOutcome, RegionLevel, WishDispatch, WishStatus, WishTransfer
from hub.outbox import WishRef
from hub.regions import PROVINCE_CODE
from hub.sql import wishlist as q

# From the bottom up; a wish starts at COUNTY.
LEVELS = (RegionLevel.COUNTY, RegionLevel.CITY, RegionLevel.PROVINCE)
_WAITING = (WishStatus.PENDING, WishStatus.OPEN)
MAX_TEXT = 500


@dataclass(frozen=True, slots=True)
class ChangingWish:
    """A wish row locked for a change (``for update``)."""

    id: int
    source_pk: int
    source_code: str
    source_id: str
    status: WishStatus
    deleted: bool
    region_code: str
    city_code: str
    county_code: str | None
    handling_level: RegionLevel
    dispatch_team_id: int | None

    @property
    def ref(self) -> WishRef:
        return WishRef(self.id, self.source_pk, self.source_code, self.source_id)

    @property
    def handling_region(self) -> str:
        """The region whose office handles it now: its county, city or the province."""
        if self.handling_level is RegionLevel.PROVINCE:
            return PROVINCE_CODE
        if self.handling_level is RegionLevel.COUNTY and self.county_code:
            return self.county_code
        return self.city_code

    def check_waiting(self, doing: str) -> None:
        """Refuse to change a wish that nobody waits on any more."""
        if self.deleted:
            raise QueryError(f"this wish was deleted on its platform; it cannot be {doing}")
        if self.status not in _WAITING:
            raise QueryError(
                f"this wish is {self.status.value}; only an OPEN or PENDING wish can be {doing}")


def changing_from_row(r: asyncpg.Record) -> ChangingWish:
    return ChangingWish(
        id=r["id"],
        source_pk=r["source"],
        source_code=r["source_code"],
        source_id=r["source_id"],
        status=WishStatus(r["status"]),
        deleted=r["deleted"],
        region_code=r["region_code"],
        city_code=r["city_code"],
        county_code=r["county_code"],
        handling_level=RegionLevel(r["handling_level"]),
        dispatch_team_id=r["dispatch_team_id"],
    )


async def lock_wish(conn: asyncpg.Connection, wish_id: int) -> ChangingWish | None:
    """The wish, locked until the transaction ends; None when the hub has none."""
    row = await conn.fetchrow(q.WISH_FOR_CHANGE, wish_id)
    return None if row is None else changing_from_row(row)


def operator_text(value: str | None, name: str, *, required: bool) -> str | None:
    """An operator's reason or note: trimmed, at most 500 characters, phone and
    ID numbers blanked (it is stored and sent to the platforms)."""
    text = (value or "").strip()
    if not text:
        if required:
            raise QueryError(f"`{name}` must say why (it is recorded and sent to the platforms)")
        return None
    if len(text) > MAX_TEXT:
        raise QueryError(f"`{name}` may be at most {MAX_TEXT} characters")
    return privacy.scrub_text(text)


# ---------------------------------------------------------------- history


def transfer_from_row(r: asyncpg.Record) -> WishTransfer:
    return WishTransfer(
        wish_id=r["wish_id"],
        from_level=RegionLevel(r["from_level"]),
        to_level=RegionLevel(r["to_level"]),
        reason=r["reason"],
        at=r["at"],
        by=r["by"],
    )


def dispatch_from_row(r: asyncpg.Record) -> WishDispatch:
    return WishDispatch(
        wish_id=r["wish_id"],
        team_id=r["team_id"],
        at=r["dispatched_at"],
        by=r["dispatched_by"],
        note=r["note"],
        ended_at=r["ended_at"],
        ended_by=r["ended_by"],
        end_reason=r["end_reason"],
        outcome=None if r["outcome"] is None else DispatchOutcome(r["outcome"]),
    )

