"""辽宁's administrative divisions: the shipped reference data and code arithmetic.

Codes follow GB/T 2260 (6 digits: ``21`` province, ``2101`` city, ``210106``
county) extended by the statistical town (9 digits) and village (12 digits)
codes. The data comes from ``hub/data/regions_liaoning.json``, written by
``scripts/refresh-regions`` from a maintained package (see ``hub/data/SOURCE.md``).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from hub.models import Region, RegionLevel

# Found beside this module (not via importlib.resources, which resolves ``hub`` to
# tests/hub too while hub is a namespace package): works in a tree and a wheel alike.
DATA_DIR = Path(__file__).resolve().parent / "data"
PROVINCE_CODE = "210000"
_PROVINCE_PREFIX = "21"
_LENGTHS = (6, 9, 12)


@functools.cache
def _reference() -> tuple[Region, ...]:
    text = (DATA_DIR / "regions_liaoning.json").read_text("utf-8")
    rows = json.loads(text)
    regions = tuple(
        Region(
            code=str(row["code"]),
            name=str(row["name"]),
            level=RegionLevel(row["level"]),
            parent_code=None if row["parent_code"] is None else str(row["parent_code"]),
        )
        for row in rows
    )
    _check_order(regions)
    return regions


def _check_order(regions: tuple[Region, ...]) -> None:
    # The loader inserts in this order into a table whose parent_code is a
    # foreign key: a child before its parent would fail there, less clearly.
    seen: set[str] = set()
    for r in regions:
        if r.parent_code is not None and r.parent_code not in seen:
            raise ValueError(f"reference region {r.code} comes before its parent")
        seen.add(r.code)


def reference_regions() -> list[Region]:
    """Province, cities and county-level divisions, parents before children."""
    return list(_reference())


@functools.cache
def reference_by_code() -> dict[str, Region]:
    """The reference regions by code (do not mutate: it is shared)."""
    return {r.code: r for r in _reference()}


def is_code(code: str) -> bool:
    """A well-formed region code: 6, 9 or 12 ASCII digits."""
    return len(code) in _LENGTHS and code.isascii() and code.isdigit()


def canonical_code(code: str) -> str | None:
    """The code without zero padding, or None if it is malformed.

    Platforms sometimes send a county as 12 digits (``210106000000``) or a town
    padded to 12 (``210106001000``); real town and village parts never are all
    zeros, so trimming them is safe.
    """
    code = code.strip()
    if not is_code(code):
        return None
    while len(code) > 6 and code.endswith("000"):
        code = code[:-3]
    return code


def level_of_code(code: str) -> RegionLevel:
    """The level a well-formed code names; ValueError for a malformed one."""
    if not is_code(code):
        raise ValueError(f"not a region code: {code!r}")
    if len(code) == 12:
        return RegionLevel.VILLAGE
    if len(code) == 9:
        return RegionLevel.TOWN
    if code.endswith("0000"):
        return RegionLevel.PROVINCE
    if code.endswith("00"):
        return RegionLevel.CITY
    return RegionLevel.COUNTY


def prefix_of(code: str) -> str:
    """The prefix shared by the codes of this region and everything below it.

    ``21`` for 210000, ``2101`` for 210100, the code itself for a county, town
    or village; e.g. ``region_code like prefix || '%'`` selects the subtree.
    """
    level = level_of_code(code)
    if level is RegionLevel.PROVINCE:
        return code[:2]
    if level is RegionLevel.CITY:
        return code[:4]
    return code


def is_within(code: str, ancestor: str) -> bool:
    """Whether ``code`` is ``ancestor`` or lies below it (both well-formed)."""
    return code.startswith(prefix_of(ancestor))


def in_province(code: str) -> bool:
    return is_code(code) and code.startswith(_PROVINCE_PREFIX)


def city_of(code: str) -> str | None:
    """The 6-digit city code of a region in 辽宁 (itself for a city).

    None for the province, a malformed code or one outside 辽宁.
    """
    if not in_province(code) or level_of_code(code) is RegionLevel.PROVINCE:
        return None
    return code[:4] + "00"


def county_of(code: str) -> str | None:
    """The 6-digit county code of a county, town or village in 辽宁.

    None for the province and cities, a malformed code or one outside 辽宁.
    """
    if not in_province(code) or level_of_code(code) in (RegionLevel.PROVINCE, RegionLevel.CITY):
        return None
    return code[:6]


def parent_code_of(code: str) -> str | None:
    """The code of the region directly above, by arithmetic (None for a province)."""
    level = level_of_code(code)
    if level is RegionLevel.VILLAGE:
        return code[:9]
    if level is RegionLevel.TOWN:
        return code[:6]
    if level is RegionLevel.COUNTY:
        return code[:4] + "00"
    if level is RegionLevel.CITY:
        return code[:2] + "0000"
    return None
