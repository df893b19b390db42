"""Native bodies, in the order the platforms would have pushed them.

Every stream of records (the network, each platform's wishes, activities)
is merged by sending time; each platform's records are packed into its own
envelope, flushed when full or when the platform would have pushed anyway
(each platform's seed dialect says how many records and how long: 盛京使者
batches of at most 1,000; 葫芦岛 a few hundred events at most, and often
just one or two).
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Iterator

import adapters
from hub.seed.activities import activity_emissions
from hub.seed.facts import Emission
from hub.seed.network import network_emissions
from hub.seed.plan import Writer, scope_depth
from hub.seed.wishes import wish_emissions
from hub.seed.world import World, build_world


def writers() -> list[Writer]:
    """Every registered platform, as a writer of its scope's wishes."""
    return [Writer(p.code, p.info.scope_code, p.dialect.records_per_wish, p.network)
            for p in adapters.REGISTRY.values()]


def emissions(world: World) -> Iterator[Emission]:
    """Every record of the seed, merged by sending time (stable on ties)."""
    writers = world.plan.writers
    streams = [network_emissions(world.seed, world.net, world.start, world.now, writers)]
    streams += [wish_emissions(world, w.code, adapters.REGISTRY[w.code].dialect) for w in writers]
    # Activities of the widest scope first (records sent at the same moment keep that order).
    recording = sorted((w for w in writers if w.network and w.network.activity_records),
                       key=lambda w: scope_depth(w.scope_code))
    streams += [activity_emissions(world, w.code, w.network.activity_records)
                for w in recording if w.network and w.network.activity_records]
    return heapq.merge(*streams, key=lambda e: e.at)


def bodies(world: World) -> Iterator[tuple[str, bytes]]:
    codes = [w.code for w in world.plan.writers]
    buffers: dict[str, list[dict[str, object]]] = {c: [] for c in codes}
    opened: dict[str, dt.datetime] = {}
    last: dict[str, dt.datetime] = {}

    def flush(source: str) -> tuple[str, bytes]:
        records = buffers[source]
        buffers[source] = []
        return source, adapters.REGISTRY[source].envelope(records, last[source])

    for e in emissions(world):
        dialect = adapters.REGISTRY[e.source].dialect
        if buffers[e.source] and e.at - opened[e.source] > dialect.max_wait:
            yield flush(e.source)
        if not buffers[e.source]:
            opened[e.source] = e.at
        buffers[e.source].append(e.record)
        last[e.source] = e.at
        if len(buffers[e.source]) >= dialect.max_records:
            yield flush(e.source)
    for source in codes:
        if buffers[source]:
            yield flush(source)


def generate(scale: float, *, seed: int = 7, now: dt.datetime) -> Iterator[tuple[str, bytes]]:
    """``(source code, native body)`` pairs for a province of ``scale``, pushable in order.

    Deterministic: the same ``scale``, ``seed`` and ``now`` give the same bytes.
    Everything happens in the year before ``now``.
    """
    return bodies(seed_world(scale, seed, now))


def seed_world(scale: float, seed: int, now: dt.datetime) -> World:
    """The world of a seed, its wishes shared among the registered platforms."""
    return build_world(scale, seed, now, writers())
