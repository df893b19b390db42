"""Keeping personal data out of everything an adapter hands on.

The platform documents name the personal fields (盛京 objPhone/objIdCard/
objName, 枫乡 phone_tail ...); each adapter drops or masks those. On top of
that, this module drops any key that names a phone or an ID card and blanks
mobile and ID-card numbers typed into free text, so that a ``Rejection``'s
``raw`` (kept in the dead-letter store) and message hold none.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from adapters._names import mask_name

_CONTACT_KEY_PARTS = ("phone", "mobile", "idcard", "id_card", "idno", "id_no")
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_ID_CARD = re.compile(r"(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])")
_OLD_ID_CARD = re.compile(r"(?<!\d)\d{15}(?!\d)")
_BLANK = "***"


def is_contact_key(key: str) -> bool:
    lowered = key.lower()
    return any(part in lowered for part in _CONTACT_KEY_PARTS)


def redact_text(text: str, names: Iterable[str] = ()) -> str:
    """``text`` with mobile/ID numbers and the given full names blanked."""
    for pattern in (_MOBILE, _ID_CARD, _OLD_ID_CARD):
        text = pattern.sub(_BLANK, text)
    for name in sorted(names, key=len, reverse=True):
        if len(name) >= 2:
            text = text.replace(name, mask_name(name))
    return text


def without_contacts(value: object) -> object:
    """A deep copy of a JSON value without contact keys, numbers blanked in text."""
    if isinstance(value, dict):
        return {k: without_contacts(v) for k, v in value.items() if not (isinstance(k, str) and is_contact_key(k))}
    if isinstance(value, list):
        return [without_contacts(v) for v in value]
    if isinstance(value, str):
        return redact_text(value)
    return value


def mask_key(record: dict[str, object], key: str, names: list[str]) -> None:
    """Mask ``record[key]`` in place (a copy's), remembering the full name.

    A value that is not a string cannot be masked and is dropped.
    """
    if key not in record:
        return
    value = record[key]
    if isinstance(value, str):
        masked = mask_name(value)
        if masked != value.strip():
            names.append(value.strip())
        record[key] = masked
    elif value is not None:
        del record[key]


def names_organisation(kind: object, organisation_kinds: frozenset[str]) -> bool:
    """Whether a claimer's kind says it is no person (anything unreadable may be one)."""
    return isinstance(kind, str) and kind.strip() in organisation_kinds


def scrubbed_copy(raw: Mapping[str, object]) -> dict[str, object]:
    copied = without_contacts(dict(raw))
    assert isinstance(copied, dict)
    return copied


def replace_names(value: object, names: list[str]) -> object:
    """A deep copy with every full name in ``names`` masked wherever it is written."""
    if not names:
        return value
    if isinstance(value, dict):
        return {k: replace_names(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [replace_names(v, names) for v in value]
    if isinstance(value, str):
        return redact_text(value, names)
    return value
