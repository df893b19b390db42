"""A fake of 枫乡's pull API (``/open/orders``, ``/open/activities``), over real HTTP.

As the platform documents: ``?cursor=<c>&limit=<n>`` (no cursor: from the
beginning; limit at most 500) answers ``{"data", "next_cursor", "has_more"}``.
Records are served in the order of their last change (a change log), and a
cursor is an opaque token for a position in that log, so a record changed
after it was read comes again, in its newer ``rev``.

Knobs besides ``FakeServer``'s faults: ``repeat_pages`` (that many pages
answer with the cursor they were asked with, so the caller reads them
again), ``null_cursor_at_end`` (the last page's ``next_cursor`` is null).
Pulled records carry no ``kind``; the endpoint says what they are.
"""

from __future__ import annotations

import base64
import copy
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
from tests.fakes._server import Answer, FakeServer

COUNTY = "210521"  # 本溪满族自治县, the platform's scope
MAX_LIMIT = 500
_PATHS = {"/open/orders": "orders", "/open/activities": "activities"}
_NEXT_STAGE = {"DIANDAN": "ZHIDAN", "ZHIDAN": "SONGDAN", "SONGDAN": "WANCHENG"}
_HOUR_MS = 3_600_000
_START_MS = 1_647_129_600_000  # 2022-03-13 08:00 (Beijing)


class FengxiangFake(FakeServer):
    def __init__(self, orders: int = 0, activities: int = 0, *, seed: int = 7) -> None:
        super().__init__()
        self.rng = random.Random(seed)
        self.records: dict[str, dict[str, dict[str, Any]]] = {"orders": {}, "activities": {}}
        self._position: dict[str, dict[str, int]] = {"orders": {}, "activities": {}}
        self._log = 0
        self.repeat_pages = 0
        self.null_cursor_at_end = False
        self.add_orders(orders)
        self.add_activities(activities)

    # ------------------------------------------------------------ data

    def add_orders(self, n: int) -> list[str]:
        with self.lock:
            return [self._put("orders", self._new_order()) for _ in range(n)]

    def add_activities(self, n: int) -> list[str]:
        with self.lock:
            return [self._put("activities", self._new_activity()) for _ in range(n)]

    def advance(self, entity: str, ident: str) -> dict[str, Any]:
        """A new revision of one record: an order moves a stage on, an activity grows."""
        with self.lock:
            record = copy.deepcopy(self.records[entity][ident])
            record["rev"] += 1
            if entity == "orders":
                self._advance_order(record)
            else:
                record["served"] += 5
                record["hours"] = round(record["hours"] + 1.5, 1)
            self._put(entity, record)
            return record

    def versions(self, entity: str) -> dict[str, int]:
        """What the hub should hold: each record's newest ``rev``."""
        with self.lock:
            return {ident: r["rev"] for ident, r in self.records[entity].items()}

    def _put(self, entity: str, record: dict[str, Any]) -> str:
        ident = record["order_no"] if entity == "orders" else record["act_id"]
        self._log += 1
        self.records[entity][ident] = record
        self._position[entity][ident] = self._log
        return str(ident)

    def _new_order(self) -> dict[str, Any]:
        rng = self.rng
        n = len(self.records["orders"]) + 1
        tag = rng.choice(WISH_TYPES)
        at = _START_MS + n * _HOUR_MS
        record: dict[str, Any] = {
            "order_no": f"FX-20220313-{n:04d}",
            "stage": "DIANDAN",
            "demand": {"text": wish_title(tag), "tag": tag},
            "demand_type": "实物" if tag in GOODS_TYPES else "服务",
            "person": {
                "group": rng.choice(GROUPS),
                "name_masked": masked_name(rng),
                "phone_tail": f"{rng.randrange(10000):04d}",
            },
            "village_code": rng.choice(villages(COUNTY)),
            "team": None,
            "events": [{"stage": "DIANDAN", "at": at}],
            "rev": 1,
        }
        for _ in range(rng.randrange(4)):
            self._advance_order(record)
        return record

    def _advance_order(self, record: dict[str, Any]) -> None:
        stage = _NEXT_STAGE.get(record["stage"])
        if stage is None:  # finished: an operator edits the text
            record["demand"]["text"] += "。"
            return
        if record["team"] is None:
            team_id = 451 + self.rng.randrange(8)
            record["team"] = {
                "team_id": team_id,
                "team_name": f"{TEAM_NAMES[team_id % len(TEAM_NAMES)]}志愿服务队",
                "category": SERVICE_TYPES[team_id % len(SERVICE_TYPES)],
            }
        last = max(e["at"] for e in record["events"])
        record["events"].append({"stage": stage, "at": last + _HOUR_MS})
        self.rng.shuffle(record["events"])  # the platform promises no order
        record["stage"] = stage

    def _new_activity(self) -> dict[str, Any]:
        rng = self.rng
        n = len(self.records["activities"]) + 1
        return {
            "act_id": f"FX-ACT-{n:04d}",
            "title": rng.choice(ACTIVITY_TITLES),
            "category": rng.choice((*SERVICE_TYPES, "其他")),
            "team_id": rng.choice((None, 451, 452, 455)),
            "village_code": rng.choice(villages(COUNTY)),
            "date": f"2022-03-{1 + n % 28:02d}",
            "times": 1 + n % 3,
            "volunteers": 5 + n % 20,
            "served": 20 + n % 50,
            "hours": round(2.5 * (1 + n % 12), 1),
            "rev": 1,
        }

    # ------------------------------------------------------------ the API

    def answer(self, path: str, query: dict[str, str]) -> Answer:
        entity = _PATHS.get(path)
        if entity is None:
            return 404, {"error": "not found"}
        try:
            limit = int(query.get("limit", "100"))
        except ValueError:
            limit = 0
        if not 1 <= limit <= MAX_LIMIT:
            return 400, {"error": f"limit must be 1..{MAX_LIMIT}"}
        cursor = query.get("cursor") or None
        start = _decode(cursor, entity) if cursor else 0
        if start is None:
            return 400, {"error": "bad cursor"}
        after = sorted(
            (pos, ident) for ident, pos in self._position[entity].items() if pos > start
        )
        chunk = after[:limit]
        has_more = len(after) > limit
        next_cursor = _encode(entity, chunk[-1][0]) if chunk else cursor
        if self.repeat_pages and chunk:
            self.repeat_pages -= 1
            next_cursor, has_more = cursor or _encode(entity, 0), True
        if not has_more and self.null_cursor_at_end:
            next_cursor = None
        data = [copy.deepcopy(self.records[entity][ident]) for _, ident in chunk]
        return 200, {"data": data, "next_cursor": next_cursor, "has_more": has_more}


def _encode(entity: str, position: int) -> str:
    return base64.urlsafe_b64encode(f"fx1:{entity}:{position}".encode()).decode().rstrip("=")


def _decode(cursor: str, entity: str) -> int | None:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        tag, kind, position = text.split(":")
        return int(position) if tag == "fx1" and kind == entity else None
    except ValueError:
        return None
