"""Paging 枫乡: ``/open/orders`` and ``/open/activities`` by opaque cursor.

``{"data": [...], "next_cursor": "..."|null, "has_more": bool}``. The cursor
is stored as the platform gave it. When the last page carries no
``next_cursor``, the cursor that fetched it is kept: asking again with it is
allowed (at worst it repeats records, which are then duplicates), whereas
forgetting it would re-read the platform from the beginning.

Pulled records need not say their ``kind``: each page is handed to ingest
as ``{"data": [...]}`` with the endpoint's kind added to records that lack
one, which is the shape the 枫乡 adapter parses.
"""

from __future__ import annotations

import json

from adapters.base import BadPage, Page, Request, UnreadableAnswer

_PATHS = {"orders": "/open/orders", "activities": "/open/activities"}
_KINDS = {"orders": "order", "activities": "activity"}


class FengxiangPuller:
    code: str = "fengxiang"
    entities: tuple[str, ...] = ("orders", "activities")
    max_page_size: int = 500

    def request(self, entity: str, position: str | None, page_size: int) -> Request:
        params = {"limit": str(page_size)}
        if position:
            params["cursor"] = position
        return Request(_PATHS[entity], params)

    def read(self, entity: str, position: str | None, page_size: int, payload: bytes) -> Page:
        doc = _decode(payload)
        data = doc.get("data")
        if not isinstance(data, list):
            raise BadPage(f"{self.code}: {entity} page has no 'data' list")
        next_cursor = doc.get("next_cursor")
        if next_cursor is not None and not isinstance(next_cursor, str):
            raise BadPage(f"{self.code}: {entity} page has a non-text 'next_cursor'")
        has_more = doc.get("has_more")
        if not isinstance(has_more, bool):
            raise BadPage(f"{self.code}: {entity} page has no boolean 'has_more'")
        if has_more and not next_cursor:
            raise BadPage(f"{self.code}: {entity} page says has_more but gives no next_cursor")
        cursor = next_cursor or position
        kind = _KINDS[entity]
        items = [
            {**item, "kind": kind} if isinstance(item, dict) and "kind" not in item else item
            for item in data
        ]
        body = _encode({"data": items}) if items else None
        return Page(body=body, items=len(items), cursor=cursor, next=cursor, done=not has_more)


def _decode(payload: bytes) -> dict[str, object]:
    try:
        doc = json.loads(payload)
    except (UnicodeDecodeError, ValueError) as exc:
        raise UnreadableAnswer(f"fengxiang: answer is not JSON ({exc.__class__.__name__})") from exc
    if not isinstance(doc, dict):
        raise BadPage("fengxiang: answer is not a JSON object")
    return doc


def _encode(doc: object) -> bytes:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


PULLER = FengxiangPuller()
