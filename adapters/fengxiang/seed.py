"""枫乡 as ``hub seed`` writes it: orders moving through their stages, one team each.

An order's events arrive in any order; an early version (DIANDAN only) is
sometimes sent before the final one. 枫乡 knows no review (PENDING) and
sends no deletions. It records 本溪满族自治县's service activities; its
teams are known only from its orders (``NETWORK``).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence

from adapters.base import Renderer, SeedNetwork
from hub.seed.activities import ActivityFacts
from hub.seed.facts import DAY, Emission, TeamFacts, WishFacts, beijing_date, epoch_ms, masked
from hub.seed.geo import County
from hub.seed.network import Network, make_team
from hub.seed.world import SECOND, World

CODE = "fengxiang"


class FengxiangDialect:
    max_records = 1000
    max_wait = 14 * DAY
    pending = False
    deletes = False
    extra_groups: tuple[str, ...] = ()
    max_claimers = 1  # an order names one team
    records_per_wish = 1.12

    def claimer_kind(self, rng: random.Random) -> int:
        return 0  # only teams take orders

    def team(self, rng: random.Random, net: Network, county: County) -> tuple[str, str | None]:
        team = rng.choice(net.teams[CODE].teams)
        return team.name, team.id

    def renderer(self, world: World, rng: random.Random) -> Renderer:
        per_day: dict[dt.date, int] = {}

        def render(f: WishFacts) -> list[Emission]:
            day = beijing_date(f.submitted)
            per_day[day] = per_day.get(day, 0) + 1
            order_no = f"FX-{day:%Y%m%d}-{per_day[day]:04d}"
            events = [("DIANDAN", f.submitted)]
            stage = "DIANDAN"
            if f.claimed is not None:
                events.append(("ZHIDAN", f.claimed))
                stage = "ZHIDAN"
                delivering = f.claimed + (min(f.fulfilled or world.now, world.now) - f.claimed) * 0.3
                if f.fulfilled is not None or rng.random() < 0.5:
                    events.append(("SONGDAN", delivering))
                    stage = "SONGDAN"
            if f.fulfilled is not None:
                events.append(("WANCHENG", f.fulfilled))
                stage = "WANCHENG"
            if f.ended is not None:
                events.append(("QUXIAO", f.ended))
                stage = "QUXIAO"
            team = None
            if f.claimers:
                c = f.claimers[0]
                team_facts = next(t for t in world.net.teams[CODE].teams if t.id == c.team_id)
                team = {"team_id": int(team_facts.id), "team_name": team_facts.name,
                        "category": team_facts.service}
            person = {"group": f.group, "name_masked": masked(f.person), "phone_tail": f.phone[-4:]}
            shuffled = list(events)
            rng.shuffle(shuffled)
            base: dict[str, object] = {
                "kind": "order", "order_no": order_no,
                "demand": {"text": f.title, "tag": f.category},
                "demand_type": "实物" if f.goods else "服务", "person": person,
                "village_code": f.village.code,
            }
            out: list[Emission] = []
            if f.resend and len(events) > 1:
                at = f.submitted + dt.timedelta(seconds=60)
                out.append(Emission(at, CODE, {
                    **base, "stage": "DIANDAN", "team": None,
                    "events": [{"stage": "DIANDAN", "at": epoch_ms(f.submitted)}], "rev": 1,
                }))
            out.append(Emission(f.final_at + 2 * SECOND, CODE, {
                **base, "stage": stage, "team": team,
                "events": [{"stage": s, "at": epoch_ms(t)} for s, t in shuffled],
                "rev": len(events) + 1,
            }))
            return out

        return render


def _teams(rng: random.Random, counties: Sequence[County], n: int,
           members: Callable[[], int]) -> list[TeamFacts]:
    # Its orders name a team, never its members.
    return [make_team(rng, str(401 + i), counties[0], 0) for i in range(n)]


def _activity(rng: random.Random, world: World, a: ActivityFacts) -> list[Emission]:
    """An activity push; now and then a second revision comes days later."""
    team = rng.choice(world.net.teams[CODE].teams) if rng.random() < 0.8 else None
    record: dict[str, object] = {
        "kind": "activity", "act_id": f"FX-ACT-{a.n + 1:05d}", "title": a.title,
        "category": a.service, "team_id": None if team is None else int(team.id),
        "village_code": a.village.code, "date": a.day.isoformat(), "times": a.sessions,
        "volunteers": a.volunteers, "served": a.served, "hours": a.hours, "rev": 1,
    }
    out = [Emission(a.sent, CODE, record)]
    if rng.random() < 0.02:
        t = a.sent + DAY * rng.uniform(1, 20)
        out.append(Emission(t, CODE, {**record, "volunteers": a.volunteers + 3, "rev": 2}))
    return out


DIALECT = FengxiangDialect()
NETWORK = SeedNetwork(teams=_teams, min_teams=6, activity_records=_activity, min_activities=30)
