"""盛京使者 as ``hub seed`` writes it: XY records, in batches of up to 1,000.

A wish re-sent early (OPEN), its final version, a deletion (``delFlag`` 1),
and now and then 辽宁文化云's mirror of it (sometimes before the city's own
record, sometimes after). It registers 沈阳's teams (DW records), one of
which claims a large share of the city's wishes.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable, Sequence

from adapters.base import Renderer, SeedNetwork
from adapters.wenhuayun.seed import CODE as _MIRROR
from adapters.wenhuayun.seed import wish_item
from hub.models import WishStatus
from hub.places import short_forms
from hub.seed.facts import (
    CLAIMER_KINDS,
    DAY,
    HOUR,
    Emission,
    TeamFacts,
    WishFacts,
    beijing_date,
    beijing_text,
    id_number,
)
from hub.seed.geo import County
from hub.seed.network import Network, hash_index, make_team, pick_county
from hub.seed.world import SECOND, World, before_now, deleted_at

CODE = "shengjing"

# The team that claims a large share of 沈阳's wishes (the platform document's example).
STAR_TEAM_ID = "T-88"
STAR_TEAM_NAME = "华清爱心联盟志愿者服务队"

_STATUS = {
    WishStatus.PENDING: "0", WishStatus.OPEN: "1", WishStatus.CLAIMED: "2",
    WishStatus.FULFILLED: "3", WishStatus.CANCELLED: "9",
}
# Claimants' kinds in the platform's words (``Claimer.kind`` order).
CLAIMERS = ("队伍", "个人", "企业", "组织")
# Ids 盛京使者 gives claimers that are not teams (person, enterprise, organisation).
_ID_PREFIX = ("T", "V", "E", "ORG")


class ShengjingDialect:
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
        # One team holds many of 沈阳's wishes.
        teams = net.teams[CODE].teams
        team = teams[0] if rng.random() < 0.15 else rng.choice(teams)
        return team.name, team.id

    def renderer(self, world: World, rng: random.Random) -> Renderer:
        per_day: dict[dt.date, int] = {}

        def render(f: WishFacts) -> list[Emission]:
            day = beijing_date(f.submitted)
            per_day[day] = per_day.get(day, 0) + 1
            xy_id = f"SJ{day:%Y%m%d}{per_day[day]:04d}"
            unset = rng.choice(("", None, "0000-00-00 00:00:00"))
            base: dict[str, object] = {
                "recordType": "XY", "xyId": xy_id, "xyTitle": f.title, "xyContent": f.content,
                "xyType": f.category, "xyKind": "1" if f.goods else "2", "objType": f.group,
                "objName": f.person, "objPhone": f.phone,
                "areaName": area_name(rng, f.county), "streetName": f.town.name,
                "communityName": f.village.name,
                "stationName": f"{f.village.name}新时代文明实践站" if rng.random() < 0.6 else "",
                "createTime": beijing_text(f.submitted),
            }
            if rng.random() < 0.3:
                base["objIdCard"] = id_number(rng, f.county.code, rng.randint(1940, 2015))
            out: list[Emission] = []
            if f.resend:
                at = f.submitted + dt.timedelta(seconds=60)
                out.append(Emission(at, CODE, {
                    **base, "status": "1", "claimTime": unset, "finishTime": unset,
                    "claimers": [], "updateTime": beijing_text(at), "delFlag": 0,
                }))
            at = f.final_at + 2 * SECOND
            final = {
                **base, "status": _STATUS[f.status],
                "claimTime": unset if f.claimed is None else beijing_text(f.claimed),
                "finishTime": unset if f.fulfilled is None else beijing_text(f.fulfilled),
                "claimers": [
                    {"type": CLAIMERS[c.kind], "name": c.name,
                     "id": c.team_id or f"{_ID_PREFIX[c.kind]}-{hash_index(c.name, 99991)}"}
                    for c in f.claimers
                ],
                "updateTime": beijing_text(at), "delFlag": 0,
            }
            out.append(Emission(at, CODE, final))
            if f.deleted:
                gone = deleted_at(rng, world, f)
                out.append(Emission(gone, CODE,
                                    {**final, "updateTime": beijing_text(gone), "delFlag": 1}))
            if f.status is not WishStatus.PENDING and rng.random() < 0.03:
                out.extend(_mirror(world, rng, f, xy_id))
            return out

        return render


def _mirror(world: World, rng: random.Random, f: WishFacts, xy_id: str) -> list[Emission]:
    """辽宁文化云's copy of a 沈阳 wish: sometimes before the city's own, sometimes after."""
    at = before_now(world, f.submitted + HOUR * rng.uniform(0.2, 72), f.submitted)
    item = wish_item(world, rng, f, at, f"WHY-WS-M{f.n + 1:07d}", as_of=at)
    item["origin"] = f"{CODE}:{xy_id}"
    out = [Emission(at, _MIRROR, item)]
    if rng.random() < 0.3 and f.final_at > at + SECOND:
        later = before_now(world, f.final_at + HOUR, at)
        out.append(Emission(later, _MIRROR, {
            **wish_item(world, rng, f, later, str(item["wish_id"]), as_of=later),
            "origin": item["origin"],
        }))
    return out


def area_name(rng: random.Random, county: County) -> str:
    """沈阳's district as people type it: 沈阳市铁西区, 铁西区 or (older records) 铁西."""
    r = rng.random()
    if r < 0.3:
        return county.city_name + county.name
    shorts = sorted(short_forms(county.name))
    if r < 0.45 and shorts:
        return shorts[0]
    return county.name


