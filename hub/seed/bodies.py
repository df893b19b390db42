"""Native bodies, in the order the platforms would have pushed them.

Every stream of records (the network, each platform's wishes, activities)
is merged by sending time; each platform's records are packed into its own
envelope, flushed when full or when the platform would have pushed anyway
(盛京使者 batches of at most 1,000; 葫芦岛 a few hundred events at most, and
often just one or two).
"""

from __future__ import annotations

import datetime as dt
import heapq
import json
from collections.abc import Callable, Iterator

from hub.seed.activities import activity_emissions
from hub.seed.facts import DAY, Emission, beijing_text, epoch_ms
from hub.seed.network import network_emissions
from hub.seed.plan import FENGXIANG, HULUDAO_CODE, PLATFORMS, SHENGJING, WENHUAYUN
from hub.seed.wishes import wish_emissions
from hub.seed.world import World, build_world

Envelope = Callable[[list[dict[str, object]], dt.datetime], dict[str, object]]

# Largest body and longest wait of each platform.
_LIMITS: dict[str, tuple[int, dt.timedelta]] = {
    SHENGJING: (1000, 14 * DAY),
    FENGXIANG: (1000, 14 * DAY),
    WENHUAYUN: (1000, 14 * DAY),
    HULUDAO_CODE: (200, DAY),
}

_ENVELOPES: dict[str, Envelope] = {
    SHENGJING: lambda records, at: {
        "platform": SHENGJING, "pushTime": beijing_text(at), "records": records},
    FENGXIANG: lambda records, at: {"sent_at": epoch_ms(at), "data": records},
    WENHUAYUN: lambda records, at: {"code": 0, "items": records},
    HULUDAO_CODE: lambda records, at: {"events": records},
}


def emissions(world: World) -> Iterator[Emission]:
    """Every record of the seed, merged by sending time (stable on ties)."""
    streams = [network_emissions(world.seed, world.net, world.start, world.now)]
    streams += [wish_emissions(world, p) for p in PLATFORMS]
    streams += [activity_emissions(world, WENHUAYUN), activity_emissions(world, FENGXIANG)]
    return heapq.merge(*streams, key=lambda e: e.at)


def bodies(world: World) -> Iterator[tuple[str, bytes]]:
    buffers: dict[str, list[dict[str, object]]] = {p: [] for p in PLATFORMS}
    opened: dict[str, dt.datetime] = {}
    last: dict[str, dt.datetime] = {}

    def flush(source: str) -> tuple[str, bytes]:
        records = buffers[source]
        buffers[source] = []
        envelope = _ENVELOPES[source](records, last[source])
        body = json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))
        return source, body.encode("utf-8")

    for e in emissions(world):
        limit, wait = _LIMITS[e.source]
        if buffers[e.source] and e.at - opened[e.source] > wait:
            yield flush(e.source)
        if not buffers[e.source]:
            opened[e.source] = e.at
        buffers[e.source].append(e.record)
        last[e.source] = e.at
        if len(buffers[e.source]) >= limit:
            yield flush(e.source)
    for source in PLATFORMS:
        if buffers[source]:
            yield flush(source)


def generate(scale: float, *, seed: int = 7, now: dt.datetime) -> Iterator[tuple[str, bytes]]:
    """``(source code, native body)`` pairs for a province of ``scale``, pushable in order.

    Deterministic: the same ``scale``, ``seed`` and ``now`` give the same bytes.
    Everything happens in the year before ``now``.
    """
    return bodies(build_world(scale, seed, now))
