"""Everything the streams of one seed share: the clock, the map, the plan, the network."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from hub.seed.geo import Geography, geography
from hub.seed.network import Network, build_network
from hub.seed.plan import Plan, make_plan

YEAR = dt.timedelta(days=365)


@dataclass(frozen=True, slots=True)
class World:
    seed: int
    now: dt.datetime  # aware; nothing happens at or after it
    start: dt.datetime  # one year before ``now``
    geo: Geography
    plan: Plan
    net: Network


def build_world(scale: float, seed: int, now: dt.datetime) -> World:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    now = now.astimezone(dt.UTC).replace(microsecond=0)
    geo = geography(seed)
    plan = make_plan(scale, geo)
    return World(seed, now, now - YEAR, geo, plan, build_network(seed, geo, plan))
