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

from hub.errors import QueryError


def encode_id(type_name: str, key: int | str) -> str:
    return _b64(f"{type_name}:{key}")


def decode_id(value: str) -> tuple[str, str]:
    """``(type_name, key)`` of a global id."""
    try:
        text = _unb64(value)
    except ValueError as exc:
        raise QueryError(f"not a valid id: {value!r}") from exc
    type_name, sep, key = text.partition(":")
    if not sep or not type_name or not key:
        raise QueryError(f"not a valid id: {value!r}")
    return type_name, key


def decode_int_id(value: str, expected: str) -> int | None:
    """The integer key of an id of type ``expected``; None if it names another type."""
    type_name, key = decode_id(value)
    if type_name != expected:
        return None
    try:
        return int(key)
    except ValueError as exc:
        raise QueryError(f"not a valid id: {value!r}") from exc


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
