"""The in-memory ``Places`` the hub hands to adapters.

Built once from the shipped reference data (``hub/data``): regions down to
county level, plus the names of towns and villages so that a record citing
only a 9- or 12-digit code still gets a readable region name.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping

from hub import regions as _regions
from hub.models import Region, RegionLevel

# Longest first; the shortened forms stand beside the full name, never replace it.
_SUFFIXES = ("蒙古族自治县", "满族自治县", "自治县", "新区", "区", "县", "市")
_PROVINCE_PREFIXES = ("辽宁省", "辽宁")
# What people add to or leave off a town's name; longest first.
_TOWN_SUFFIXES = ("街道办事处", "办事处", "街道", "民族乡", "满族乡", "朝鲜族乡", "蒙古族乡", "镇", "乡", "街")
_SPACE = re.compile(r"\s+")
_UNKNOWN = object()
_MEMO_NAME_CHARS = 64
_MEMO_LIMIT = 20_000


def normalize_name(name: str) -> str:
    """Fold full-width forms and drop all whitespace (people type both)."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", name))


def short_forms(name: str) -> set[str]:
    """Names people use for a region besides its full name.

    铁西区 → 铁西; 本溪满族自治县 → 本溪, 本溪县; 沈北新区 → 沈北. Only the
    longest suffix is taken off, and a one-character remainder is not kept
    (义县 stays 义县).
    """
    for suffix in _SUFFIXES:
        if name.endswith(suffix):
            stem = name[: -len(suffix)]
            if len(stem) < 2:
                return set()
            return {stem, stem + "县"} if suffix.endswith("自治县") else {stem}
    return set()


