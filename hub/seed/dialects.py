"""Each platform writing down a wish's facts in its own dialect.

A renderer turns one ``WishFacts`` into the records its platform sends, each
stamped with the moment it is sent: an early OPEN version when the wish was
re-sent, the final version, a deletion, a provincial mirror (盛京使者's
wishes mirrored by 辽宁文化云), 葫芦岛's pink and blue events (a blue card
now and then before its pink).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from hub.models import WishStatus
from hub.seed import words
from hub.seed.facts import (
    DAY,
    HOUR,
    Emission,
    WishFacts,
    beijing_date,
    beijing_text,
    epoch_ms,
    id_number,
    iso_beijing,
    iso_utc,
    masked,
)
from hub.seed.network import area_name, hash_index
from hub.seed.plan import FENGXIANG, HULUDAO_CODE, SHENGJING, WENHUAYUN
from hub.seed.world import World

Renderer = Callable[[WishFacts], list[Emission]]
_SECOND = dt.timedelta(seconds=1)

_SJ_STATUS = {
    WishStatus.PENDING: "0", WishStatus.OPEN: "1", WishStatus.CLAIMED: "2",
    WishStatus.FULFILLED: "3", WishStatus.CANCELLED: "9",
}
# Ids 盛京使者 gives claimers that are not teams (person, enterprise, organisation).
_ID_PREFIX = ("T", "V", "E", "ORG")
_WHY_STATE = {
    WishStatus.PENDING: "待审核", WishStatus.OPEN: "待认领", WishStatus.CLAIMED: "已认领",
    WishStatus.FULFILLED: "已实现", WishStatus.CANCELLED: "已撤销",
}


def _before_now(world: World, t: dt.datetime, floor: dt.datetime) -> dt.datetime:
    """``t``, pulled back before ``now`` but kept after ``floor``."""
    if t < world.now:
        return t
    return max(floor + _SECOND, world.now - _SECOND)


def _deleted_at(rng: random.Random, world: World, f: WishFacts) -> dt.datetime:
    return _before_now(world, f.final_at + HOUR * rng.uniform(1, 240), f.final_at + 2 * _SECOND)


# ---------------------------------------------------------------- 盛京使者


def shengjing(world: World, rng: random.Random) -> Renderer:
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
            out.append(Emission(at, SHENGJING, {
                **base, "status": "1", "claimTime": unset, "finishTime": unset,
                "claimers": [], "updateTime": beijing_text(at), "delFlag": 0,
            }))
        at = f.final_at + 2 * _SECOND
        final = {
            **base, "status": _SJ_STATUS[f.status],
            "claimTime": unset if f.claimed is None else beijing_text(f.claimed),
            "finishTime": unset if f.fulfilled is None else beijing_text(f.fulfilled),
            "claimers": [
                {"type": words.SHENGJING_CLAIMERS[c.kind], "name": c.name,
                 "id": c.team_id or f"{_ID_PREFIX[c.kind]}-{hash_index(c.name, 99991)}"}
                for c in f.claimers
            ],
            "updateTime": beijing_text(at), "delFlag": 0,
        }
        out.append(Emission(at, SHENGJING, final))
        if f.deleted:
            gone = _deleted_at(rng, world, f)
            out.append(Emission(gone, SHENGJING,
                                {**final, "updateTime": beijing_text(gone), "delFlag": 1}))
        if f.status is not WishStatus.PENDING and rng.random() < 0.03:
            out.extend(_mirror(world, rng, f, xy_id))
        return out

    return render


def _mirror(world: World, rng: random.Random, f: WishFacts, xy_id: str) -> list[Emission]:
    """辽宁文化云's copy of a 沈阳 wish: sometimes before the city's own, sometimes after."""
    at = _before_now(world, f.submitted + HOUR * rng.uniform(0.2, 72), f.submitted)
    item = _why_item(world, rng, f, at, f"WHY-WS-M{f.n + 1:07d}", as_of=at)
    item["origin"] = f"{SHENGJING}:{xy_id}"
    out = [Emission(at, WENHUAYUN, item)]
    if rng.random() < 0.3 and f.final_at > at + _SECOND:
        later = _before_now(world, f.final_at + HOUR, at)
        out.append(Emission(later, WENHUAYUN, {
            **_why_item(world, rng, f, later, str(item["wish_id"]), as_of=later),
            "origin": item["origin"],
        }))
    return out


# ---------------------------------------------------------------- 辽宁文化云


def wenhuayun(world: World, rng: random.Random) -> Renderer:
    def render(f: WishFacts) -> list[Emission]:
        wish_id = f"WHY-WS-{f.n + 1:06d}"
        out: list[Emission] = []
        if f.resend:
            at = f.submitted + dt.timedelta(seconds=60)
            early = _why_item(world, rng, f, at, wish_id, as_of=f.submitted)
            out.append(Emission(at, WENHUAYUN, early))
        at = f.final_at + 2 * _SECOND
        final = _why_item(world, rng, f, at, wish_id, as_of=None)
        out.append(Emission(at, WENHUAYUN, final))
        if f.deleted:
            gone = _deleted_at(rng, world, f)
            out.append(Emission(gone, WENHUAYUN,
                                {**final, "updated_at": iso_beijing(gone), "deleted": True}))
        return out

    return render


def _why_item(world: World, rng: random.Random, f: WishFacts, at: dt.datetime, wish_id: str,
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
        {"kind": words.WENHUAYUN_CLAIMERS[c.kind], "name": c.name, "team_id": c.team_id}
        for c in f.claimers if c.at <= (as_of or world.now)
    ]
    return {
        "entity": "wish", "wish_id": wish_id, "title": f.title, "wish_type": f.category,
        "goods_or_service": "实物" if f.goods else "服务", "target_group": f.group,
        "target_name": masked(f.person), "division_code": code, "station_id": station,
        "state": _WHY_STATE[status], "submit_time": iso_beijing(f.submitted),
        "claim_time": None if claimed is None else iso_beijing(claimed),
        "done_time": None if done is None else iso_beijing(done),
        "claimers": claimers, "origin": None, "updated_at": iso_beijing(at),
        "deleted": False,
    }


# ---------------------------------------------------------------- 枫乡


def fengxiang(world: World, rng: random.Random) -> Renderer:
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
            team_facts = next(t for t in world.net.fengxiang_teams if t.id == c.team_id)
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
            out.append(Emission(at, FENGXIANG, {
                **base, "stage": "DIANDAN", "team": None,
                "events": [{"stage": "DIANDAN", "at": epoch_ms(f.submitted)}], "rev": 1,
            }))
        out.append(Emission(f.final_at + 2 * _SECOND, FENGXIANG, {
            **base, "stage": stage, "team": team,
            "events": [{"stage": s, "at": epoch_ms(t)} for s, t in shuffled],
            "rev": len(events) + 1,
        }))
        return out

    return render


# ---------------------------------------------------------------- 葫芦岛


def huludao(world: World, rng: random.Random) -> Renderer:
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
            opened = _before_now(world, f.claimers[0].at + HOUR * rng.uniform(1, 30),
                                 f.claimers[0].at)
        out.append(Emission(opened, HULUDAO_CODE,
                            {**pink, "state": "open", "ts": iso_utc(f.submitted), "seq": 1}))
        close_pink = f.fulfilled is not None and rng.random() < 0.5
        for i, c in enumerate(f.claimers):
            serial += 1
            card: dict[str, object] = {
                "type": "blue", "card": f"BL-{serial:07d}", "pink": code,
                "by": {"kind": words.HULUDAO_CLAIMERS[c.kind], "name": c.name},
            }
            out.append(Emission(c.at, HULUDAO_CODE,
                                {**card, "fulfilled": False, "ts": iso_utc(c.at), "seq": 1}))
            if f.fulfilled is not None and not close_pink:
                # Every card delivered; the last one at the fulfilment time.
                last = i == len(f.claimers) - 1
                done = f.fulfilled if last else c.at + (f.fulfilled - c.at) * rng.uniform(0.2, 1)
                out.append(Emission(done, HULUDAO_CODE,
                                    {**card, "fulfilled": True, "ts": iso_utc(done), "seq": 2}))
        if close_pink and f.fulfilled is not None:
            out.append(Emission(f.fulfilled, HULUDAO_CODE,
                                {**pink, "state": "closed", "ts": iso_utc(f.fulfilled), "seq": 2}))
        if f.ended is not None:
            out.append(Emission(f.ended, HULUDAO_CODE,
                                {**pink, "state": "withdrawn", "ts": iso_utc(f.ended), "seq": 2}))
        return out

    return render


RENDERERS: dict[str, Callable[[World, random.Random], Renderer]] = {
    SHENGJING: shengjing,
    WENHUAYUN: wenhuayun,
    FENGXIANG: fengxiang,
    HULUDAO_CODE: huludao,
}

__all__ = ["DAY", "RENDERERS", "Renderer"]
