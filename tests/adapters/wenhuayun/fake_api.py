"""A fake of 辽宁文化云's open API (``/api/v2/{entity}``), over real HTTP.

As the platform documents: ``?updated_since=<ISO-8601>&page=<n>&page_size=<m>``
(page from 1, page_size at most 500) answers ``{"code": 0, "msg": "ok",
"total", "page", "page_size", "items"}``, items ordered by ``(updated_at,
id)``, ``updated_at >= updated_since``. Paging is not a snapshot: ``touch``
gives an item a new ``updated_at`` (the fake's clock only moves forward), so
it moves to the end and every item after its old place shifts back by one;
``add`` makes ``total`` grow. Both can be done between two page requests
with ``FakeServer.after_answer`` hooks.

Knobs: ``FakeServer``'s faults (``busy()`` builds the code 5003 answer that
comes with HTTP 200); ``add(..., same_time=True)`` stamps many items with
one ``updated_at`` (a bulk import); ``tag_entity`` makes items carry their
``entity`` as in the platform's push.
"""

from __future__ import annotations

import copy
import datetime as dt
import random
from typing import Any

from tests.fakes._samples import (
    ACTIVITY_TITLES,
    GOODS_TYPES,
    GROUPS,
    SERVICE_TYPES,
    TEAM_NAMES,
    WISH_TYPES,
    masked_name,
    villages,
    wish_title,
)
from tests.fakes._server import Answer, FakeServer, Fault

ENTITIES = ("stations", "teams", "activities", "wishes")
MAX_PAGE_SIZE = 500
_SINGULAR = {"stations": "station", "teams": "team", "activities": "activity", "wishes": "wish"}
_PREFIX = {"stations": "WHY-ST", "teams": "WHY-TM", "activities": "WHY-AC", "wishes": "WHY-WS"}
_BEIJING = dt.timezone(dt.timedelta(hours=8))
# Counties across the province (台安, 法库, 本溪, 绥中, 凤城, 昌图).
COUNTIES = ("210321", "210124", "210521", "211421", "210682", "211224")
_LEVELS = ("中心", "所", "站", "点")
_NEXT_STATE = {"待审核": "待认领", "待认领": "已认领", "已认领": "已实现"}


def busy() -> Fault:
    """文化云's "系统繁忙, wait and retry": code 5003 with HTTP 200."""
    return Fault(body={"code": 5003, "msg": "系统繁忙", "items": []})


