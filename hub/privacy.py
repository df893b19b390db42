"""Removing personal data from what the hub keeps of bodies it could not read.

An unreadable body is kept as text in the dead-letter store so that it can be
replayed after a fix; it may be half JSON, so it is scrubbed as text: mobile
numbers (11 digits) and ID numbers (15 or 18 characters) are blanked, and the
values of keys known to hold a person's name (``objName`` ...) are masked
(王建国 → 王某某), those holding a phone or ID number blanked. ``scrub_value``
does the same to a JSON value (a rejected record's raw form).
"""

from __future__ import annotations

import re

from adapters._names import mask_name

BLANK = "***"

# Keys whose value is a person's name, across the platforms' dialects.
NAME_KEYS = frozenset({"objName", "name_masked", "target_name", "targetName", "person_name"})
# Any key containing one of these holds a phone or an ID number.
_CONTACT_PARTS = ("phone", "mobile", "idcard", "id_card", "idno", "id_no", "sfz")

_MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
_ID_18 = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
_ID_15 = re.compile(r"(?<![0-9])[0-9]{15}(?![0-9])")
# "key": "value" or "key": 123 in JSON-ish text (escaped quotes inside values kept).
_PAIR = re.compile(r'"(?P<key>[A-Za-z_][A-Za-z0-9_]*)"(?P<sep>\s*:\s*)'
                   r'(?P<value>"(?:[^"\\]|\\.)*"|-?[0-9][0-9.eE+-]*)')


def scrub_text(text: str) -> str:
    """``text`` without phone or ID numbers and with known name values masked."""
    text = _PAIR.sub(_scrub_pair, text)
    return _numbers(text)


def scrub_value(value: object) -> object:
    """A deep copy of a JSON value with the same treatment as ``scrub_text``."""
    if isinstance(value, dict):
        out: dict[str, object] = {}
        for key, item in value.items():
            if _is_contact_key(key):
                continue
            if key in NAME_KEYS and isinstance(item, str):
                out[key] = mask_name(item)
            else:
                out[key] = scrub_value(item)
        return out
    if isinstance(value, list):
        return [scrub_value(v) for v in value]
    if isinstance(value, str):
        return _numbers(value)
    return value


def _numbers(text: str) -> str:
    return _ID_15.sub(BLANK, _ID_18.sub(BLANK, _MOBILE.sub(BLANK, text)))


def _is_contact_key(key: object) -> bool:
    lowered = str(key).lower()
    return any(part in lowered for part in _CONTACT_PARTS)


def _scrub_pair(match: re.Match[str]) -> str:
    key, sep, value = match["key"], match["sep"], match["value"]
    if _is_contact_key(key):
        return f'"{key}"{sep}"{BLANK}"'
    if key in NAME_KEYS and value.startswith('"'):
        return f'"{key}"{sep}"{mask_name(value[1:-1])}"'
    return match[0]
