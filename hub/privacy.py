"""Personal data, in one place: masking names, blanking phone and ID numbers.

Everything the hub keeps, logs or answers that may carry text a person typed
goes through here first: the adapters (records, rejected records, messages),
the ingest path (dead letters, unreadable bodies), the sync engine and the
replay of dead letters.

* ``mask_name``: 王建国 → 王某某, 欧阳娜娜 → 欧阳某某 (only the surname is kept).
* ``blank_numbers``: mobile numbers (``+86 138 1234 5678``, ``138-1234-5678``,
  full-width digits …), landlines with an area code, and ID numbers (18 or
  15 characters, with or without a prefix such as ``ID``/``身份证``) become
  ``***``. Six-digit region codes, dates and epoch times are not touched.
* ``redact_text``: the same, plus the given full names masked wherever written.
* ``scrub_value``: a copy of a JSON value fit to keep (a rejected record's raw
  form): contact keys dropped, name keys masked, numbers blanked, and nothing
  PostgreSQL would refuse (NUL, lone surrogates, non-finite numbers, nesting
  past ``MAX_DEPTH``): what cannot be kept becomes null or is cut, so that a
  replay rejects the record again rather than store an altered value.
* ``scrub_text``: an unreadable body (maybe half JSON), scrubbed as text.

Adapters know which of their fields hold a person's name; ``mask_key`` and
``mask_people`` mask those in a record's copy and collect the full names so
that ``replace_names`` can mask them wherever else the record repeats them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping

BLANK = "***"
# How deep a kept JSON value may nest: deeper parts are replaced by null.
MAX_DEPTH = 32
# Longest text kept of one string in a dead letter (the rest is cut off).
MAX_KEPT_CHARS = 10_000

# ---------------------------------------------------------------- names

# Two-character surnames that stay whole when a name is masked.
_COMPOUND_PAIRS = (
    "欧阳司马诸葛上官东方皇甫尉迟公孙慕容长孙宇文司徒夏侯轩辕令狐"
    "端木独孤南宫西门百里呼延澹台公冶宗政濮阳淳于单于太叔申屠仲孙"
    "钟离闻人万俟赫连东郭闾丘子车亓官司空司寇拓跋第五"
)
COMPOUND_SURNAMES = frozenset(_COMPOUND_PAIRS[i : i + 2] for i in range(0, len(_COMPOUND_PAIRS), 2))

_MASK = "某某"
_MASK_MARKS = frozenset("某*＊×xX")


def mask_name(name: str) -> str:
    """The masked form of a person's name; an already-masked one passes through.

    Only the surname is kept. A name that is empty stays empty; a name with no
    Chinese surname to keep (Latin letters, digits) becomes ``某某`` whole. A
    name is "already masked" when everything after its surname is mask marks
    (王某某, 张**): a full name followed by a blanked number (王建国***) is not.
    """
    cleaned = "".join(name.split())
    if not cleaned:
        return cleaned
    surname = cleaned[:2] if cleaned[:2] in COMPOUND_SURNAMES and len(cleaned) > 2 else cleaned[0]
    if not _is_han(surname[0]) or surname[0] in _MASK_MARKS:
        return _MASK
    rest = cleaned[len(surname):]
    if rest and all(char in _MASK_MARKS for char in rest):
        return cleaned
    return surname + _MASK


def is_masked(name: str) -> bool:
    """Whether ``name`` is already in a masked form."""
    cleaned = "".join(name.split())
    return bool(cleaned) and mask_name(cleaned) == cleaned


def name_core(value: str) -> str:
    """The name typed into a name field: its letters and mask marks, without
    numbers, spaces or punctuation (王建国(138…) → 王建国)."""
    if value.isalpha():  # letters only, as most names come: no digit to blank, nothing to drop
        return value
    return "".join(ch for ch in blank_numbers(value).replace(BLANK, "") if ch.isalpha() or ch in _MASK_MARKS)


def _is_han(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\U00020000" <= char <= "\U0003134f"


# ---------------------------------------------------------------- numbers

# Full-width digits, plus and hyphen read as their ASCII forms; one character
# for one, so that positions found in the folded text are the original's.
_FOLD = str.maketrans("０１２３４５６７８９＋－ｘＸ", "0123456789+-xX")
_SEP = r"[ \t\u3000\-.]"
# ID numbers: 6 + 8 + 3 digits and a check character, or the old 15 digits;
# people group them with spaces or dashes. A prefix such as "ID" is no digit.
_ID_NUMBER = re.compile(
    rf"(?<!\d)\d{{6}}{_SEP}?\d{{8}}{_SEP}?\d{{3}}[\dXx](?![\dXx])"
    rf"|(?<!\d)\d{{6}}{_SEP}?\d{{6}}{_SEP}?\d{{3}}(?!\d)"
)
# Mobiles: 1[3-9]x xxxx xxxx, any single separator between digits, with an
# optional country code (+86, 0086, 86).
_MOBILE = re.compile(rf"(?:(?:\+|(?<!\d)00|(?<!\d))86{_SEP}?|(?<!\d))1[3-9]\d(?:{_SEP}?\d){{8}}(?!\d)")
# Landlines with their area code: 024-88881234, (024) 8888 1234, 0411-8888123.
_LANDLINE = re.compile(rf"(?:\(0\d{{2,3}}\)|(?<!\d)0\d{{2,3}}{_SEP})\s?\d{{3,4}}{_SEP}?\d{{4}}(?!\d)")
_NUMBER_PATTERNS = (_ID_NUMBER, _MOBILE, _LANDLINE)
# Cheap pre-check: only text with seven digits in it can hold a number.
_SEVEN_DIGITS = re.compile(r"(?:\d\D{0,2}){7}")


def blank_numbers(text: str) -> str:
    """``text`` with phone and ID numbers, in any common written form, blanked."""
    if not _SEVEN_DIGITS.search(text):  # \d: full-width digits too
        return text
    folded = text.translate(_FOLD)
    spans: list[tuple[int, int]] = []
    for pattern in _NUMBER_PATTERNS:
        spans += [m.span() for m in pattern.finditer(folded)]
    if not spans:
        return text
    out: list[str] = []
    at = 0
    for start, end in sorted(spans):
        if start < at:  # overlaps the number just blanked: one number
            at = max(at, end)
            continue
        out += [text[at:start], BLANK]
        at = end
    out.append(text[at:])
    return "".join(out)


def redact_text(text: str, names: Iterable[str] = ()) -> str:
    """``text`` with phone and ID numbers and the given full names blanked."""
    text = blank_numbers(text)
    for name in sorted(names, key=len, reverse=True):
        if len(name) >= 2 and name in text:
            text = text.replace(name, mask_name(name))
    return text


# ---------------------------------------------------------------- safe text

# Lone surrogates cannot be encoded; PostgreSQL refuses NUL in text.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(text: str, limit: int = MAX_KEPT_CHARS) -> str:
    """``text`` without the characters PostgreSQL refuses, cut to ``limit``."""
    if len(text) > limit:
        text = text[:limit] + "…"
    if text.isascii() and "\x00" not in text:
        return text
    return _UNSTORABLE.sub("\ufffd", text)


def safe_message(text: str, names: Iterable[str] = (), limit: int = 300) -> str:
    """A message fit for a report, a log line or a dead letter's reason."""
    return storable(redact_text(text, names), limit)