def version_of(updated_at: str) -> int:
    """The version the hub should hold: ``updated_at`` as epoch microseconds."""
    when = dt.datetime.fromisoformat(updated_at)
    return (when - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(microseconds=1)


class WenhuayunFake(FakeServer):
    def __init__(self, *, seed: int = 11, tag_entity: bool = False, **counts: int) -> None:
        super().__init__()
        self.rng = random.Random(seed)
        self.tag_entity = tag_entity
        self.items: dict[str, dict[str, dict[str, Any]]] = {e: {} for e in ENTITIES}
        self.clock = dt.datetime(2022, 3, 10, 8, 0, 0, tzinfo=_BEIJING)
        for entity in ENTITIES:
            self.add(entity, counts.pop(entity, 0))
        if counts:
            raise TypeError(f"unknown entities {sorted(counts)}")

    # ------------------------------------------------------------ data

    def add(self, entity: str, n: int, *, same_time: bool = False) -> list[str]:
        with self.lock:
            stamp = self._tick() if same_time else None
            made = []
            for _ in range(n):
                item = self._new(entity)
                item["updated_at"] = stamp or self._tick()
                ident = item[_id_key(entity)]
                self.items[entity][ident] = item
                made.append(ident)
            return made

    def touch(self, entity: str, ident: str) -> dict[str, Any]:
        """A change on the platform: new content, a new ``updated_at``, moved to the end."""
        with self.lock:
            item = self.items[entity][ident]
            _change(entity, item)
            item["updated_at"] = self._tick()
            return copy.deepcopy(item)

    def versions(self, entity: str) -> dict[str, int]:
        with self.lock:
            return {i: version_of(item["updated_at"]) for i, item in self.items[entity].items()}

    def order(self, entity: str) -> list[str]:
        """Ids in the API's order, ``(updated_at, id)``."""
        with self.lock:
            return [i for _, i in sorted(_key(item, i) for i, item in self.items[entity].items())]

    def _tick(self) -> str:
        self.clock += dt.timedelta(seconds=1)
        return self.clock.isoformat()

    def _new(self, entity: str) -> dict[str, Any]:
        rng = self.rng
        n = len(self.items[entity]) + 1
        county = COUNTIES[n % len(COUNTIES)]
        village = rng.choice(villages(county))
        ident = f"{_PREFIX[entity]}-{n:06d}"
        item: dict[str, Any]
        if entity == "stations":
            level = _LEVELS[n % 4]
            division = {"中心": county, "所": village[:9]}.get(level, village)
            item = {
                "station_id": ident,
                "name": f"{division}新时代文明实践{level}",
                "level": level,
                "parent_id": None if n == 1 else f"{_PREFIX[entity]}-{n - 1:06d}",
                "division_code": division,
                "port_id": f"P{n % 100:03d}",
            }
        elif entity == "teams":
            item = {
                "team_id": ident,
                "name": f"{TEAM_NAMES[n % len(TEAM_NAMES)]}志愿服务队{n}",
                "service_type": rng.choice((*SERVICE_TYPES, "其他")),
                "station_id": rng.choice((None, "WHY-ST-000001")),
                "division_code": village,
                "member_count": 10 + n % 90,
            }
        elif entity == "activities":
            item = {
                "activity_id": ident,
                "title": rng.choice(ACTIVITY_TITLES),
                "service_type": rng.choice(SERVICE_TYPES),
                "team_id": rng.choice((None, "WHY-TM-000001", "WHY-TM-000002")),
                "station_id": None,
                "division_code": village,
                "date": f"2022-03-{1 + n % 28:02d}",
                "sessions": 1 + n % 3,
                "volunteer_times": 5 + n % 30,
                "beneficiary_times": 20 + n % 80,
                "service_hours": round(1.5 * (1 + n % 10), 1),
            }
        else:
            wish_type = rng.choice(WISH_TYPES)
            item = {
                "wish_id": ident,
                "title": wish_title(wish_type),
                "wish_type": wish_type,
                "goods_or_service": "实物" if wish_type in GOODS_TYPES else "服务",
                "target_group": rng.choice(GROUPS),
                "target_name": masked_name(rng),
                "division_code": rng.choice((county, village)),
                "station_id": None,
                "state": "待认领",
                "submit_time": (self.clock - dt.timedelta(hours=2)).isoformat(),
                "claim_time": None,
                "done_time": None,
                "claimers": [],
                "origin": None,
            }
        item["deleted"] = False
        return item

    # ------------------------------------------------------------ the API

    def answer(self, path: str, query: dict[str, str]) -> Answer:
        entity = path.removeprefix("/api/v2/")
        if entity not in self.items:
            return 404, {"code": 404, "msg": "not found"}
        try:
            since = dt.datetime.fromisoformat(query["updated_since"])
            page = int(query.get("page", "1"))
            size = int(query.get("page_size", "20"))
        except (KeyError, ValueError):
            return 200, {"code": 4001, "msg": "参数错误"}
        if since.tzinfo is None or page < 1 or not 1 <= size <= MAX_PAGE_SIZE:
            return 200, {"code": 4001, "msg": "参数错误"}
        rows = sorted(
            _key(item, ident)
            for ident, item in self.items[entity].items()
            if dt.datetime.fromisoformat(item["updated_at"]) >= since
        )
        chunk = rows[(page - 1) * size : page * size]
        items = [copy.deepcopy(self.items[entity][ident]) for _, ident in chunk]
        if self.tag_entity:
            for item in items:
                item["entity"] = _SINGULAR[entity]
        return 200, {
            "code": 0,
            "msg": "ok",
            "total": len(rows),
            "page": page,
            "page_size": size,
            "items": items,
        }


def _id_key(entity: str) -> str:
    return f"{_SINGULAR[entity]}_id"


def _key(item: dict[str, Any], ident: str) -> tuple[dt.datetime, str]:
    return dt.datetime.fromisoformat(item["updated_at"]), ident


def _change(entity: str, item: dict[str, Any]) -> None:
    if entity == "stations":
        item["name"] += "（新）"
    elif entity == "teams":
        item["member_count"] += 1
    elif entity == "activities":
        item["beneficiary_times"] += 3
    else:
        state = _NEXT_STATE.get(item["state"])
        if state is None:
            item["title"] += "。"
            return
        item["state"] = state
        if state == "已认领":
            item["claim_time"] = item["submit_time"]
            item["claimers"] = [{"kind": "队伍", "name": "红枫志愿服务队", "team_id": "WHY-TM-000001"}]
        elif state == "已实现":
            item["done_time"] = item["submit_time"]