def _teams(rng: random.Random, counties: Sequence[County], n: int,
           members: Callable[[], int]) -> list[TeamFacts]:
    """沈阳's registry; its first team is the star of the platform document."""
    pick = pick_county(counties)
    teams = []
    for i in range(n):
        county = pick.pick(rng)
        if i == 0:
            star = next((c for c in counties if c.name == "于洪区"), county)
            teams.append(TeamFacts(STAR_TEAM_ID, STAR_TEAM_NAME, "扶危帮困", star, 46, steady=True))
        else:
            teams.append(make_team(rng, f"T-{100 + i}", county, members()))
    return teams


def _dw(rng: random.Random, team: TeamFacts, members: int, at: dt.datetime, deleted: bool,
        net: Network) -> dict[str, object]:
    station = ""
    if rng.random() < 0.5:
        station = rng.choice(team.county.villages).name + "新时代文明实践站"
    return {
        "recordType": "DW", "dwId": team.id, "dwName": team.name, "dwType": team.service,
        "areaName": area_name(rng, team.county), "stationName": station, "memberNum": members,
        "updateTime": beijing_text(at), "delFlag": 1 if deleted else 0,
    }


# One open wish in 沈阳市铁西区 that lands: the push ``hub demo`` shows, signed.
EXAMPLE = json.dumps({
    "platform": "shengjing",
    "pushTime": "2026-06-01 09:30:00",
    "records": [{
        "recordType": "XY", "xyId": "DEMO-0001", "xyTitle": "想要一套绘本",
        "xyContent": "社区儿童之家缺少绘本", "xyType": "图书读物", "xyKind": "1",
        "objType": "留守儿童", "objName": "李小明", "areaName": "沈阳市铁西区",
        "streetName": "霁虹街道", "communityName": "", "stationName": "",
        "status": "1", "createTime": "2026-06-01 09:00:00", "claimTime": "", "finishTime": "",
        "claimers": [], "updateTime": "2026-06-01 09:00:00", "delFlag": 0,
    }],
}, separators=(",", ":")).encode("ascii")

DIALECT = ShengjingDialect()
NETWORK = SeedNetwork(teams=_teams, min_teams=12, team_record=_dw)
