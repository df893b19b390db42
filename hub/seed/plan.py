"""How much of everything a scale means.

``scale = 1.0`` is the province as its published figures describe it: 14
cities, 100 counties each with its 新时代文明实践中心 and the 所, 站 and 点
below, about 33,000 teams with 7.3 million members, 900,000 wishes a year
(about two thirds fulfilled) and about a million service activities.

Small scales keep minimum counts per platform so that a demo of a few
hundred wishes still shows every platform, status, category and group.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hub import regions
from hub.seed.geo import BENXI_COUNTY, SHENYANG, Geography

PROVINCE_WISHES = 900_000
PROVINCE_TEAMS = 33_000
PROVINCE_MEMBERS = 7_300_000
PROVINCE_ACTIVITIES = 1_000_000
PROVINCE_INSTITUTES = 1_400  # 所, about one per town
PROVINCE_STATIONS = 15_000  # 站, in villages and communities
PROVINCE_POINTS = 4_000  # 点

MIN_WISHES = 40  # per platform
MIN_TEAMS = 12  # per platform that registers teams
MIN_ACTIVITIES = 30  # per platform that records activities
MIN_INSTITUTES = 14
MIN_STATIONS = 28
MIN_POINTS = 8

# The platforms the network (stations, teams, activities) is written by.
SHENGJING = "shengjing"
FENGXIANG = "fengxiang"
WENHUAYUN = "wenhuayun"


@dataclass(frozen=True, slots=True)
class Writer:
    """A platform that writes wishes: the wishes of the counties in its scope are its own."""

    code: str
    scope_code: str
    records_per_wish: float = 1.12  # re-sent versions and mirrors included


def owners(geo: Geography, writers: Sequence[Writer]) -> dict[str, str]:
    """County code -> the platform holding its wishes: the one of the most specific scope."""
    by_scope: dict[str, str] = {}
    for w in writers:
        by_scope.setdefault(w.scope_code, w.code)
    out: dict[str, str] = {}
    for county in geo.counties:
        code: str | None = county.code
        while code is not None and code not in by_scope:
            code = regions.parent_code_of(code)
        if code is not None:
            out[county.code] = by_scope[code]
    return out


@dataclass(frozen=True, slots=True)
class Plan:
    scale: float
    writers: tuple[Writer, ...]
    owner: dict[str, str]  # county code -> the platform holding its wishes
    wishes: dict[str, int]
    shengjing_teams: int
    wenhuayun_teams: int
    fengxiang_teams: int
    mean_members: float
    activities: dict[str, int]
    institutes: int
    stations: int
    points: int

    @property
    def total_wishes(self) -> int:
        return sum(self.wishes.values())

    def expected_records(self) -> int:
        """About how many native records ``generate`` yields (for progress bars)."""
        wishes = self.total_wishes
        # Re-sent versions, mirrors, extra states and cards.
        extra = sum(int(self.wishes[w.code] * (w.records_per_wish - 1)) for w in self.writers)
        network = (self.shengjing_teams + self.wenhuayun_teams + self.institutes
                   + self.stations + self.points + 100)
        return wishes + extra + sum(self.activities.values()) + network


def make_plan(scale: float, geo: Geography, writers: Sequence[Writer]) -> Plan:
    if not scale > 0:
        raise ValueError("scale must be positive")
    owner = owners(geo, writers)
    share: dict[str, float] = {w.code: 0.0 for w in writers}
    for county in geo.counties:
        if county.code in owner:
            share[owner[county.code]] += county.weight
    shenyang = sum(c.weight for c in geo.counties if c.city_code == SHENYANG)
    benxi = sum(c.weight for c in geo.counties if c.code == BENXI_COUNTY)

    def part(total: int, weight: float, minimum: int) -> int:
        return max(minimum, round(total * scale * weight))

    wishes = {w.code: part(PROVINCE_WISHES, share[w.code], MIN_WISHES) for w in writers}
    teams_sj = part(PROVINCE_TEAMS, shenyang, MIN_TEAMS)
    teams_fx = part(PROVINCE_TEAMS, benxi, 6)
    teams_why = part(PROVINCE_TEAMS, 1.0 - shenyang - benxi, MIN_TEAMS)
    activities = {
        FENGXIANG: part(PROVINCE_ACTIVITIES, benxi, MIN_ACTIVITIES),
        WENHUAYUN: part(PROVINCE_ACTIVITIES, 1.0 - benxi, MIN_ACTIVITIES * 4),
    }
    return Plan(
        scale=scale,
        writers=tuple(writers),
        owner=owner,
        wishes=wishes,
        shengjing_teams=teams_sj,
        wenhuayun_teams=teams_why,
        fengxiang_teams=teams_fx,
        mean_members=PROVINCE_MEMBERS / PROVINCE_TEAMS,
        activities=activities,
        institutes=max(MIN_INSTITUTES, round(PROVINCE_INSTITUTES * scale)),
        stations=max(MIN_STATIONS, round(PROVINCE_STATIONS * scale)),
        points=max(MIN_POINTS, round(PROVINCE_POINTS * scale)),
    )
