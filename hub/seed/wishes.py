"""A year of wishes per platform, as facts, in the order they were submitted.

The first wishes of every platform go round every status, category and
beneficiary label (they are the oldest, so any status fits), so that even a
demo of a few hundred wishes shows them all; the rest follow the province's
proportions.
"""

from __future__ import annotations

import datetime as dt
import heapq
import random
from collections.abc import Iterator

from adapters.base import SeedDialect
from hub.models import WishStatus
from hub.seed import words
from hub.seed.facts import (
    HOUR,
    Claimer,
    Emission,
    Weighted,
    WishFacts,
    enterprise,
    full_name,
    life,
    moment,
    organisation,
    phone,
)
from hub.seed.geo import County
from hub.seed.world import World

_STATUSES = (WishStatus.OPEN, WishStatus.CLAIMED, WishStatus.FULFILLED, WishStatus.CANCELLED,
             WishStatus.PENDING)

_CATEGORIES = Weighted(
    (*words.WISH_CATEGORY_LABELS, *words.OTHER_CATEGORY_LABELS),
    (*words.CATEGORY_WEIGHTS,
     *[words.OTHER_CATEGORY_WEIGHT / len(words.OTHER_CATEGORY_LABELS)]
     * len(words.OTHER_CATEGORY_LABELS)),
)
_ALL_CATEGORIES = (*words.WISH_CATEGORY_LABELS, *words.OTHER_CATEGORY_LABELS)


def _groups(dialect: SeedDialect) -> tuple[Weighted[str], tuple[str, ...]]:
    labels = list(words.GROUP_LABELS)
    weights = [float(w) for w in words.GROUP_WEIGHTS]
    labels += dialect.extra_groups
    weights += [3.0] * len(dialect.extra_groups)
    labels += words.OTHER_GROUP_LABELS
    weights += [words.OTHER_GROUP_WEIGHT / len(words.OTHER_GROUP_LABELS)] * len(
        words.OTHER_GROUP_LABELS)
    return Weighted(labels, weights), tuple(labels)


def wish_emissions(world: World, platform: str, dialect: SeedDialect) -> Iterator[Emission]:
    """Every record ``platform`` sends about its wishes, in sending order."""
    rng = random.Random(f"{world.seed}:wishes:{platform}")
    counties = [c for c in world.geo.counties if world.plan.owner.get(c.code) == platform]
    pick_county = Weighted(counties, [c.weight for c in counties])
    pick_group, all_groups = _groups(dialect)
    statuses = [s for s in _STATUSES if s is not WishStatus.PENDING or dialect.pending]
    cycle = max(len(_ALL_CATEGORIES), len(all_groups), len(statuses))
    render = dialect.renderer(world, rng)
    n = world.plan.wishes[platform]
    times = sorted(moment(rng, world.start, world.now) for _ in range(n))
    waiting: list[tuple[dt.datetime, int, Emission]] = []
    serial = 0
    for i, submitted in enumerate(times):
        forced = i < cycle
        county = counties[i % len(counties)] if forced else pick_county.pick(rng)
        facts = _facts(
            rng, world, dialect, i, submitted, county,
            status=statuses[i % len(statuses)] if forced else None,
            category=_ALL_CATEGORIES[i % len(_ALL_CATEGORIES)] if forced else None,
            group=all_groups[i % len(all_groups)] if forced else pick_group.pick(rng),
        )
        for emission in render(facts):
            serial += 1
            heapq.heappush(waiting, (emission.at, serial, emission))
        while waiting and waiting[0][0] <= submitted:
            yield heapq.heappop(waiting)[2]
    while waiting:
        yield heapq.heappop(waiting)[2]


def _facts(
    rng: random.Random,
    world: World,
    dialect: SeedDialect,
    n: int,
    submitted: dt.datetime,
    county: County,
    *,
    status: WishStatus | None,
    category: str | None,
    group: str,
) -> WishFacts:
    town = rng.choice(county.towns)
    village = rng.choice(county.villages_of(town))
    label = category or _CATEGORIES.pick(rng)
    titles = words.WISH_TITLES.get(label) or words.WISH_TITLES["其他"]
    title = rng.choice(titles)
    goods = label in words.GOODS_CATEGORIES or (
        label not in words.WISH_CATEGORY_LABELS and rng.random() < 0.3)
    lived = life(rng, submitted, world.now, forced=status,
                 pending_allowed=dialect.pending)
    facts = WishFacts(
        n=n, county=county, town=town, village=village, title=title,
        content=f"{rng.choice(words.SITUATIONS)}，{title}。", category=label, goods=goods,
        group=group, person=full_name(rng), phone=phone(rng), status=lived.status,
        submitted=submitted, claimed=lived.claimed, fulfilled=lived.fulfilled, ended=lived.ended,
    )
    if lived.claimed is not None:
        facts.claimers = _claimers(rng, world, dialect, facts, lived.claimed)
    facts.deleted = dialect.deletes and rng.random() < 0.01
    facts.resend = rng.random() < 0.06 and facts.final_at - submitted > 2 * HOUR
    return facts


def _claimers(rng: random.Random, world: World, dialect: SeedDialect, facts: WishFacts,
              claimed: dt.datetime) -> list[Claimer]:
    r = rng.random()
    count = min(dialect.max_claimers, 1 if r < 0.85 else (2 if r < 0.96 else 3))
    limit = min(facts.fulfilled or world.now, world.now)
    out: list[Claimer] = []
    for j in range(count):
        at = claimed
        if j > 0:
            at = claimed + (limit - claimed) * rng.uniform(0.05, 0.9)
        kind = dialect.claimer_kind(rng)
        out.append(_claimer(rng, world, dialect, facts, kind, at))
    return out


def _claimer(rng: random.Random, world: World, dialect: SeedDialect, facts: WishFacts, kind: int,
             at: dt.datetime) -> Claimer:
    if kind == 1:
        return Claimer(1, full_name(rng), None, at)
    if kind == 2:
        return Claimer(2, enterprise(rng, facts.county.city_name), None, at)
    if kind == 3:
        return Claimer(3, organisation(rng, facts.town, facts.county), None, at)
    name, team_id = dialect.team(rng, world.net, facts.county)
    return Claimer(0, name, team_id, at)


__all__ = ["wish_emissions"]
