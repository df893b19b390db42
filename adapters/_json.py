"""Native bodies in: bytes to JSON, and the envelope checks every adapter shares."""

from __future__ import annotations

import json
from collections.abc import Mapping

from hub.errors import AdapterError


def decode_object(body: bytes, platform: str) -> Mapping[str, object]:
    """The body as a JSON object, or ``AdapterError`` saying why not.

    The message never quotes the body: it may hold personal data.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise AdapterError(f"{platform}: body is not UTF-8 text") from exc
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise AdapterError(f"{platform}: body is not JSON") from exc
    if not isinstance(value, dict):
        raise AdapterError(f"{platform}: body is not a JSON object")
    return value


def require_list(envelope: Mapping[str, object], key: str, platform: str) -> list[object]:
    """The envelope's list of native records under ``key``."""
    if key not in envelope:
        raise AdapterError(f"{platform}: envelope has no {key!r} list")
    value = envelope[key]
    if not isinstance(value, list):
        raise AdapterError(f"{platform}: envelope field {key!r} is not a list")
    return value