# ---------------------------------------------------------------- JSON values

# Keys whose value is a person's name, across the platforms' dialects.
NAME_KEYS = frozenset({"objName", "name_masked", "target_name", "targetName", "person_name"})
# Any key containing one of these holds a phone or an ID number.
_CONTACT_PARTS = ("phone", "mobile", "tel", "idcard", "id_card", "idno", "id_no", "sfz",
                  "shenfen", "identity")


def is_contact_key(key: object) -> bool:
    lowered = str(key).lower()
    return any(part in lowered for part in _CONTACT_PARTS)


def scrub_value(value: object, names: Iterable[str] = ()) -> object:
    """A copy of a JSON value fit to keep: no personal data, nothing unstorable.

    Contact keys are dropped, the values of ``NAME_KEYS`` masked, numbers
    blanked, and those names and ``names`` masked in every string; strings
    holding NUL or lone surrogates, non-finite numbers and values nested past
    ``MAX_DEPTH`` become null, over-long strings are cut.
    Never recursion-bound: it walks with an explicit stack.
    """
    found = [*names, *_named(value)]
    known = sorted({n for n in found if len(n) >= 2}, key=len, reverse=True)
    root: list[object] = [None]
    # (container to fill, key or index, value, depth)
    stack: list[tuple[list[object] | dict[str, object], str | int, object, int]] = [(root, 0, value, 0)]
    while stack:
        into, slot, item, depth = stack.pop()
        copied = _scrub_leaf(item, known)
        if isinstance(item, dict | list) and depth >= MAX_DEPTH:
            copied = None  # not kept: a replay rejects it again, naming the field
        elif isinstance(item, dict):
            out: dict[str, object] = {}
            for key, inner in item.items():
                name = storable(redact_text(str(key), known), 200)
                if is_contact_key(name):
                    continue
                if name in NAME_KEYS and isinstance(inner, str):
                    out[name] = mask_name(name_core(inner))
                    continue
                out[name] = None
                stack.append((out, name, inner, depth + 1))
            copied = out
        elif isinstance(item, list):
            items: list[object] = [None] * len(item)
            for index, inner in enumerate(item):
                stack.append((items, index, inner, depth + 1))
            copied = items
        if isinstance(into, dict):
            into[str(slot)] = copied
        elif isinstance(slot, int):
            into[slot] = copied
    return root[0]


