"""Global object ids and pagination cursors: opaque to clients, checked on the way in.

A global id is ``base64url("Type:key")`` so that ``node(id:)`` can find any
object; a cursor is ``base64url(json)`` of the keyset position of the last row
a page showed (never an OFFSET). Both raise ``QueryError`` with a message a
client can act on when they do not decode.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re

from hub.errors import QueryError

# Integer keys are PostgreSQL bigints, written in ASCII digits (``int`` alone
# also takes " 12", "1_2" and other scripts' digits).
_INT_KEY = re.compile(r"[0-9]{1,19}")
_MAX_KEY = 2**63 - 1
_NOT_AN_ID = "not a valid id: ids are opaque strings this API gave out"


def int_key(key: str) -> int | None:
    """The bigint written as ``key``, or None when there is none (no such object)."""
    if _INT_KEY.fullmatch(key) is None:
        return None
    number = int(key)
    return number if number <= _MAX_KEY else None


def encode_id(type_name: str, key: int | str) -> str:
    return _b64(f"{type_name}:{key}")


def decode_id(value: str) -> tuple[str, str]:
    """``(type_name, key)`` of a global id."""
    try:
        text = _unb64(value)
    except ValueError as exc:
        raise QueryError(_NOT_AN_ID) from exc
    type_name, sep, key = text.partition(":")
    if not sep or not type_name or not key or "\x00" in text:
        raise QueryError(_NOT_AN_ID)
    return type_name, key


def decode_int_id(value: str, expected: str) -> int | None:
    """The integer key of an id of type ``expected``; None if it names another type."""
    type_name, key = decode_id(value)
    if type_name != expected:
        return None
    if _INT_KEY.fullmatch(key) is None:
        raise QueryError(_NOT_AN_ID)
    return int_key(key)


def encode_cursor(kind: str, *position: object) -> str:
    return _b64(json.dumps([kind, *[_plain(p) for p in position]], separators=(",", ":")))


def decode_cursor(value: str, kind: str) -> list[object]:
    """The keyset position stored in a cursor made by ``encode_cursor(kind, ...)``."""
    try:
        data = json.loads(_unb64(value))
    except (ValueError, json.JSONDecodeError) as exc:
        raise QueryError("`after` is not a cursor this API gave out") from exc
    if not isinstance(data, list) or not data or data[0] != kind:
        raise QueryError(
            "`after` is a cursor of another list or order; "
            "ask again from the first page with the same arguments"
        )
    return list(data[1:])


def cursor_datetime(value: object) -> dt.datetime:
    if not isinstance(value, str):
        raise QueryError("`after` is not a cursor this API gave out")
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise QueryError("`after` is not a cursor this API gave out") from exc


def cursor_date(value: object) -> dt.date:
    if not isinstance(value, str):
        raise QueryError("`after` is not a cursor this API gave out")
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise QueryError("`after` is not a cursor this API gave out") from exc


def cursor_int(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise QueryError("`after` is not a cursor this API gave out")
    return value


def _plain(value: object) -> object:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


def _unb64(value: str) -> str:
    padded = value + "=" * (-len(value) % 4)
    try:
        return base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8")
    except (binascii.Error, UnicodeError) as exc:
        raise ValueError("bad base64") from exc
