"""How much of everything a scale means.

``scale = 1.0`` is the province as its published figures describe it: 14
cities, 100 counties each with its 新时代文明实践中心 and the 所, 站 and 点
below, about 33,000 teams with 7.3 million members, 900,000 wishes a year
(about two thirds fulfilled) and about a million service activities.

Small scales keep minimum counts per platform so that a demo of a few
hundred wishes still shows every platform, status, category and group.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.seed.geo import BENXI_COUNTY, HULUDAO, SHENYANG, Geography

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

SHENGJING = "shengjing"
FENGXIANG = "fengxiang"
WENHUAYUN = "wenhuayun"
HULUDAO_CODE = "huludao"
PLATFORMS = (SHENGJING, FENGXIANG, WENHUAYUN, HULUDAO_CODE)


def platform_of(county_code: str) -> str:
    """The platform that holds the wishes of a county."""
    if county_code.startswith(SHENYANG[:4]):
        return SHENGJING
    if county_code == BENXI_COUNTY:
        return FENGXIANG
    if county_code.startswith(HULUDAO[:4]):
        return HULUDAO_CODE
    return WENHUAYUN


@dataclass(frozen=True, slots=True)
class Plan:
    scale: float
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
        # Re-sent versions, mirrors, 葫芦岛's extra pink states and blue cards.
        extra = int(wishes * 0.12) + int(self.wishes[HULUDAO_CODE] * 1.6)
        network = (self.shengjing_teams + self.wenhuayun_teams + self.institutes
                   + self.stations + self.points + 100)
        return wishes + extra + sum(self.activities.values()) + network


def make_plan(scale: float, geo: Geography) -> Plan:
    if not scale > 0:
        raise ValueError("scale must be positive")
    share: dict[str, float] = dict.fromkeys(PLATFORMS, 0.0)
    for county in geo.counties:
        share[platform_of(county.code)] += county.weight
    shenyang = sum(c.weight for c in geo.counties if c.city_code == SHENYANG)
    benxi = sum(c.weight for c in geo.counties if c.code == BENXI_COUNTY)

    def part(total: int, weight: float, minimum: int) -> int:
        return max(minimum, round(total * scale * weight))

    wishes = {p: part(PROVINCE_WISHES, share[p], MIN_WISHES) for p in PLATFORMS}
    teams_sj = part(PROVINCE_TEAMS, shenyang, MIN_TEAMS)
    teams_fx = part(PROVINCE_TEAMS, benxi, 6)
    teams_why = part(PROVINCE_TEAMS, 1.0 - shenyang - benxi, MIN_TEAMS)
    activities = {
        FENGXIANG: part(PROVINCE_ACTIVITIES, benxi, MIN_ACTIVITIES),
        WENHUAYUN: part(PROVINCE_ACTIVITIES, 1.0 - benxi, MIN_ACTIVITIES * 4),
    }
    return Plan(
        scale=scale,
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
