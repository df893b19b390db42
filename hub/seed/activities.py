"""A year of service activities: 辽宁文化云 everywhere but 本溪满族自治县, where 枫乡 records them."""

from __future__ import annotations

import datetime as dt
import heapq
import math
import random
from collections.abc import Iterator

from hub.seed import words
from hub.seed.facts import (
    BEIJING,
    DAY,
    Emission,
    Weighted,
    iso_beijing,
)
from hub.seed.geo import BENXI_COUNTY, SHENYANG
from hub.seed.network import hash_index
from hub.seed.plan import FENGXIANG, WENHUAYUN
from hub.seed.world import World

_SERVICES = Weighted((*words.SERVICE_LABELS, *words.OTHER_SERVICE_LABELS),
                     (8, 10, 9, 9, 8, 5, 12, 14, 1, 2))


def activity_emissions(world: World, platform: str) -> Iterator[Emission]:
    """Every activity ``platform`` records, sent on the evening of its day."""
    rng = random.Random(f"{world.seed}:activities:{platform}")
    if platform == FENGXIANG:
        counties = [world.geo.by_code(BENXI_COUNTY)]
    else:
        counties = [c for c in world.geo.counties if c.code != BENXI_COUNTY]
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
        if platform == FENGXIANG:
            team = rng.choice(world.net.fengxiang_teams) if rng.random() < 0.8 else None
            record: dict[str, object] = {
                "kind": "activity", "act_id": f"FX-ACT-{i + 1:05d}", "title": title,
                "category": service, "team_id": None if team is None else int(team.id),
                "village_code": village.code, "date": day.isoformat(), "times": sessions,
                "volunteers": volunteers, "served": served, "hours": hours, "rev": 1,
            }
            yield Emission(sent, FENGXIANG, record)
            if rng.random() < 0.02:
                t = sent + DAY * rng.uniform(1, 20)
                heapq.heappush(later, (t, i, Emission(t, FENGXIANG, {
                    **record, "volunteers": volunteers + 3, "rev": 2})))
            continue
        teams = world.net.teams_by_county.get(county.code) or []
        team_id = None
        if teams and county.city_code != SHENYANG and rng.random() < 0.85:
            team_id = teams[hash_index(f"{i}", len(teams))].id
        stations = world.net.stations_by_county.get(county.code) or []
        station = rng.choice(stations) if stations and rng.random() < 0.7 else None
        r = rng.random()
        code = county.code if r < 0.3 else (village.code[:9] if r < 0.5 else village.code)
        item: dict[str, object] = {
            "entity": "activity", "activity_id": f"WHY-AC-{i + 1:07d}", "title": title,
            "service_type": service, "team_id": team_id,
            "station_id": None if station is None else station.id, "division_code": code,
            "date": day.isoformat(), "sessions": sessions, "volunteer_times": volunteers,
            "beneficiary_times": served, "service_hours": hours,
            "updated_at": iso_beijing(sent), "deleted": False,
        }
        yield Emission(sent, WENHUAYUN, item)
        r = rng.random()
        if r < 0.025:
            # Corrected a few days later, or (rarely) withdrawn.
            t = min(sent + DAY * rng.uniform(1, 20), world.now - dt.timedelta(seconds=1))
            if t > sent:
                change = {"deleted": True} if r < 0.005 else {"beneficiary_times": served + 10}
                heapq.heappush(later, (t, i, Emission(t, WENHUAYUN, {
                    **item, **change, "updated_at": iso_beijing(t)})))
    while later:
        yield heapq.heappop(later)[2]
