"""盘锦's ledger as ``hub seed`` writes it: workbooks of changed rows, a few hundred at most.

A wish is a row, written again (a newer ``更新时间``) whenever it changes: an
early 待认领 version now and then, its final state, and for a few a
deletion (``已删除``). Offices type dates in every form the ledger allows,
and ids as numbers now and then; they know no review (PENDING), and write
one claimant per wish. The ledger names teams from 文化云's registry by name
only (no ``队伍`` sheet is generated: those teams are 文化云's).
"""

from __future__ import annotations

import datetime as dt
import random

from adapters.base import Renderer
from hub.models import WishStatus
from hub.seed.facts import BEIJING, CLAIMER_KINDS, DAY, Emission, WishFacts, id_number
from hub.seed.geo import County
from hub.seed.network import Network, team_near
from hub.seed.world import SECOND, World, deleted_at

CODE = "panjin"

# Claimants' kinds in the ledger's words (``Claimer.kind`` order).
CLAIMANTS = ("队伍", "个人", "企业", "组织")
_STATE = {
    WishStatus.OPEN: "待认领", WishStatus.CLAIMED: "已认领",
    WishStatus.FULFILLED: "已圆梦", WishStatus.CANCELLED: "已撤销",
}


class PanjinDialect:
    max_records = 500
    max_wait = 7 * DAY  # the office uploads the week's changes
    pending = False
    deletes = True
    extra_groups: tuple[str, ...] = ()
    max_claimers = 1
    records_per_wish = 1.1

    def claimer_kind(self, rng: random.Random) -> int:
        return CLAIMER_KINDS.pick(rng)

    def team(self, rng: random.Random, net: Network, county: County) -> tuple[str, str | None]:
        return team_near(rng, net, county).name, None

    def renderer(self, world: World, rng: random.Random) -> Renderer:
        def render(f: WishFacts) -> list[Emission]:
            ident: object = f"PJ-{f.submitted.astimezone(BEIJING):%Y}-{f.n + 1:05d}"
            if f.n % 10 == 3:
                ident = 2022_00000 + f.n + 1  # typed as a number
            base: dict[str, object] = {
                "_sheet": "微心愿", "心愿编号": ident, "心愿内容": f.title, "心愿类别": f.category,
                "心愿类型": "" if f.goods and rng.random() < 0.3 else ("实物" if f.goods else "服务"),
                "帮扶对象类别": f.group, "帮扶对象": f.person, "联系电话": f.phone,
                "所在县区": (f.county.city_name + f.county.name) if rng.random() < 0.3 else f.county.name,
                "乡镇（街道）": f.town.name, "村（社区）": f.village.name,
                "征集时间": _typed(rng, f.submitted),
            }
            if rng.random() < 0.2:
                base["身份证号"] = id_number(rng, f.county.code, rng.randint(1940, 2015))
            out: list[Emission] = []
            if f.resend:
                at = f.submitted + dt.timedelta(seconds=60)
                out.append(Emission(at, CODE, {**base, "状态": "待认领", "更新时间": _local(at)}))
            at = f.final_at + 2 * SECOND
            final = {**base, "状态": _STATE[f.status], "更新时间": _local(at)}
            if f.claimers:
                c = f.claimers[0]
                final["认领方"] = c.name
                final["认领方类型"] = "" if c.kind == 0 and rng.random() < 0.5 else CLAIMANTS[c.kind]
            if f.claimed is not None:
                final["认领时间"] = _local(f.claimed)
            if f.fulfilled is not None:
                final["圆梦时间"] = _local(f.fulfilled)
            out.append(Emission(at, CODE, final))
            if f.deleted:
                gone = deleted_at(rng, world, f)
                out.append(Emission(gone, CODE, {**final, "状态": "已删除", "更新时间": _local(gone)}))
            return out

        return render


def _local(t: dt.datetime) -> dt.datetime:
    """A date cell: the office's wall clock (Beijing), to the second."""
    return t.astimezone(BEIJING).replace(tzinfo=None, microsecond=0)


def _typed(rng: random.Random, t: dt.datetime) -> object:
    """A date as offices enter it: a date cell, or text in one of the ledger's forms (to the minute)."""
    local = _local(t)
    r = rng.random()
    if r < 0.6:
        return local
    day = f"{local.year}{{0}}{local.month}{{0}}{local.day}"
    forms = (
        f"{local:%Y-%m-%d %H:%M}",
        day.format("/") + f" {local.hour}:{local.minute:02d}",
        day.format(".") + f" {local:%H:%M}",
        f"{local.year}年{local.month}月{local.day}日 {local.hour}:{local.minute:02d}",
    )
    return forms[int((r - 0.6) / 0.1) % len(forms)]


DIALECT = PanjinDialect()
