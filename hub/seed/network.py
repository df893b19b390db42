"""The 新时代文明实践 network: stations and volunteer teams.

辽宁文化云 holds the stations of every county (中心 → 所 → 站 → 点) and the
teams outside 沈阳; 盛京使者 registers 沈阳's teams (DW records); 枫乡's
teams are known only from its orders. All of them exist before the year of
wishes starts, and a few change or disappear during it.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from hub.places import short_forms
from hub.seed import words
from hub.seed.facts import (
    DAY,
    Emission,
    TeamFacts,
    Weighted,
    beijing_text,
    iso_beijing,
)
from hub.seed.geo import BENXI_COUNTY, SHENYANG, County, Geography, Place
from hub.seed.plan import SHENGJING, WENHUAYUN, Plan

# The team that claims a large share of 沈阳's wishes (the platform document's example).
STAR_TEAM_ID = "T-88"
STAR_TEAM_NAME = "华清爱心联盟志愿者服务队"


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
class Network:
    stations: list[StationFacts] = field(default_factory=list)
    stations_by_county: dict[str, list[StationFacts]] = field(default_factory=dict)
    shengjing_teams: list[TeamFacts] = field(default_factory=list)
    wenhuayun_teams: list[TeamFacts] = field(default_factory=list)
    fengxiang_teams: list[TeamFacts] = field(default_factory=list)
    teams_by_county: dict[str, list[TeamFacts]] = field(default_factory=dict)
    teams_by_city: dict[str, list[TeamFacts]] = field(default_factory=dict)


def build_network(seed: int, geo: Geography, plan: Plan) -> Network:
    rng = random.Random(f"{seed}:network")
    net = Network()
    _stations(rng, geo, plan, net)
    sigma = 1.1
    mu = math.log(plan.mean_members) - sigma * sigma / 2

    def members() -> int:
        return max(3, round(rng.lognormvariate(mu, sigma)))

    shenyang = [c for c in geo.counties if c.city_code == SHENYANG]
    others = [c for c in geo.counties if c.city_code != SHENYANG]
    pick_sy = Weighted(shenyang, [c.weight for c in shenyang])
    pick_other = Weighted(others, [c.weight for c in others])
    for i in range(plan.shengjing_teams):
        county = pick_sy.pick(rng)
        if i == 0:
            star = next((c for c in shenyang if c.name == "于洪区"), county)
            team = TeamFacts(STAR_TEAM_ID, STAR_TEAM_NAME, "扶危帮困", star, 46)
        else:
            team = _team(rng, f"T-{100 + i}", county, members())
        net.shengjing_teams.append(team)
    for i in range(plan.wenhuayun_teams):
        team = _team(rng, f"WHY-TM-{i + 1:05d}", pick_other.pick(rng), members())
        net.wenhuayun_teams.append(team)
        net.teams_by_county.setdefault(team.county.code, []).append(team)
        net.teams_by_city.setdefault(team.county.city_code, []).append(team)
    benxi = geo.by_code(BENXI_COUNTY)
    for i in range(plan.fengxiang_teams):
        net.fengxiang_teams.append(_team(rng, str(401 + i), benxi, 0))
    return net


def team_near(rng: random.Random, net: Network, county: County) -> TeamFacts:
    """A team of 文化云's registry working in or near ``county``."""
    near = net.teams_by_county.get(county.code) or net.teams_by_city.get(county.city_code)
    return rng.choice(near or net.wenhuayun_teams)


def _team(rng: random.Random, team_id: str, county: County, members: int) -> TeamFacts:
    service = rng.choice(words.SERVICE_LABELS) if rng.random() < 0.95 else rng.choice(
        words.OTHER_SERVICE_LABELS)
    field_word = words.TEAM_FIELDS.get(service, "")
    place = rng.choice(county.towns).name if rng.random() < 0.6 else county.name
    name = place + rng.choice(words.TEAM_THEMES) + field_word + rng.choice(words.TEAM_SUFFIXES)
    return TeamFacts(team_id, name, service, county, members)


