"""Paging 文化云: ``/api/v2/{entity}?updated_since=&page=&page_size=`` by watermark.

The platform's pages are not a snapshot: an item changed while we page
moves to the end of the ``(updated_at, id)`` order, so page *n+1* no longer
starts where page *n* ended and an item can be skipped. Page numbers are
therefore not trusted. After each page the watermark becomes the newest
``updated_at`` it held, and the next request asks ``updated_since`` = that
watermark, page 1, afresh. ``updated_since`` is inclusive, so items sharing
the watermark are read again; they are then duplicates (same version),
which ingest counts and ignores.

One case needs page numbers: a full page whose items all carry the
watermark itself (a bulk import stamps thousands of items with one second).
Re-asking page 1 would return the same page forever, so the run then pages
*within* that ``updated_since`` (page 2, 3 ...) until a page brings a newer
item or ends. Such page numbers live only in the run's position
(``"<since>|<page>"``); the durable cursor is always a bare watermark, since
page numbers mean nothing once the platform has moved items.

Known limit: while paging within one tie as above, an item of that tie that
changes moves out of it and shifts the rest back by one, so one unchanged
item of the tie can be skipped in that run; it is read again when it next
changes, not before. Paging by watermark outside ties loses nothing.
"""

from __future__ import annotations

import datetime as dt
import json

from adapters.base import BadPage, Page, Request, RetryableAnswer, UnreadableAnswer

_ENTITIES = {
    "stations": "station",
    "teams": "team",
    "activities": "activity",
    "wishes": "wish",
}
_BUSY = 5003
# Before any record of the province: the first run asks from here.
_BEGINNING = "1970-01-01T08:00:00+08:00"
_BEIJING = dt.timezone(dt.timedelta(hours=8))


class WenhuayunPuller:
    code: str = "wenhuayun"
    # Stations and teams first, so that what activities and wishes name exists.
    entities: tuple[str, ...] = ("stations", "teams", "activities", "wishes")
    max_page_size: int = 500

    def request(self, entity: str, position: str | None, page_size: int) -> Request:
        since, page = _split(position)
        _watermark(since)  # a stored cursor that is not a time fails before any request
        return Request(
            f"/api/v2/{entity}",
            {"updated_since": since or _BEGINNING, "page": str(page), "page_size": str(page_size)},
        )

    def read(self, entity: str, position: str | None, page_size: int, payload: bytes) -> Page:
        since, page_no = _split(position)
        doc = _decode(payload)
        code = doc.get("code")
        if code == _BUSY:
            raise RetryableAnswer(f"{self.code}: code {_BUSY} (系统繁忙)")
        if code != 0:
            raise BadPage(f"{self.code}: {entity} page answered code {code!r}")
        items = doc.get("items")
        if not isinstance(items, list):
            raise BadPage(f"{self.code}: {entity} page has no 'items' list")

        newest_text, newest = _newest(items)
        watermark = _watermark(since)
        full = bool(items) and len(items) >= _answered_size(doc, page_size)
        if newest_text is not None and (watermark is None or newest > watermark):
            cursor: str | None = newest_text
            following: str | None = newest_text
        else:
            # No item past the watermark: a tie at least a page long, or the end.
            cursor = since
            following = f"{since or _BEGINNING}|{page_no + 1}"
        singular = _ENTITIES[entity]
        body = None
        if items:
            tagged = [
                {**item, "entity": singular}
                if isinstance(item, dict) and "entity" not in item
                else item
                for item in items
            ]
            body = json.dumps(
                {"code": 0, "items": tagged}, ensure_ascii=False, separators=(",", ":")
            ).encode()
        return Page(body=body, items=len(items), cursor=cursor, next=following, done=not full)


def _split(position: str | None) -> tuple[str | None, int]:
    if not position:
        return None, 1
    since, sep, page = position.rpartition("|")
    if sep and page.isdigit() and int(page) >= 1:
        return since, int(page)
    return position, 1


def _newest(items: list[object]) -> tuple[str | None, dt.datetime]:
    """The newest ``updated_at`` among the items, as written and as an instant."""
    best_text: str | None = None
    best = dt.datetime.min.replace(tzinfo=dt.UTC)
    for item in items:
        text = item.get("updated_at") if isinstance(item, dict) else None
        if not isinstance(text, str):
            continue  # the adapter rejects the item; it cannot move the watermark
        try:
            when = _instant(text)
        except ValueError:
            continue
        if when > best:
            best_text, best = text, when
    return best_text, best


def _watermark(since: str | None) -> dt.datetime | None:
    if since is None:
        return None
    try:
        return _instant(since)
    except ValueError as exc:
        raise BadPage(
            f"wenhuayun: the stored cursor {since[:40]!r} is not a time; "
            "sync again with --from-start"
        ) from exc


def _instant(text: str) -> dt.datetime:
    when = dt.datetime.fromisoformat(text)
    return when if when.tzinfo else when.replace(tzinfo=_BEIJING)


def _answered_size(doc: dict[str, object], asked: int) -> int:
    # A platform may serve smaller pages than asked; a page as long as the
    # one it says it served is full, and more may follow.
    size = doc.get("page_size")
    if isinstance(size, int) and not isinstance(size, bool) and 0 < size < asked:
        return size
    return asked


def _decode(payload: bytes) -> dict[str, object]:
    try:
        doc = json.loads(payload)
    except (UnicodeDecodeError, ValueError) as exc:
        raise UnreadableAnswer(f"wenhuayun: answer is not JSON ({exc.__class__.__name__})") from exc
    if not isinstance(doc, dict):
        raise BadPage("wenhuayun: answer is not a JSON object")
    return doc


PULLER = WenhuayunPuller()
