"""Everything the streams of one seed share: the clock, the map, the plan, the network."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass

from hub.seed.facts import HOUR, WishFacts
from hub.seed.geo import Geography, geography
from hub.seed.network import Network, build_network
from hub.seed.plan import Plan, Writer, make_plan

YEAR = dt.timedelta(days=365)
SECOND = dt.timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class World:
    seed: int
    now: dt.datetime  # aware; nothing happens at or after it
    start: dt.datetime  # one year before ``now``
    geo: Geography
    plan: Plan
    net: Network


def build_world(scale: float, seed: int, now: dt.datetime, writers: Sequence[Writer]) -> World:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    now = now.astimezone(dt.UTC).replace(microsecond=0)
    geo = geography(seed)
    plan = make_plan(scale, geo, writers)
    return World(seed, now, now - YEAR, geo, plan, build_network(seed, geo, plan))


def before_now(world: World, t: dt.datetime, floor: dt.datetime) -> dt.datetime:
    """``t``, pulled back before ``now`` but kept after ``floor``."""
    if t < world.now:
        return t
    return max(floor + SECOND, world.now - SECOND)


def deleted_at(rng: random.Random, world: World, f: WishFacts) -> dt.datetime:
    """When a platform that deletes wishes deletes ``f``."""
    return before_now(world, f.final_at + HOUR * rng.uniform(1, 240), f.final_at + 2 * SECOND)
