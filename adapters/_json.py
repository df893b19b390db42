"""Native bodies in: bytes to JSON, and the envelope checks every adapter shares.

A body that cannot be read at all is an ``AdapterError`` with a code saying
why (the push is answered 400 and the body kept as a dead letter). Values the
hub could never store do not fail the body: an integer too long for Python to
read (over 4,300 digits) becomes an ``OutOfRange`` that rejects only the
record holding it, when a field is read; NaN and infinities are refused by
the accessors that read numbers; strings are checked as they are read.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from hub.errors import AdapterError


class OutOfRange:
    """Stands for a JSON integer too long to read; no field accepts it."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "OutOfRange()"


_OUT_OF_RANGE = OutOfRange()


def decode_object(body: bytes, platform: str) -> Mapping[str, object]:
    """The body as a JSON object, or ``AdapterError`` saying why not.

    The message never quotes the body: it may hold personal data.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise AdapterError(f"{platform}: body is not UTF-8 text", error_code="BODY_NOT_UTF8") from exc
    try:
        value = _loads(text)
    except json.JSONDecodeError as exc:
        raise AdapterError(f"{platform}: body is not JSON", error_code="BODY_NOT_JSON") from exc
    except RecursionError as exc:
        raise AdapterError(f"{platform}: body is nested too deeply to read", error_code="BODY_TOO_DEEP") from exc
    if not isinstance(value, dict):
        raise AdapterError(f"{platform}: body is not a JSON object")
    return value


def _loads(text: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise
    except ValueError:
        # Only an integer past Python's digit limit gets here (the C parser's
        # int()); read again, slowly, with such integers put aside.
        return json.loads(text, parse_int=_read_int)


def _read_int(digits: str) -> int | OutOfRange:
    try:
        return int(digits)
    except ValueError:
        return _OUT_OF_RANGE


def require_list(envelope: Mapping[str, object], key: str, platform: str) -> list[object]:
    """The envelope's list of native records under ``key``."""
    if key not in envelope:
        raise AdapterError(f"{platform}: envelope has no {key!r} list")
    value = envelope[key]
    if not isinstance(value, list):
        raise AdapterError(f"{platform}: envelope field {key!r} is not a list")
    return value
