"""葫芦岛 as ``hub seed`` writes it: pink 许愿码 and blue 如愿卡 events, a few at a time.

Now and then a blue card arrives before its pink (sent late over a bad
network). 葫芦岛 knows no review (PENDING), sends no deletions, knows
volunteers, teams and enterprises only, and writes 涉疫群众 for HARDSHIP.
"""

from __future__ import annotations

import random

from adapters.base import Renderer
from hub.seed.facts import CLAIMER_KINDS, DAY, HOUR, Emission, WishFacts, iso_utc, masked
from hub.seed.geo import County
from hub.seed.network import Network, team_near
from hub.seed.world import World, before_now

CODE = "huludao"

# Claimants' kinds in the platform's words (``Claimer.kind`` order; no organisations).
CLAIMERS = ("team", "volunteer", "enterprise")


class HuludaoDialect:
    max_records = 200
    max_wait = DAY
    pending = False
    deletes = False
    extra_groups: tuple[str, ...] = ("涉疫群众",)
    max_claimers = 3
    records_per_wish = 2.6  # pink states and blue cards

    def claimer_kind(self, rng: random.Random) -> int:
        kind = CLAIMER_KINDS.pick(rng)
        return 2 if kind == 3 else kind  # an organisation claims as an enterprise

    def team(self, rng: random.Random, net: Network, county: County) -> tuple[str, str | None]:
        return team_near(rng, net, county).name, None  # cards name teams, not ids

    def renderer(self, world: World, rng: random.Random) -> Renderer:
        serial = 0

        def render(f: WishFacts) -> list[Emission]:
            nonlocal serial
            code = f"PK-{f.county.code}-{f.n + 1:06d}"
            pink: dict[str, object] = {
                "type": "pink", "code": code, "wish": f.title, "cat": f.category,
                "kind": "物" if f.goods else "事", "who": f.group, "name": masked(f.person),
                "county": f.county.name,
            }
            out: list[Emission] = []
            opened = f.submitted
            if f.claimers and rng.random() < 0.08:
                # Sent late over a bad network: its first blue card arrives before it.
                opened = before_now(world, f.claimers[0].at + HOUR * rng.uniform(1, 30),
                                    f.claimers[0].at)
            out.append(Emission(opened, CODE,
                                {**pink, "state": "open", "ts": iso_utc(f.submitted), "seq": 1}))
            close_pink = f.fulfilled is not None and rng.random() < 0.5
            for i, c in enumerate(f.claimers):
                serial += 1
                card: dict[str, object] = {
                    "type": "blue", "card": f"BL-{serial:07d}", "pink": code,
                    "by": {"kind": CLAIMERS[c.kind], "name": c.name},
                }
                out.append(Emission(c.at, CODE,
                                    {**card, "fulfilled": False, "ts": iso_utc(c.at), "seq": 1}))
                if f.fulfilled is not None and not close_pink:
                    # Every card delivered; the last one at the fulfilment time.
                    last = i == len(f.claimers) - 1
                    done = f.fulfilled if last else c.at + (f.fulfilled - c.at) * rng.uniform(0.2, 1)
                    out.append(Emission(done, CODE,
                                        {**card, "fulfilled": True, "ts": iso_utc(done), "seq": 2}))
            if close_pink and f.fulfilled is not None:
                out.append(Emission(f.fulfilled, CODE,
                                    {**pink, "state": "closed", "ts": iso_utc(f.fulfilled), "seq": 2}))
            if f.ended is not None:
                out.append(Emission(f.ended, CODE,
                                    {**pink, "state": "withdrawn", "ts": iso_utc(f.ended), "seq": 2}))
            return out

        return render


DIALECT = HuludaoDialect()
