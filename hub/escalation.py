"""Escalation (上下联动): a wish its county cannot fulfil goes up to the city,
then the province.

By hand (``escalateWish``) or by the automatic rule: ``[escalation]`` in
HUB_CONFIG, off unless configured::

    [escalation]
    county_days = 14       # OPEN this long at county level: up to the city
    city_days = 30         # OPEN this long at city level: up to the province
    every_seconds = 300    # how often hub serve looks (default 300)

The time is counted from when the wish reached its level (its submission for
the county). The rule runs inside ``hub serve`` in every process and host,
but one pass per ``every_seconds`` across them all: a pass starts only in
the process that claims the period's lease (``hub.leases``). Each batch of
a pass also takes a transaction-level advisory lock and locks its wishes
(``for update skip locked``), so even passes that overlap (a pass longer
than the period, ``hub escalate`` by hand) escalate each wish once; none of
it outlives a transaction, so it works through a transaction-pooling PgBouncer.
``hub escalate`` runs one pass by hand. Each escalation records a transfer,
sets ``wishes.handling_level`` and writes a ``wish.escalated`` event to the
outbox, all in one transaction.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from hub import leases, outbox
from hub.config import Config, EscalationSettings
from hub.errors import QueryError
from hub.models import RegionLevel
from hub.sql import wishlist as q
from hub.wishlist import LEVELS, ChangingWish, changing_from_row

log = logging.getLogger("hub.escalation")

RULE = "rule"
# Any constant; it names the rule's advisory lock (migrations use 210000).
_RULE_LOCK = 210021
PASS_LEASE = "escalation"  # one pass per period across processes (hub.leases)
_BATCH = 500


def next_level(level: RegionLevel) -> RegionLevel | None:
    """One level up, or None at the province."""
    at = LEVELS.index(level) if level in LEVELS else 0
    return LEVELS[at + 1] if at + 1 < len(LEVELS) else None


async def escalate(
    conn: asyncpg.Connection, wish: ChangingWish, to: RegionLevel, reason: str, by: str
) -> None:
    """Move a locked wish to ``to`` (see ``escalate_many``)."""
    await escalate_many(conn, [Escalated(wish, to)], [reason], by)


async def escalate_many(
    conn: asyncpg.Connection, steps: Sequence[Escalated], reasons: Sequence[str], by: str
) -> None:
    """Move locked wishes to their new levels: the levels, their transfers and
    their events, with three statements in the caller's transaction. Checks
    each wish waits and its level changes."""
    for step in steps:
        step.wish.check_waiting("escalated")
        if step.to not in LEVELS:
            raise QueryError("`level` must be COUNTY, CITY or PROVINCE")
        if step.to is step.wish.handling_level:
            raise QueryError(f"this wish is already handled at {step.to.value} level")
    if not steps:
        return
    wish_ids = [s.wish.id for s in steps]
    await conn.execute(q.SET_LEVELS, wish_ids, [s.to.value for s in steps])
    await conn.execute(
        q.INSERT_TRANSFERS, wish_ids, [s.wish.handling_level.value for s in steps],
        [s.to.value for s in steps], list(reasons), [by] * len(steps))
    await outbox.write(conn, [
        outbox.event(outbox.ESCALATED, s.wish.ref,
                     {"handlingLevel": s.to.value, "reason": reason, "by": by})
        for s, reason in zip(steps, reasons, strict=True)
    ])


# ---------------------------------------------------------------- the rule


@dataclass(frozen=True, slots=True)
class Rule:
    county_days: float | None = None
    city_days: float | None = None
    every_seconds: float = EscalationSettings().every_seconds

    @property
    def enabled(self) -> bool:
        return self.county_days is not None or self.city_days is not None

    def cutoffs(self, now: dt.datetime) -> tuple[dt.datetime | None, dt.datetime | None]:
        def before(days: float | None) -> dt.datetime | None:
            return None if days is None else now - dt.timedelta(days=days)

        return before(self.county_days), before(self.city_days)

    def reason(self, level: RegionLevel) -> str:
        days = self.county_days if level is RegionLevel.COUNTY else self.city_days
        where = "县级" if level is RegionLevel.COUNTY else "市级"
        return (f"{where}超过 {days:g} 天未被认领，自动上报 / open for more than {days:g} days "
                f"at {level.value} level")


def rule_from(config: Config) -> Rule:
    s = config.escalation
    return Rule(s.county_days, s.city_days, s.every_seconds)


@dataclass(frozen=True, slots=True)
class Escalated:
    wish: ChangingWish
    to: RegionLevel


async def preview(pool: asyncpg.Pool, rule: Rule, *, now: dt.datetime | None = None,
                  limit: int = 1000) -> list[Escalated]:
    """What a pass would escalate now (``hub escalate --dry-run``); changes nothing."""
    if not rule.enabled:
        return []
    county, city = rule.cutoffs(now or dt.datetime.now(dt.UTC))
    rows = await pool.fetch(q.WISHES_WAITING_PREVIEW, county, city, limit)
    return [_planned(changing_from_row(r)) for r in rows]


async def run_rule(pool: asyncpg.Pool, rule: Rule, *, now: dt.datetime | None = None) -> list[Escalated] | None:
    """One pass of the rule, in batches of 500 wishes, one transaction each.

    Returns what it escalated, or None when another process holds the rule's
    lock (it is doing the same pass).
    """
    if not rule.enabled:
        return []
    county, city = rule.cutoffs(now or dt.datetime.now(dt.UTC))
    done: list[Escalated] = []
    while True:
        async with pool.acquire() as conn, conn.transaction():
            if not await conn.fetchval(q.TRY_RULE_LOCK, _RULE_LOCK):
                return done or None
            rows = await conn.fetch(q.WISHES_WAITING, county, city, _BATCH)
            steps = [_planned(changing_from_row(row)) for row in rows]
            await escalate_many(
                conn, steps, [rule.reason(s.wish.handling_level) for s in steps], RULE)
            done += steps
        if len(rows) < _BATCH:
            return done


def _planned(wish: ChangingWish) -> Escalated:
    to = next_level(wish.handling_level)
    assert to is not None  # the query selects COUNTY and CITY wishes only
    return Escalated(wish, to)


async def keep_escalating(pool: asyncpg.Pool, rule: Rule) -> None:
    """The rule inside ``hub serve``: a pass every ``every_seconds`` across every
    process, until cancelled."""
    while True:
        try:
            ours = await leases.claim_period(pool, PASS_LEASE, rule.every_seconds)
            done = await run_rule(pool, rule) if ours else []
        except (asyncpg.PostgresError, OSError) as exc:
            log.warning("escalation: pass failed (%s); trying again later", type(exc).__name__)
        except Exception:  # a bug must not stop the rule for good
            log.exception("escalation: pass failed; trying again later")
        else:
            if done:
                log.info("escalation: %d wishes escalated by the rule", len(done))
        await asyncio.sleep(rule.every_seconds)
