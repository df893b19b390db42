"""Deterministic native payloads of the platforms, for demos and load tests.

``hub.seed.bodies.generate(scale, seed=..., now=...)`` yields ``(source code,
body)`` pairs exactly as the platforms push them, each platform's records
written by its own seed dialect (``adapters/<code>/seed.py``: 盛京使者 XY/DW
batches, 枫乡 order and activity pushes, 辽宁文化云 station/team/activity/wish
items with mirrors and deletions, 葫芦岛 pink and blue events, 盘锦's Excel
ledgers); ``hub.seed.load.load`` pushes them through ``hub.ingest.ingest``.
``scale=1.0`` is the whole province for a year.

This package's own modules (facts, geography, network, plan) import no
platform: the dialects build on them, and ``bodies`` and ``load`` bring the
registered platforms in.
"""

import datetime as dt

DEMO_SCALE = 0.0005  # a few hundred wishes across every city and platform
PROVINCE_SCALE = 1.0
# The demo's data: a year ending here, loaded one body at a time, so that
# every `hub demo` holds the very data docs/frontend.md shows (ids included).
DEMO_SEED = 7
DEMO_NOW = dt.datetime(2026, 10, 31, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))

__all__ = ["DEMO_NOW", "DEMO_SCALE", "DEMO_SEED", "PROVINCE_SCALE"]