def _stations(rng: random.Random, geo: Geography, plan: Plan, net: Network) -> None:
    """A 中心 per county, then 所 in towns, 站 in villages and 点 beside them."""
    counties = list(geo.counties)
    centres: dict[str, StationFacts] = {}
    serial = 0

    def add(name: str, level: str, parent: StationFacts | None, code: str, county: County,
            port: str) -> StationFacts:
        nonlocal serial
        serial += 1
        station = StationFacts(f"WHY-ST-{serial:05d}", name, level,
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


def area_name(rng: random.Random, county: County) -> str:
    """沈阳's district as people type it: 沈阳市铁西区, 铁西区 or (older records) 铁西."""
    r = rng.random()
    if r < 0.3:
        return county.city_name + county.name
    shorts = sorted(short_forms(county.name))
    if r < 0.45 and shorts:
        return shorts[0]
    return county.name


# ---------------------------------------------------------------- records


def network_emissions(seed: int, net: Network, start: dt.datetime,
                      now: dt.datetime) -> Iterator[Emission]:
    """Stations, then teams, registered before ``start``; a few change during the year."""
    rng = random.Random(f"{seed}:network-records")
    at = start - 30 * DAY
    for station in net.stations:
        at += dt.timedelta(seconds=7)
        yield Emission(at, WENHUAYUN, _station(station, at, deleted=False))
    at = start - 20 * DAY
    later: list[Emission] = []
    for team in net.shengjing_teams:
        at += dt.timedelta(seconds=5)
        yield Emission(at, SHENGJING, _dw(rng, team, team.members, at, deleted=False))
        later.extend(_changes(rng, team, start, now, SHENGJING))
    for team in net.wenhuayun_teams:
        at += dt.timedelta(seconds=5)
        yield Emission(at, WENHUAYUN, _why_team(team, team.members, at, deleted=False, net=net))
        later.extend(_changes(rng, team, start, now, WENHUAYUN, net))
    # Stations closed during the year.
    for station in net.stations[len(net.stations) // 2:: 97]:
        if station.level != "中心":
            t = start + (now - start) * rng.random()
            later.append(Emission(t, WENHUAYUN, _station(station, t, deleted=True)))
    later.sort(key=lambda e: e.at)
    yield from later


def _changes(rng: random.Random, team: TeamFacts, start: dt.datetime, now: dt.datetime,
             source: str, net: Network | None = None) -> list[Emission]:
    """Some teams grow during the year; about one in a hundred is dissolved."""
    r = rng.random()
    if team.id == STAR_TEAM_ID or r > 0.06:
        return []
    t = start + (now - start) * rng.random()
    deleted = r < 0.01
    grown = team.members + rng.randint(1, 40)
    if source == SHENGJING:
        return [Emission(t, source, _dw(rng, team, grown, t, deleted=deleted))]
    assert net is not None
    return [Emission(t, source, _why_team(team, grown, t, deleted=deleted, net=net))]


def _station(s: StationFacts, at: dt.datetime, *, deleted: bool) -> dict[str, object]:
    return {
        "entity": "station", "station_id": s.id, "name": s.name, "level": s.level,
        "parent_id": s.parent_id, "division_code": s.division_code, "port_id": s.port_id,
        "updated_at": iso_beijing(at), "deleted": deleted,
    }


def _dw(rng: random.Random, team: TeamFacts, members: int, at: dt.datetime, *,
        deleted: bool) -> dict[str, object]:
    station = ""
    if rng.random() < 0.5:
        station = rng.choice(team.county.villages).name + "新时代文明实践站"
    return {
        "recordType": "DW", "dwId": team.id, "dwName": team.name, "dwType": team.service,
        "areaName": area_name(rng, team.county), "stationName": station, "memberNum": members,
        "updateTime": beijing_text(at), "delFlag": 1 if deleted else 0,
    }


def _why_team(team: TeamFacts, members: int, at: dt.datetime, *, deleted: bool,
              net: Network) -> dict[str, object]:
    stations = net.stations_by_county.get(team.county.code) or []
    station = stations[hash_index(team.id, len(stations))] if stations else None
    return {
        "entity": "team", "team_id": team.id, "name": team.name, "service_type": team.service,
        "station_id": None if station is None else station.id,
        "division_code": team.county.code if station is None else station.division_code,
        "member_count": members, "updated_at": iso_beijing(at), "deleted": deleted,
    }


def hash_index(key: str, n: int) -> int:
    """A stable index in [0, n) for a key (not Python's salted ``hash``)."""
    h = 0
    for ch in key:
        h = (h * 131 + ord(ch)) % 1_000_003
    return h % n
