"""辽宁文化云 as ``hub seed`` writes it: wish items (with deletions), in pages of up to 1,000.

It also mirrors some of 盛京使者's wishes (``wish_item`` with an ``origin``);
writes every county's stations, registers the teams outside 沈阳 and records
the service activities outside 本溪满族自治县 (``NETWORK``).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence

from adapters.base import Renderer, SeedNetwork
from hub.models import WishStatus
from hub.seed.activities import ActivityFacts
from hub.seed.facts import (
    CLAIMER_KINDS,
    DAY,
    Emission,
    TeamFacts,
    WishFacts,
    iso_beijing,
    masked,
)
from hub.seed.geo import County
from hub.seed.network import (
    Network,
    StationFacts,
    hash_index,
    make_team,
    pick_county,
    team_near,
)
from hub.seed.world import SECOND, World, deleted_at

CODE = "wenhuayun"

# Claimants' kinds in the platform's words (``Claimer.kind`` order).
CLAIMERS = ("队伍", "志愿者", "企业", "组织")
_STATE = {
    WishStatus.PENDING: "待审核", WishStatus.OPEN: "待认领", WishStatus.CLAIMED: "已认领",
    WishStatus.FULFILLED: "已实现", WishStatus.CANCELLED: "已撤销",
}


class WenhuayunDialect:
    max_records = 1000
    max_wait = 14 * DAY
    pending = True
    deletes = True
    extra_groups: tuple[str, ...] = ()
    max_claimers = 3
    records_per_wish = 1.12

    def claimer_kind(self, rng: random.Random) -> int:
        return CLAIMER_KINDS.pick(rng)

    def team(self, rng: random.Random, net: Network, county: County) -> tuple[str, str | None]:
        team = net.teams[CODE].teams[0] if rng.random() < 0.05 else team_near(rng, net, county)
        return team.name, team.id

    def renderer(self, world: World, rng: random.Random) -> Renderer:
        def render(f: WishFacts) -> list[Emission]:
            wish_id = f"WHY-WS-{f.n + 1:06d}"
            out: list[Emission] = []
            if f.resend:
                at = f.submitted + dt.timedelta(seconds=60)
                early = wish_item(world, rng, f, at, wish_id, as_of=f.submitted)
                out.append(Emission(at, CODE, early))
            at = f.final_at + 2 * SECOND
            final = wish_item(world, rng, f, at, wish_id, as_of=None)
            out.append(Emission(at, CODE, final))
            if f.deleted:
                gone = deleted_at(rng, world, f)
                out.append(Emission(gone, CODE,
                                    {**final, "updated_at": iso_beijing(gone), "deleted": True}))
            return out

        return render


def wish_item(world: World, rng: random.Random, f: WishFacts, at: dt.datetime, wish_id: str,
              *, as_of: dt.datetime | None) -> dict[str, object]:
    """The item as the platform knows the wish at ``as_of`` (None: its final state)."""
    status, claimed, done = f.status, f.claimed, f.fulfilled
    if as_of is not None:
        claimed = claimed if claimed is not None and claimed <= as_of else None
        done = done if done is not None and done <= as_of else None
        if status in (WishStatus.CLAIMED, WishStatus.FULFILLED):
            status = (WishStatus.FULFILLED if done else
                      WishStatus.CLAIMED if claimed else WishStatus.OPEN)
        elif status is WishStatus.CANCELLED and (f.ended is None or f.ended > as_of):
            status = WishStatus.OPEN
    r = rng.random()
    code = f.county.code if r < 0.2 else (f.town.code if r < 0.5 else f.village.code)
    stations = world.net.stations_by_county.get(f.county.code) or []
    station = stations[hash_index(wish_id, len(stations))].id if stations and r < 0.6 else None
    claimers = [] if claimed is None else [
        {"kind": CLAIMERS[c.kind], "name": c.name, "team_id": c.team_id}
        for c in f.claimers if c.at <= (as_of or world.now)
    ]
    return {
        "entity": "wish", "wish_id": wish_id, "title": f.title, "wish_type": f.category,
        "goods_or_service": "实物" if f.goods else "服务", "target_group": f.group,
        "target_name": masked(f.person), "division_code": code, "station_id": station,
        "state": _STATE[status], "submit_time": iso_beijing(f.submitted),
        "claim_time": None if claimed is None else iso_beijing(claimed),
        "done_time": None if done is None else iso_beijing(done),
        "claimers": claimers, "origin": None, "updated_at": iso_beijing(at),
        "deleted": False,
    }


def _teams(rng: random.Random, counties: Sequence[County], n: int,
           members: Callable[[], int]) -> list[TeamFacts]:
    pick = pick_county(counties)
    return [make_team(rng, f"WHY-TM-{i + 1:05d}", pick.pick(rng), members()) for i in range(n)]


def _team(rng: random.Random, team: TeamFacts, members: int, at: dt.datetime, deleted: bool,
          net: Network) -> dict[str, object]:
    stations = net.stations_by_county.get(team.county.code) or []
    station = stations[hash_index(team.id, len(stations))] if stations else None
    return {
        "entity": "team", "team_id": team.id, "name": team.name, "service_type": team.service,
        "station_id": None if station is None else station.id,
        "division_code": team.county.code if station is None else station.division_code,
        "member_count": members, "updated_at": iso_beijing(at), "deleted": deleted,
    }


def _station(s: StationFacts, at: dt.datetime, deleted: bool) -> dict[str, object]:
    return {
        "entity": "station", "station_id": s.id, "name": s.name, "level": s.level,
        "parent_id": s.parent_id, "division_code": s.division_code, "port_id": s.port_id,
        "updated_at": iso_beijing(at), "deleted": deleted,
    }


def _activity(rng: random.Random, world: World, a: ActivityFacts) -> list[Emission]:
    """An activity item; a few are corrected days later or (rarely) withdrawn."""
    teams = world.net.teams[CODE].by_county.get(a.county.code) or []
    team_id = None
    if teams and rng.random() < 0.85:
        team_id = teams[hash_index(f"{a.n}", len(teams))].id
    stations = world.net.stations_by_county.get(a.county.code) or []
    station = rng.choice(stations) if stations and rng.random() < 0.7 else None
    r = rng.random()
    code = a.county.code if r < 0.3 else (a.village.code[:9] if r < 0.5 else a.village.code)
    item: dict[str, object] = {
        "entity": "activity", "activity_id": f"WHY-AC-{a.n + 1:07d}", "title": a.title,
        "service_type": a.service, "team_id": team_id,
        "station_id": None if station is None else station.id, "division_code": code,
        "date": a.day.isoformat(), "sessions": a.sessions, "volunteer_times": a.volunteers,
        "beneficiary_times": a.served, "service_hours": a.hours,
        "updated_at": iso_beijing(a.sent), "deleted": False,
    }
    out = [Emission(a.sent, CODE, item)]
    r = rng.random()
    if r < 0.025:
        t = min(a.sent + DAY * rng.uniform(1, 20), world.now - dt.timedelta(seconds=1))
        if t > a.sent:
            change = {"deleted": True} if r < 0.005 else {"beneficiary_times": a.served + 10}
            out.append(Emission(t, CODE, {**item, **change, "updated_at": iso_beijing(t)}))
    return out


DIALECT = WenhuayunDialect()
NETWORK = SeedNetwork(
    teams=_teams, min_teams=12, team_record=_team,
    station_id=lambda serial: f"WHY-ST-{serial:05d}", station_record=_station,
    activity_records=_activity, min_activities=120,
)
