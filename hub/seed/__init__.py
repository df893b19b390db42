"""Deterministic native payloads of the four platforms, for demos and load tests.

``generate(scale, seed=..., now=...)`` yields ``(source code, body)`` pairs
exactly as the platforms push them (盛京使者 XY/DW batches, 枫乡 order and
activity pushes, 辽宁文化云 station/team/activity/wish items with mirrors and
deletions, 葫芦岛 pink and blue events); ``load`` pushes them through
``hub.ingest.ingest``. ``scale=1.0`` is the whole province for a year.
"""

import datetime as dt

from hub.seed.bodies import generate
from hub.seed.load import SeedProgress, SeedSummary, load, tidy
from hub.seed.plan import Plan, make_plan

DEMO_SCALE = 0.0005  # a few hundred wishes across every city and platform
PROVINCE_SCALE = 1.0
# The demo's data: a year ending here, loaded one body at a time, so that
# every `hub demo` holds the very data docs/frontend.md shows (ids included).
DEMO_SEED = 7
DEMO_NOW = dt.datetime(2026, 10, 31, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))

__all__ = ["DEMO_NOW", "DEMO_SCALE", "DEMO_SEED", "PROVINCE_SCALE", "Plan", "SeedProgress", "SeedSummary", "generate",
           "load", "make_plan", "tidy"]
