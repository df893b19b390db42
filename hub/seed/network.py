"""The 新时代文明实践 network: stations and volunteer teams.

Which platform knows which part is each platform's ``SeedNetwork``
(``adapters/<code>/``): one writes the stations of every county (中心 → 所 →
站 → 点); a platform that sends its teams keeps the registry of the counties
it is the most specific registry for; one that does not knows its teams only
from its own records. All of them exist before the year of wishes starts,
and a few change or disappear during it.

This module names no platform: the plan's writers bring their parts.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hub.seed import words
from hub.seed.facts import (
    DAY,
    Emission,
    TeamFacts,
    Weighted,
)
from hub.seed.geo import County, Geography, Place
from hub.seed.plan import Plan, Writer, owners

if TYPE_CHECKING:
    from adapters.base import StationRecord, TeamRecord


@dataclass(frozen=True, slots=True)
class StationFacts:
    id: str
    name: str
    level: str  # 中心 所 站 点
    parent_id: str | None
    division_code: str
    port_id: str
    county: County


@dataclass(slots=True)
class Registry:
    """The teams one platform knows, and those of each county and city."""

    teams: list[TeamFacts]
    by_county: dict[str, list[TeamFacts]] = field(default_factory=dict)
    by_city: dict[str, list[TeamFacts]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for team in self.teams:
            self.by_county.setdefault(team.county.code, []).append(team)
            self.by_city.setdefault(team.county.city_code, []).append(team)


@dataclass(slots=True)
class Network:
    stations: list[StationFacts] = field(default_factory=list)
    stations_by_county: dict[str, list[StationFacts]] = field(default_factory=dict)
    teams: dict[str, Registry] = field(default_factory=dict)  # platform code -> its teams
    registry_of: dict[str, str] = field(default_factory=dict)  # county -> the registry's platform


def senders(writers: Sequence[Writer]) -> list[Writer]:
    """The platforms that send their teams (registries), in the writers' order."""
    return [w for w in writers if w.network is not None and w.network.sends_teams]


def station_writer(writers: Sequence[Writer]) -> Writer | None:
    """The platform that writes the stations (the first that does)."""
    return next((w for w in writers
                 if w.network is not None and w.network.station_record is not None), None)


def build_network(seed: int, geo: Geography, plan: Plan) -> Network:
    rng = random.Random(f"{seed}:network")
    net = Network()
    writer = station_writer(plan.writers)
    if writer is not None and writer.network is not None and writer.network.station_id:
        _stations(rng, geo, plan, net, writer.network.station_id)
    sigma = 1.1
    mu = math.log(plan.mean_members) - sigma * sigma / 2

    def members() -> int:
        return max(3, round(rng.lognormvariate(mu, sigma)))

    registries = senders(plan.writers)
    net.registry_of = owners(geo, registries)
    known = [w for w in plan.writers if w.network is not None and w.network.teams is not None]
    own = owners(geo, known)
    # Registries first, then the teams known only from their platform's records.
    for w in sorted(known, key=lambda w: w not in registries):
        assert w.network is not None and w.network.teams is not None
        holder = net.registry_of if w in registries else own
        counties = [c for c in geo.counties if holder.get(c.code) == w.code]
        net.teams[w.code] = Registry(w.network.teams(rng, counties, plan.teams[w.code], members))
    return net


def team_near(rng: random.Random, net: Network, county: County) -> TeamFacts:
    """A team of the registry holding ``county``'s teams, working in or near it."""
    registry = net.teams[net.registry_of[county.code]]
    near = registry.by_county.get(county.code) or registry.by_city.get(county.city_code)
    return rng.choice(near or registry.teams)


def pick_county(counties: Sequence[County]) -> Weighted[County]:
    """A choice of ``counties`` by their weight."""
    return Weighted(counties, [c.weight for c in counties])


def make_team(rng: random.Random, team_id: str, county: County, members: int) -> TeamFacts:
    """A team of ``county``, named from its place, a theme and its field."""
    service = rng.choice(words.SERVICE_LABELS) if rng.random() < 0.95 else rng.choice(
        words.OTHER_SERVICE_LABELS)
    field_word = words.TEAM_FIELDS.get(service, "")
    place = rng.choice(county.towns).name if rng.random() < 0.6 else county.name
    name = place + rng.choice(words.TEAM_THEMES) + field_word + rng.choice(words.TEAM_SUFFIXES)
    return TeamFacts(team_id, name, service, county, members)


