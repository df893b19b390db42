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
from typing import TYPE_CHECKING

from hub import regions
from hub.seed.geo import Geography

if TYPE_CHECKING:
    from adapters.base import SeedNetwork

PROVINCE_WISHES = 900_000
PROVINCE_TEAMS = 33_000
PROVINCE_MEMBERS = 7_300_000
PROVINCE_ACTIVITIES = 1_000_000
PROVINCE_INSTITUTES = 1_400  # 所, about one per town
PROVINCE_STATIONS = 15_000  # 站, in villages and communities
PROVINCE_POINTS = 4_000  # 点

MIN_WISHES = 40  # per platform (those of its teams and activities: its SeedNetwork's)
MIN_INSTITUTES = 14
MIN_STATIONS = 28
MIN_POINTS = 8

@dataclass(frozen=True, slots=True)
class Writer:
    """A platform that writes wishes: the wishes of the counties in its scope are its own;
    and its part of the network (teams, stations, activities), if any."""

    code: str
    scope_code: str
    records_per_wish: float = 1.12  # re-sent versions and mirrors included
    network: SeedNetwork | None = None


def owners(geo: Geography, writers: Sequence[Writer]) -> dict[str, str]:
    """County code -> the platform of the most specific scope among ``writers`` (that of
    its wishes, or of a part of the network among those that know it)."""
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
    teams: dict[str, int]  # platform code -> the teams it knows
    mean_members: float
    activities: dict[str, int]  # platform code -> the activities it records
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
        sent = sum(self.teams[w.code] for w in self.writers
                   if w.network is not None and w.network.sends_teams)
        network = sent + self.institutes + self.stations + self.points + 100
        return wishes + extra + sum(self.activities.values()) + network


def make_plan(scale: float, geo: Geography, writers: Sequence[Writer]) -> Plan:
    if not scale > 0:
        raise ValueError("scale must be positive")

    def part(total: int, weight: float, minimum: int) -> int:
        return max(minimum, round(total * scale * weight))

    share = _shares(geo, writers)
    wishes = {w.code: part(PROVINCE_WISHES, share[w.code], MIN_WISHES) for w in writers}
    knowing = [(w, w.network) for w in writers if w.network is not None]
    team_share = _shares(geo, [w for w, n in knowing if n.teams is not None])
    teams = {w.code: part(PROVINCE_TEAMS, team_share[w.code], n.min_teams)
             for w, n in knowing if n.teams is not None}
    recording = [w for w, n in knowing if n.activity_records is not None]
    activity_share = _shares(geo, recording)
    activities = {w.code: part(PROVINCE_ACTIVITIES, activity_share[w.code], n.min_activities)
                  for w, n in knowing if n.activity_records is not None}
    return Plan(
        scale=scale,
        writers=tuple(writers),
        owner=owners(geo, writers),
        wishes=wishes,
        teams=teams,
        mean_members=PROVINCE_MEMBERS / PROVINCE_TEAMS,
        activities=activities,
        institutes=max(MIN_INSTITUTES, round(PROVINCE_INSTITUTES * scale)),
        stations=max(MIN_STATIONS, round(PROVINCE_STATIONS * scale)),
        points=max(MIN_POINTS, round(PROVINCE_POINTS * scale)),
    )


def scope_depth(code: str) -> int:
    """How many regions stand above ``code`` (the province: 0)."""
    depth = 0
    while (parent := regions.parent_code_of(code)) is not None:
        code, depth = parent, depth + 1
    return depth


def _shares(geo: Geography, writers: Sequence[Writer]) -> dict[str, float]:
    """Each writer's share of the province (the weight of the counties it owns among them)."""
    owner = owners(geo, writers)
    share: dict[str, float] = {w.code: 0.0 for w in writers}
    for county in geo.counties:
        if county.code in owner:
            share[owner[county.code]] += county.weight
    return share
