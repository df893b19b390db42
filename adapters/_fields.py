"""Reading one native record field by field, rejecting it by field name.

``Fields`` wraps a native JSON object; each accessor returns a typed value or
raises ``Invalid(field, message)``, which the batch loop turns into a
``Rejection``. Messages quote a value only through ``_show``, which shows
short code-like values (a status code, a malformed time) and nothing else: a
value typed by a person may hold personal data.

Every string the accessors hand on is fit for PostgreSQL (no NUL, no lone
surrogate, bounded length) with phone and ID numbers blanked; a value that is
not is this record's fault and rejects it, naming the field. The person names
read through ``person_name`` are collected (``names``) so that the batch loop
can mask them wherever else the record repeats them.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from typing import TypeVar

from adapters import _clock
from adapters._json import OutOfRange
from hub.privacy import blank_numbers, mask_name, name_core

T = TypeVar("T")
_MISSING = object()
# Counts are stored as 32-bit integers.
_MAX_COUNT = 2**31 - 1
# Platform ids are unique keys: a btree entry holds at most 2,704 bytes.
MAX_IDENT_CHARS = 200
# Longest text (a title, a name) the hub stores of one field.
MAX_TEXT_CHARS = 10_000
# What PostgreSQL refuses in text: NUL, and lone surrogates (not UTF-8 at all).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# Values short and plain enough to quote in a message (a code, a malformed time).
_SHOWABLE = re.compile(r"[0-9A-Za-z_.:+\-/ ]{1,32}")


class Invalid(Exception):
    """One field of a native record that cannot be translated."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _show(value: object) -> str:
    """`` 'value'`` for a short code-like value, else nothing: never personal data."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return ""
    text = str(value)
    if not _SHOWABLE.fullmatch(text) or blank_numbers(text) != text:
        return ""
    return f" {text!r}"


def _storable(fields: Fields, key: str, text: str, limit: int) -> str:
    if len(text) > limit:
        raise fields.invalid(key, f"is longer than {limit} characters")
    if "\x00" in text or (not text.isascii() and _UNSTORABLE.search(text)):
        raise fields.invalid(key, "holds a character that cannot be stored (NUL or a lone surrogate)")
    return text


def _plain(text: str) -> bool:
    """Whether ``text`` (short, stripped) is stored as it is: nothing ``_storable``
    refuses and nothing ``blank_numbers`` would change. Letters only (a name,
    a label, a place: most of what platforms send) hold neither NUL, lone
    surrogates nor digits; ``text()`` and ``opt_text()`` then skip the checks
    (one call here against three, for a few of a record's fields)."""
    return text.isalpha() and len(text) <= MAX_TEXT_CHARS


class Fields:
    """Typed access to one native JSON object; ``path`` prefixes field names."""

    def __init__(
        self, data: Mapping[str, object], path: str = "", names: list[str] | None = None,
        texts: list[str] | None = None,
    ) -> None:
        self._data = data
        self._path = path
        # Full person names and the texts read so far, shared with the nested
        # objects' Fields: the batch loop masks the names only in records
        # whose texts repeat one.
        self.names: list[str] = [] if names is None else names
        self.texts: list[str] = [] if texts is None else texts

    def repeats_a_name(self) -> bool:
        """Whether a text read from this record holds one of its person names."""
        return any(name in text for name in self.names for text in self.texts)

    def name(self, key: str) -> str:
        return f"{self._path}{key}"

    def invalid(self, key: str, message: str) -> Invalid:
        return Invalid(self.name(key), message)

    def get(self, key: str) -> object:
        """The value, ``None`` when absent."""
        return self._data.get(key)

    def has(self, key: str) -> bool:
        return key in self._data

    def required(self, key: str) -> object:
        value = self._data.get(key, _MISSING)
        if value is _MISSING or value is None:
            raise self.invalid(key, "is required")
        if isinstance(value, OutOfRange):
            raise self.invalid(key, "is a number out of range")
        return value

    def _string(self, key: str, what: str) -> str:
        """The value when it is a string; else why not (``required``'s reasons,
        or "must be ``what``"). A string, the common case, is read once."""
        value = self._data.get(key)
        if type(value) is str:
            return value
        value = self.required(key)
        if not isinstance(value, str):
            raise self.invalid(key, f"must be {what}")
        return value

    # ------------------------------------------------------------ scalars

    def text(self, key: str) -> str:
        """A non-empty string, stripped; phone and ID numbers typed into it blanked."""
        text = self._string(key, "a string").strip()
        if not text:
            raise self.invalid(key, "must not be empty")
        return self._kept(key, text)

    def _kept(self, key: str, text: str) -> str:
        """``text`` (stripped, not empty) as stored: refused when unstorable, phone
        and ID numbers blanked (letters-only text holds neither: ``_plain``)."""
        if not _plain(text):
            text = blank_numbers(_storable(self, key, text, MAX_TEXT_CHARS))
        self.texts.append(text)
        return text

    def opt_text(self, key: str) -> str | None:
        """A string, or ``None`` when absent, null or blank."""
        value = self._data.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.invalid(key, "must be a string or null")
        text = value.strip()
        if not text:
            return None
        return self._kept(key, text)

    def person_name(self, key: str) -> str | None:
        """A person's name, masked (王某某), or ``None``; the full name is
        remembered in ``names`` to be masked wherever the record repeats it."""
        text = self.opt_text(key)
        if text is None:
            return None
        self.texts.pop()  # the name itself: not a text that repeats it
        return self._masked(text)

    def person_text(self, key: str) -> str:
        """Like ``person_name``, for a name that is required."""
        text = self.text(key)
        self.texts.pop()
        return self._masked(text)

    def person(self, text: str) -> str:
        """A person's name read by a platform's own accessor, masked like
        ``person_name``'s (and remembered the same way)."""
        return self._masked(text)

    def _masked(self, text: str) -> str:
        core = name_core(text)
        masked = mask_name(core)
        if masked != core and len(core) >= 2:
            self.names.append(core)
        return masked

    def ident(self, key: str) -> str:
        """A platform id: a non-empty string, or an integer written as one."""
        value = self._data.get(key)
        if type(value) is not str:  # an integer id, or not an id: say which
            value = self.required(key)
            if isinstance(value, bool) or not isinstance(value, str | int):
                raise self.invalid(key, "must be a string or an integer id")
        text = str(value).strip()
        if not text:
            raise self.invalid(key, "must not be empty")
        return _storable(self, key, text, MAX_IDENT_CHARS)

    def opt_ident(self, key: str) -> str | None:
        value = self._data.get(key)
        if value is None or value == "":
            return None
        return self.ident(key)

    def count(self, key: str) -> int:
        """A non-negative integer (a JSON number without fraction, not a string)."""
        value = self.required(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.invalid(key, "must be an integer")
        if value < 0:
            raise self.invalid(key, "must not be negative")
        if value > _MAX_COUNT:
            raise self.invalid(key, f"is too large (at most {_MAX_COUNT})")
        return value

    def amount(self, key: str) -> float:
        """A non-negative finite number."""
        value = self.required(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.invalid(key, "must be a number")
        number = float(value)
        if not math.isfinite(number) or number < 0:
            raise self.invalid(key, "must be a non-negative number")
        return number

    def flag(self, key: str) -> bool:
        """A delete flag: true/false or 1/0 ("1"/"0"); absent means false."""
        value = self._data.get(key)
        if value is None:
            return False
        if isinstance(value, bool):
            return value
        if value in (0, 1, "0", "1"):
            return value in (1, "1")
        raise self.invalid(key, f"must be 0 or 1, not{_show(value) or ' this value'}")

    def choice(self, key: str, mapping: Mapping[str, T]) -> T:
        """A code out of a closed list; integers are read as their digits."""
        value = self._data.get(key)
        if type(value) is str:
            found = mapping.get(value)  # as sent, most often: no strip() needed
            if found is not None:
                return found
        else:
            value = self.required(key)
            if isinstance(value, bool) or not isinstance(value, str | int):
                raise self.invalid(key, "must be a string")
        found = mapping.get(str(value).strip())
        if found is None:
            allowed = ", ".join(mapping)
            raise self.invalid(key, f"unknown value{_show(value)} (expected one of {allowed})")
        return found

    def label(self, key: str, translate: Callable[[str | None], T]) -> T:
        """An open label: unknown, blank or null ones mean OTHER, other types reject."""
        if key not in self._data:
            raise self.invalid(key, "is required")
        return translate(self.opt_text(key))

    # ------------------------------------------------------------ nested

    def obj(self, key: str) -> Fields:
        value = self.required(key)
        if not isinstance(value, dict):
            raise self.invalid(key, "must be an object")
        return Fields(value, f"{self.name(key)}.", self.names, self.texts)

    def opt_obj(self, key: str) -> Fields | None:
        if self._data.get(key) is None:
            return None
        return self.obj(key)

    def objects(self, key: str, *, optional: bool = True) -> list[Fields]:
        """A list of objects; absent or null is an empty list when ``optional``."""
        value = self._data.get(key)
        if value is None and optional:
            return []
        if not isinstance(value, list):
            raise self.invalid(key, "must be a list")
        items = []
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                raise Invalid(f"{self.name(key)}[{i}]", "must be an object")
            items.append(Fields(item, f"{self.name(key)}[{i}].", self.names, self.texts))
        return items

    # ------------------------------------------------------------ clocks

    def _string_time(self, key: str, parse: Callable[[str], dt.datetime | None], what: str) -> dt.datetime:
        value = self._string(key, what)
        parsed = parse(value)
        if parsed is None:
            raise self.invalid(key, f"is not {what}{_show(value)}")
        return parsed

    def beijing(self, key: str) -> dt.datetime:
        return self._string_time(key, _clock.beijing_local, "a time 'yyyy-MM-dd HH:mm:ss'")

    def opt_beijing(self, key: str) -> dt.datetime | None:
        value = self._data.get(key)
        if value is None or (isinstance(value, str) and value.strip() in _clock.BEIJING_UNSET):
            return None
        return self.beijing(key)

    def epoch_ms(self, key: str) -> dt.datetime:
        value = self.required(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.invalid(key, "must be epoch milliseconds (an integer)")
        parsed = _clock.epoch_millis(value)
        if parsed is None:
            raise self.invalid(key, f"is not epoch milliseconds{_show(value)}")
        return parsed

    def iso(self, key: str) -> dt.datetime:
        return self._string_time(key, _clock.iso_aware, "an ISO-8601 time with offset")

    def opt_iso(self, key: str) -> dt.datetime | None:
        value = self._data.get(key)
        if value is None or value == "":
            return None
        return self.iso(key)

    def date(self, key: str) -> dt.date:
        value = self.required(key)
        parsed = _clock.local_date(value) if isinstance(value, str) else None
        if parsed is None:
            raise self.invalid(key, f"is not a date 'yyyy-MM-dd'{_show(value)}")
        return parsed
