"""Region look-ups through the hub's ``Places``, with the source's scope enforced."""

from __future__ import annotations

import re

from adapters._fields import Fields, Invalid
from hub.models import Places, Region, RegionLevel

_DIVISION_CODE = re.compile(r"\d{6}(\d{3}(\d{3})?)?")
_COUNTY_LIKE = re.compile(r"[\u4e00-\u9fff]{1,16}[市区县旗]")


def scope_prefix(scope_code: str) -> str:
    """The code prefix shared by every region inside a GB/T 2260 scope."""
    if scope_code.endswith("0000"):
        return scope_code[:2]
    if scope_code.endswith("00"):
        return scope_code[:4]
    return scope_code[:6]


def in_scope(code: str, scope_code: str) -> bool:
    return code.startswith(scope_prefix(scope_code))


def region_by_code(fields: Fields, key: str, places: Places, scope_code: str, *, digits: tuple[int, ...]) -> Region:
    """The region a division code names; outside the scope or unknown rejects."""
    code = fields.ident(key)
    if not _DIVISION_CODE.fullmatch(code) or len(code) not in digits:
        lengths = "/".join(str(d) for d in digits)
        raise fields.invalid(key, f"must be a {lengths}-digit division code")
    if not in_scope(code, scope_code):
        raise fields.invalid(key, f"{code} is outside this source's scope {scope_code}")
    region = places.region(code)
    if region is None:
        raise fields.invalid(key, f"{code} is not a known division")
    return region


def county_by_name(fields: Fields, key: str, places: Places, scope_code: str, scope_name: str) -> Region:
    """The county-level region a person typed the name of, inside the scope."""
    name = fields.text(key)
    region = places.county_by_name(name, scope_code)
    if region is None or region.level is not RegionLevel.COUNTY or not in_scope(region.code, scope_code):
        # Quoted only when it reads as a county-level place: a person typed it,
        # and it may name a village or a person.
        shown = f"{name!r} " if _COUNTY_LIKE.fullmatch(name) else ""
        raise Invalid(fields.name(key), f"{shown}is not a district or county of {scope_name}")
    return region


def county_of(places: Places, code: str) -> Region | None:
    """The county-level region holding a 6-, 9- or 12-digit code."""
    return places.region(code[:6])


def county_or_town_by_names(
    fields: Fields, county_key: str, town_key: str, places: Places, scope_code: str, scope_name: str
) -> Region:
    """The town a person typed (``town_key``) when it is an official town of the
    typed county (``county_key``), else that county; an unknown county rejects.

    A town name the reference data does not hold is no reason to reject a
    record: it then stays at its county, which is right, only coarser.
    """
    county = county_by_name(fields, county_key, places, scope_code, scope_name)
    try:
        typed = fields.opt_text(town_key)
    except Invalid:  # not a string: the county is still right
        return county
    if not typed:
        return county
    town = places.town_by_name(typed, county.code)
    return town if town is not None else county