def _named(value: object) -> list[str]:
    """The full names held by ``NAME_KEYS`` anywhere in ``value``."""
    names: list[str] = []
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            continue
        if isinstance(item, dict):
            for key, inner in item.items():
                if key in NAME_KEYS and isinstance(inner, str):
                    core = name_core(inner)
                    if mask_name(core) != core:
                        names.append(core)
                else:
                    stack.append((inner, depth + 1))
        elif isinstance(item, list):
            stack.extend((inner, depth + 1) for inner in item)
    return names


def _scrub_leaf(value: object, names: list[str]) -> object:
    if isinstance(value, str):
        if "\x00" in value or (not value.isascii() and _UNSTORABLE.search(value)):
            return None
        return storable(redact_text(value, names))
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, bool | int | float):
        return value
    return None  # anything else a parser may have put there (a too-long number)


def mask_key(record: dict[str, object], key: str, names: list[str]) -> None:
    """Mask ``record[key]`` in place (a copy's), remembering the full name.

    A value that is not a string cannot be masked and is dropped.
    """
    if key not in record:
        return
    value = record[key]
    if isinstance(value, str):
        core = name_core(value)
        masked = mask_name(core)
        if core and masked != core:
            names.append(core)
        record[key] = masked
    elif value is not None:
        del record[key]


def mask_people(value: object, name_key: str, kind_key: str, organisations: frozenset[str],
                names: list[str]) -> None:
    """Mask, in place, the ``name_key`` of every object inside ``value`` (a list
    of claimers, one claimer …) whose ``kind_key`` does not say it is an
    organisation: anything unreadable may name a person."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            continue
        if isinstance(item, dict):
            kind = item.get(kind_key)
            if not (isinstance(kind, str) and kind.strip() in organisations):
                mask_key(item, name_key, names)
            stack.extend((inner, depth + 1) for inner in item.values())
        elif isinstance(item, list):
            stack.extend((inner, depth + 1) for inner in item)


def names_organisation(kind: object, organisation_kinds: frozenset[str]) -> bool:
    """Whether a claimer's kind says it is no person (anything unreadable may be one)."""
    return isinstance(kind, str) and kind.strip() in organisation_kinds


def scrubbed_copy(raw: Mapping[str, object]) -> dict[str, object]:
    """A record's copy fit to keep (see ``scrub_value``), before its adapter
    masks the name fields it knows."""
    copied = scrub_value(dict(raw))
    assert isinstance(copied, dict)
    return copied


def replace_names(value: object, names: list[str]) -> object:
    """A copy with every full name in ``names`` masked wherever it is written."""
    if not names:
        return value
    return scrub_value(value, names)


# ---------------------------------------------------------------- unreadable text

# "key": "value" or "key": 123 in JSON-ish text (escaped quotes inside values kept).
_PAIR = re.compile(r'"(?P<key>[A-Za-z_][A-Za-z0-9_]*)"(?P<sep>\s*:\s*)'
                   r'(?P<value>"(?:[^"\\]|\\.)*"|-?[0-9][0-9.eE+-]*)')


def scrub_text(text: str, limit: int | None = None) -> str:
    """``text`` (maybe half JSON) without phone or ID numbers, the values of name
    keys masked, wherever else written too, nothing PostgreSQL refuses; cut to
    ``limit`` characters if given."""
    names = [name_core(m["value"][1:-1]) for m in _PAIR.finditer(text)
             if m["key"] in NAME_KEYS and m["value"].startswith('"')]
    text = redact_text(_PAIR.sub(_scrub_pair, text), [n for n in names if mask_name(n) != n])
    return storable(text, limit if limit is not None else len(text))


def _scrub_pair(match: re.Match[str]) -> str:
    key, sep, value = match["key"], match["sep"], match["value"]
    if is_contact_key(key):
        return f'"{key}"{sep}"{BLANK}"'
    if key in NAME_KEYS and value.startswith('"'):
        return f'"{key}"{sep}"{mask_name(name_core(value[1:-1]))}"'
    return match[0]
