"""The shipped 辽宁 reference regions and code arithmetic."""

from __future__ import annotations

import pytest

from hub import regions
from hub.models import RegionLevel


def _by_code() -> dict[str, tuple[str, RegionLevel, str | None]]:
    return {r.code: (r.name, r.level, r.parent_code) for r in regions.reference_regions()}


def test_province_and_fourteen_cities() -> None:
    got = {r.code: r.name for r in regions.reference_regions() if r.level is RegionLevel.CITY}
    assert got == {
        "210100": "沈阳市",
        "210200": "大连市",
        "210300": "鞍山市",
        "210400": "抚顺市",
        "210500": "本溪市",
        "210600": "丹东市",
        "210700": "锦州市",
        "210800": "营口市",
        "210900": "阜新市",
        "211000": "辽阳市",
        "211100": "盘锦市",
        "211200": "铁岭市",
        "211300": "朝阳市",
        "211400": "葫芦岛市",
    }
    assert _by_code()["210000"] == ("辽宁省", RegionLevel.PROVINCE, None)
    assert all(
        r.parent_code == "210000"
        for r in regions.reference_regions()
        if r.level is RegionLevel.CITY
    )


def test_recent_county_codes_and_names() -> None:
    by_code = _by_code()
    assert by_code["210112"] == ("浑南区", RegionLevel.COUNTY, "210100")
    assert by_code["210115"] == ("辽中区", RegionLevel.COUNTY, "210100")
    assert by_code["210214"] == ("普兰店区", RegionLevel.COUNTY, "210200")
    assert by_code["210521"] == ("本溪满族自治县", RegionLevel.COUNTY, "210500")
    # Codes retired by those changes are gone (东陵区 → 浑南区, 辽中县 → 辽中区).
    assert "210112" in by_code and "210122" not in by_code
    assert "210282" not in by_code  # 普兰店市


def test_huludao_counties() -> None:
    under = {
        name
        for name, level, parent in _by_code().values()
        if parent == "211400" and level is RegionLevel.COUNTY
    }
    assert under == {"连山区", "龙港区", "南票区", "绥中县", "建昌县", "兴城市"}


def test_every_county_under_a_city_and_parents_first() -> None:
    seen: set[str] = set()
    counties = 0
    for r in regions.reference_regions():
        assert r.parent_code is None or r.parent_code in seen, r
        seen.add(r.code)
        if r.level is RegionLevel.COUNTY:
            counties += 1
            assert r.parent_code == r.code[:4] + "00"
    # 辽宁 has 100 county-level divisions (59 区, 16 县级市, 17 县, 8 自治县).
    assert counties == 100


def test_reference_regions_is_a_fresh_list() -> None:
    first = regions.reference_regions()
    first.clear()
    assert len(regions.reference_regions()) == 115


@pytest.mark.parametrize(
    ("code", "level", "prefix"),
    [
        ("210000", RegionLevel.PROVINCE, "21"),
        ("210100", RegionLevel.CITY, "2101"),
        ("211400", RegionLevel.CITY, "2114"),
        ("210106", RegionLevel.COUNTY, "210106"),
        ("210521100", RegionLevel.TOWN, "210521100"),
        ("210521100201", RegionLevel.VILLAGE, "210521100201"),
    ],
)
def test_level_and_prefix(code: str, level: RegionLevel, prefix: str) -> None:
    assert regions.level_of_code(code) is level
    assert regions.prefix_of(code) == prefix


@pytest.mark.parametrize(
    "bad", ["", "2101", "21010", "2101060", "21O106", "２１０１０６", "2105211002011"]
)
def test_malformed_codes_rejected(bad: str) -> None:
    assert not regions.is_code(bad)
    with pytest.raises(ValueError):
        regions.level_of_code(bad)
    assert regions.city_of(bad) is None
    assert regions.county_of(bad) is None


@pytest.mark.parametrize(
    ("code", "city", "county"),
    [
        ("210000", None, None),
        ("210100", "210100", None),
        ("210106", "210100", "210106"),
        ("211421", "211400", "211421"),
        ("210521100", "210500", "210521"),
        ("210521100201", "210500", "210521"),
        ("110101", None, None),
        ("110101001001", None, None),
    ],
)
def test_city_and_county_of(code: str, city: str | None, county: str | None) -> None:
    assert regions.city_of(code) == city
    assert regions.county_of(code) == county


def test_within_and_padding() -> None:
    assert regions.is_within("210106", "210000")
    assert regions.is_within("210521100201", "210500")
    assert not regions.is_within("210303", "210100")
    assert regions.canonical_code("210106000000") == "210106"
    assert regions.canonical_code("210521100000") == "210521100"
    assert regions.canonical_code(" 210521100201 ") == "210521100201"
    assert regions.canonical_code("21x106") is None
    assert regions.parent_code_of("210521100201") == "210521100"
    assert regions.parent_code_of("210106") == "210100"
    assert regions.parent_code_of("210000") is None
