"""The seed's map: 辽宁's real cities, counties, towns and villages.

Regions come from the hub's shipped reference data (``hub.regions``), towns
and villages from ``places_liaoning.json`` beside it, so every generated
record names a place the adapters resolve.
"""

from __future__ import annotations

import functools
import json
import random
from dataclasses import dataclass

from hub import regions
from hub.models import RegionLevel

# Resident population of each city in 万 (2020 census, rounded): how the
# province's wishes, teams and activities spread over its cities.
CITY_POPULATION: dict[str, int] = {
    "210100": 907, "210200": 745, "210300": 333, "210400": 186, "210500": 133,
    "210600": 219, "210700": 270, "210800": 233, "210900": 165, "211000": 160,
    "211100": 139, "211200": 239, "211300": 287, "211400": 243,
}


@dataclass(frozen=True, slots=True)
class Place:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class County:
    code: str
    name: str
    city_code: str
    city_name: str
    # Share of the province's activity that happens here (sums to 1).
    weight: float
    towns: tuple[Place, ...]
    villages: tuple[Place, ...]
    by_town: dict[str, tuple[Place, ...]]

    def villages_of(self, town: Place) -> tuple[Place, ...]:
        return self.by_town.get(town.code) or self.villages


@dataclass(frozen=True, slots=True)
class Geography:
    counties: tuple[County, ...]

    def by_code(self, code: str) -> County:
        for county in self.counties:
            if county.code == code:
                return county
        raise KeyError(code)

    def in_city(self, city_code: str) -> tuple[County, ...]:
        return tuple(c for c in self.counties if c.city_code == city_code)


@functools.cache
def _places() -> tuple[dict[str, str], dict[str, str]]:
    data = json.loads((regions.DATA_DIR / "places_liaoning.json").read_text("utf-8"))
    return dict(data["towns"]), dict(data["villages"])


@functools.cache
def geography(seed: int) -> Geography:
    """Every county with its towns and villages; weights jitter with ``seed``."""
    rng = random.Random(f"{seed}:geo")
    reference = regions.reference_regions()
    cities = {r.code: r.name for r in reference if r.level is RegionLevel.CITY}
    towns, villages = _places()
    raw: list[tuple[str, str, str, float]] = []
    for region in reference:
        if region.level is not RegionLevel.COUNTY or region.parent_code not in cities:
            continue
        raw.append((region.code, region.name, region.parent_code, rng.uniform(0.6, 1.4)))
    by_city: dict[str, float] = {}
    for _, _, city, jitter in raw:
        by_city[city] = by_city.get(city, 0.0) + jitter
    total = sum(CITY_POPULATION.values())
    towns_of: dict[str, list[Place]] = {}
    for c, n in sorted(towns.items()):
        towns_of.setdefault(c[:6], []).append(Place(c, n))
    villages_of: dict[str, list[Place]] = {}
    for c, n in sorted(villages.items()):
        villages_of.setdefault(c[:9], []).append(Place(c, n))
    counties = []
    for code, name, city, jitter in raw:
        share = CITY_POPULATION.get(city, 100) / total * jitter / by_city[city]
        mine = tuple(towns_of.get(code, ()))
        by_town = {t.code: tuple(villages_of.get(t.code, ())) for t in mine}
        counties.append(County(
            code=code,
            name=name,
            city_code=city,
            city_name=cities[city],
            weight=share,
            towns=mine,
            villages=tuple(v for t in mine for v in by_town[t.code]),
            by_town=by_town,
        ))
    return Geography(tuple(counties))