class ReferencePlaces:
    """Region look-ups over the reference data; no I/O after construction."""

    def __init__(
        self,
        known: Iterable[Region],
        towns: Mapping[str, str] | None = None,
        villages: Mapping[str, str] | None = None,
    ) -> None:
        self._known = {r.code: r for r in known}
        self._towns = dict(towns or {})
        self._villages = dict(villages or {})
        # name key -> codes, in two tiers: full names first, shortened names second.
        self._full: dict[str, set[str]] = {}
        self._short: dict[str, set[str]] = {}
        self._index()
        # Answers of county_by_name and town_by_name, by (typed name, scope).
        self._counties_named: dict[tuple[str, str], Region | None] = {}
        self._towns_named: dict[tuple[str, str], Region | None] = {}
        # county code -> town name key -> town codes (the full name and its stem).
        self._towns_by_name: dict[str, dict[str, set[str]]] = {}
        for code, town in self._towns.items():
            names = self._towns_by_name.setdefault(code[:6], {})
            for key in {normalize_name(town), _town_stem(town)}:
                if key:
                    names.setdefault(key, set()).add(code)

    # ------------------------------------------------------------ Places protocol

    def region(self, code: str) -> Region | None:
        """See ``hub.models.Places.region``; also accepts zero-padded codes."""
        canon = _regions.canonical_code(code)
        if canon is None or not _regions.in_province(canon):
            return None
        if len(canon) == 6:
            return self._known.get(canon)
        county = self._known.get(canon[:6])
        if county is None or county.level is not RegionLevel.COUNTY:
            return None
        if len(canon) == 9:
            return Region(canon, self._towns.get(canon, canon), RegionLevel.TOWN, county.code)
        return Region(canon, self._villages.get(canon, canon), RegionLevel.VILLAGE, canon[:9])

    def county_by_name(self, name: str, within: str) -> Region | None:
        """See ``hub.models.Places.county_by_name`` (remembered: a platform
        types the same few names in every record)."""
        return self._remembered(self._counties_named, self._county_by_name, name, within)

    def town_by_name(self, name: str, county: str) -> Region | None:
        """See ``hub.models.Places.town_by_name``: the full name first, then its stem."""
        return self._remembered(self._towns_named, self._town_by_name, name, county)

    @staticmethod
    def _remembered(
        memo: dict[tuple[str, str], Region | None],
        look_up: Callable[[str, str], Region | None],
        name: str,
        scope: str,
    ) -> Region | None:
        # Looking a name up costs ~13 us a record (normalising, suffixes, sets);
        # the answers never change. Bounded: short names only, and at most
        # _MEMO_LIMIT of them, whatever a hostile platform types.
        key = (name, scope)
        found = memo.get(key, _UNKNOWN)
        if found is not _UNKNOWN:
            return found  # type: ignore[return-value]
        region = look_up(name, scope)
        if len(name) <= _MEMO_NAME_CHARS and len(memo) < _MEMO_LIMIT:
            memo[key] = region
        return region

    def _county_by_name(self, name: str, within: str) -> Region | None:
        """See ``hub.models.Places.county_by_name``.

        Also resolves a city's name when ``within`` is the province (沈阳市 →
        210100). A full name (铁西区, 沈阳市铁西区) wins over a shortened one
        (铁西); a name matching two regions inside ``within`` resolves to None.
        """
        scope = _regions.canonical_code(within)
        if scope is None or scope not in self._known:
            return None
        key = normalize_name(name)
        for prefix in _PROVINCE_PREFIXES:
            if key.startswith(prefix) and len(key) > len(prefix):
                key = key[len(prefix) :]
                break
        if not key:
            return None
        for tier in (self._full, self._short):
            hits = {c for c in tier.get(key, ()) if _regions.is_within(c, scope)}
            if len(hits) == 1:
                return self._known[hits.pop()]
            if hits:
                return None
        return None

    def _town_by_name(self, name: str, county: str) -> Region | None:
        names = self._towns_by_name.get(county)
        if not names:
            return None
        typed = normalize_name(name)
        for key in (typed, _town_stem(typed)):
            hits = names.get(key, set())
            if len(hits) == 1:
                return self.region(next(iter(hits)))
            if hits:
                return None
        return None

    def official_name(self, code: str) -> str | None:
        """The shipped name of a town or village, None when the data does not know it."""
        return self._towns.get(code) or self._villages.get(code)

    # ------------------------------------------------------------ extras

    def lineage(self, code: str) -> list[Region]:
        """The region and all above it, province first; [] if ``region`` knows none.

        The store inserts these in order so a new village's town exists first.
        """
        out: list[Region] = []
        region = self.region(code)
        while region is not None:
            out.append(region)
            region = None if region.parent_code is None else self.region(region.parent_code)
        out.reverse()
        return out

    def count_below(self, code: str, level: RegionLevel) -> int:
        """How many regions at ``level`` lie inside ``code`` (itself included);
        0 for a code ``region`` does not know. For the cost of a statsByRegion."""
        region = self.region(code)
        if region is None:
            return 0
        prefix = _regions.prefix_of(region.code)
        if level is RegionLevel.TOWN:
            codes: Iterable[str] = self._towns
        elif level is RegionLevel.VILLAGE:
            codes = self._villages
        else:
            codes = (r.code for r in self._known.values() if r.level is level)
        return sum(1 for c in codes if c.startswith(prefix))

    def _index(self) -> None:
        for r in self._known.values():
            if r.level is RegionLevel.CITY:
                self._add(self._full, r.name, r.code)
                for short in short_forms(r.name):
                    self._add(self._short, short, r.code)
            elif r.level is RegionLevel.COUNTY and r.parent_code in self._known:
                self._index_county(r, self._known[r.parent_code])

    def _index_county(self, county: Region, city: Region) -> None:
        city_full = {city.name}
        city_short = short_forms(city.name)
        county_short = short_forms(county.name)
        for prefix in {"", *city_full, *city_short}:
            self._add(self._full, prefix + county.name, county.code)
            for short in county_short:
                self._add(self._short, prefix + short, county.code)

    @staticmethod
    def _add(index: dict[str, set[str]], key: str, code: str) -> None:
        index.setdefault(key, set()).add(code)


def _town_stem(name: str) -> str:
    key = normalize_name(name)
    for suffix in _TOWN_SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix) + 1:
            return key[: -len(suffix)]
    return key


def _read_places() -> tuple[dict[str, str], dict[str, str]]:
    path = _regions.DATA_DIR / "places_liaoning.json"
    if not path.is_file():
        return {}, {}
    data = json.loads(path.read_text("utf-8"))
    towns = {str(k): str(v) for k, v in data.get("towns", {}).items()}
    villages = {str(k): str(v) for k, v in data.get("villages", {}).items()}
    return towns, villages


@functools.cache
def load_places() -> ReferencePlaces:
    """The hub's one ``Places``, built on first use from the shipped data."""
    towns, villages = _read_places()
    return ReferencePlaces(_regions.reference_regions(), towns, villages)
