"""Blue cards (葫芦岛 如愿卡) still waiting for their pink code.

A card that arrives before the wish it claims is kept, not rejected; it is
applied when the pink arrives. Until then operators can list it here (``hub
orphans``, and the API's operator view).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import asyncpg

from hub.models import ClaimantKind
from hub.sql import write as q


@dataclass(frozen=True, slots=True)
class OrphanCard:
    source: str
    source_id: str  # the card's id
    wish_ref: str  # the pink code it claims, not held by the hub
    claimant_kind: ClaimantKind
    fulfilled: bool
    at: dt.datetime
    received_at: dt.datetime


async def list_orphan_cards(
    conn: asyncpg.Connection | asyncpg.Pool, source: str | None = None
) -> list[OrphanCard]:
    """Live cards whose pink the hub does not hold, oldest arrival first.

    The claimant's name is left out: a volunteer's is a person's name.
    """
    rows = await conn.fetch(q.ORPHAN_CARDS, source)
    return [
        OrphanCard(
            source=r["source"],
            source_id=r["source_id"],
            wish_ref=r["wish_ref"],
            claimant_kind=ClaimantKind(r["claimant_kind"]),
            fulfilled=r["fulfilled"],
            at=r["at"],
            received_at=r["received_at"],
        )
        for r in rows
    ]