def _stations(rng: random.Random, geo: Geography, plan: Plan, net: Network,
              station_id: Callable[[int], str]) -> None:
    """A 中心 per county, then 所 in towns, 站 in villages and 点 beside them."""
    counties = list(geo.counties)
    centres: dict[str, StationFacts] = {}
    serial = 0

    def add(name: str, level: str, parent: StationFacts | None, code: str, county: County,
            port: str) -> StationFacts:
        nonlocal serial
        serial += 1
        station = StationFacts(station_id(serial), name, level,
                               None if parent is None else parent.id, code, port, county)
        net.stations.append(station)
        net.stations_by_county.setdefault(county.code, []).append(station)
        return station

    for i, county in enumerate(counties):
        centres[county.code] = add(f"{county.name}新时代文明实践中心", "中心", None, county.code,
                                   county, f"P{i + 1:03d}")
    pick = Weighted(counties, [c.weight for c in counties])
    institutes: list[tuple[StationFacts, Place]] = []
    seen_towns: set[str] = set()
    for i in range(plan.institutes):
        # The first ones go round every city so that small scales still cover them.
        county = counties[(i * 7) % len(counties)] if i < 14 else pick.pick(rng)
        town = _fresh(rng, county.towns, seen_towns)
        centre = centres[county.code]
        institutes.append((add(f"{county.name}{town.name}新时代文明实践所", "所", centre,
                               town.code, county, centre.port_id), town))
    stations: list[StationFacts] = []
    seen_villages: set[str] = set()
    for _ in range(plan.stations):
        parent, town = rng.choice(institutes)
        village = _fresh(rng, parent.county.villages_of(town), seen_villages)
        stations.append(add(f"{village.name}新时代文明实践站", "站", parent, village.code,
                            parent.county, parent.port_id))
    for _ in range(plan.points):
        parent = rng.choice(stations)
        spot = rng.choice(("文化广场", "党群服务中心", "农家书屋", "老年活动室", "志愿服务驿站"))
        name = parent.name.removesuffix("新时代文明实践站") + spot + "实践点"
        add(name, "点", parent, parent.division_code, parent.county, parent.port_id)


def _fresh(rng: random.Random, places: tuple[Place, ...], seen: set[str]) -> Place:
    """A place not used yet when one is left after a few tries."""
    place = rng.choice(places)
    for _ in range(4):
        if place.code not in seen:
            break
        place = rng.choice(places)
    seen.add(place.code)
    return place


# ---------------------------------------------------------------- records


def network_emissions(seed: int, net: Network, start: dt.datetime, now: dt.datetime,
                      writers: Sequence[Writer]) -> Iterator[Emission]:
    """Stations, then teams, registered before ``start``; a few change during the year."""
    rng = random.Random(f"{seed}:network-records")
    at = start - 30 * DAY
    code, station = _station_record(writers)
    if station is not None:
        for s in net.stations:
            at += dt.timedelta(seconds=7)
            yield Emission(at, code, station(s, at, False))
    at = start - 20 * DAY
    later: list[Emission] = []
    for w in senders(writers):
        assert w.network is not None and w.network.team_record is not None
        record = w.network.team_record
        for team in net.teams[w.code].teams:
            at += dt.timedelta(seconds=5)
            yield Emission(at, w.code, record(rng, team, team.members, at, False, net))
            later.extend(_changes(rng, team, start, now, w.code, record, net))
    # Stations closed during the year.
    if station is not None:
        for s in net.stations[len(net.stations) // 2:: 97]:
            if s.level != "中心":
                t = start + (now - start) * rng.random()
                later.append(Emission(t, code, station(s, t, True)))
    later.sort(key=lambda e: e.at)
    yield from later


def _station_record(writers: Sequence[Writer]) -> tuple[str, StationRecord | None]:
    writer = station_writer(writers)
    if writer is None or writer.network is None:
        return "", None
    return writer.code, writer.network.station_record


def _changes(rng: random.Random, team: TeamFacts, start: dt.datetime, now: dt.datetime,
             source: str, record: TeamRecord, net: Network) -> list[Emission]:
    """Some teams grow during the year; about one in a hundred is dissolved."""
    r = rng.random()
    if team.steady or r > 0.06:
        return []
    t = start + (now - start) * rng.random()
    grown = team.members + rng.randint(1, 40)
    return [Emission(t, source, record(rng, team, grown, t, r < 0.01, net))]


def hash_index(key: str, n: int) -> int:
    """A stable index in [0, n) for a key (not Python's salted ``hash``)."""
    h = 0
    for ch in key:
        h = (h * 131 + ord(ch)) % 1_000_003
    return h % n
