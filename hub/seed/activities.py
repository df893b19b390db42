"""A year of service activities, each recorded by the platform of the most
specific scope among those that record activities (``SeedNetwork``): the
facts here, the records in the platform's own words."""

from __future__ import annotations

import datetime as dt
import heapq
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hub.seed import words
from hub.seed.facts import BEIJING, DAY, Emission, Weighted
from hub.seed.geo import County, Place
from hub.seed.plan import owners
from hub.seed.world import World

if TYPE_CHECKING:
    from adapters.base import ActivityRecords

_SERVICES = Weighted((*words.SERVICE_LABELS, *words.OTHER_SERVICE_LABELS),
                     (8, 10, 9, 9, 8, 5, 12, 14, 1, 2))


@dataclass(frozen=True, slots=True)
class ActivityFacts:
    """One activity, before its platform writes it down."""

    n: int  # its number among the platform's activities
    day: dt.date
    sent: dt.datetime  # the evening of its day, when it is first sent
    county: County
    village: Place
    service: str
    title: str
    sessions: int
    volunteers: int
    served: int
    hours: float


def activity_emissions(world: World, platform: str,
                       records: ActivityRecords) -> Iterator[Emission]:
    """Every activity ``platform`` records, sent on the evening of its day (corrections later)."""
    rng = random.Random(f"{world.seed}:activities:{platform}")
    recording = [w for w in world.plan.writers if w.code in world.plan.activities]
    owner = owners(world.geo, recording)
    counties = [c for c in world.geo.counties if owner.get(c.code) == platform]
    pick = Weighted(counties, [c.weight for c in counties])
    first = world.start.astimezone(BEIJING).date()
    last = (world.now - DAY).astimezone(BEIJING).date()  # yesterday's are all in
    span = (last - first).days + 1
    n = world.plan.activities[platform]
    days = sorted(rng.randrange(span) for _ in range(n))
    later: list[tuple[dt.datetime, int, Emission]] = []
    k = 0
    for i, offset in enumerate(days):
        k = k + 1 if i and offset == days[i - 1] else 0
        day = first + dt.timedelta(days=offset)
        evening = dt.datetime(day.year, day.month, day.day, 20, tzinfo=BEIJING)
        sent = evening + dt.timedelta(seconds=k % (3 * 3600))
        while later and later[0][0] <= sent:
            yield heapq.heappop(later)[2]
        county = counties[i % len(counties)] if i < len(counties) and n > len(counties) * 4 \
            else pick.pick(rng)
        service = _SERVICES.pick(rng)
        title = rng.choice(words.ACTIVITY_TITLES.get(service) or words.ACTIVITY_TITLES["其他"])
        sessions = 1 if rng.random() < 0.8 else rng.randint(2, 4)
        volunteers = max(2, round(rng.lognormvariate(math.log(12), 0.7)))
        served = max(5, round(volunteers * rng.uniform(1.5, 8)))
        hours = round(volunteers * rng.uniform(1, 4) * 2) / 2
        village = rng.choice(county.villages)
        facts = ActivityFacts(i, day, sent, county, village, service, title, sessions,
                              volunteers, served, hours)
        now, *corrections = records(rng, world, facts)
        yield now
        for e in corrections:
            heapq.heappush(later, (e.at, i, e))
    while later:
        yield heapq.heappop(later)[2]
