"""Region look-ups adapters use: codes, towns/villages and typed names."""

from __future__ import annotations

import json

import asyncpg
import pytest

from hub import regions
from hub.bootstrap import prepare_database
from hub.models import Places, Region, RegionLevel
from hub.places import ReferencePlaces, load_places, normalize_name, short_forms


@pytest.fixture(scope="module")
def places() -> ReferencePlaces:
    return load_places()


def test_is_a_places(places: ReferencePlaces) -> None:
    def takes(p: Places) -> Places:
        return p

    assert takes(places) is places
    assert load_places() is places  # built once


def test_known_regions(places: ReferencePlaces) -> None:
    assert places.region("210000") == Region("210000", "辽宁省", RegionLevel.PROVINCE, None)
    assert places.region("210100") == Region("210100", "沈阳市", RegionLevel.CITY, "210000")
    assert places.region("210112") == Region("210112", "浑南区", RegionLevel.COUNTY, "210100")


def test_village_under_town_under_county(places: ReferencePlaces) -> None:
    village = places.region("210521100201")
    assert village is not None
    assert village.level is RegionLevel.VILLAGE
    assert village.parent_code == "210521100"
    town = places.region(village.parent_code)
    assert town is not None
    assert town.level is RegionLevel.TOWN
    assert town.parent_code == "210521"
    # The town is in the reference look-up; this village code is not, so it is named by code.
    assert town.name == "小市镇"
    assert village.name == "210521100201"
    assert [r.code for r in places.lineage("210521100201")] == [
        "210000",
        "210500",
        "210521",
        "210521100",
        "210521100201",
    ]


def test_named_village(places: ReferencePlaces) -> None:
    village = places.region("210521100203")
    assert village == Region("210521100203", "香蘑村委会", RegionLevel.VILLAGE, "210521100")


def test_padded_codes(places: ReferencePlaces) -> None:
    county = places.region("210106000000")
    assert county is not None and county.code == "210106"
    town = places.region("210521100000")
    assert town is not None and town.code == "210521100" and town.level is RegionLevel.TOWN


@pytest.mark.parametrize(
    "code",
    [
        "110101",
        "110101001",
        "110101001001",
        "210199",
        "210199001",
        "210199001001",
        "210100001",
        "2101",
        "abc",
        "",
        "21052110020",
    ],
)
def test_unknown_or_malformed(places: ReferencePlaces, code: str) -> None:
    assert places.region(code) is None
    assert places.lineage(code) == []


@pytest.mark.parametrize(
    ("name", "within", "code"),
    [
        ("沈阳市铁西区", "210100", "210106"),
        ("铁西区", "210100", "210106"),
        ("铁西", "210100", "210106"),
        ("  铁西区\u3000", "210100", "210106"),
        ("沈阳市 铁西区", "210000", "210106"),
        ("辽宁省沈阳市铁西区", "210000", "210106"),
        ("于洪区", "210100", "210114"),
        ("于洪", "210114", "210114"),
        ("绥中县", "211400", "211421"),
        ("兴城", "211400", "211481"),
        ("本溪满族自治县", "210500", "210521"),
        ("本溪县", "210500", "210521"),
        ("喀喇沁左翼蒙古族自治县", "211300", "211324"),
        ("义县", "210700", "210727"),
        ("沈北新区", "210100", "210113"),
        ("沈北", "210100", "210113"),
        ("铁西区", "210300", "210303"),
        ("沈阳市", "210000", "210100"),
        ("葫芦岛", "210000", "211400"),
        ("朝阳市", "210000", "211300"),
        ("朝阳县", "210000", "211321"),
    ],
)
def test_county_by_name(places: ReferencePlaces, name: str, within: str, code: str) -> None:
    got = places.county_by_name(name, within)
    assert got is not None and got.code == code


@pytest.mark.parametrize(
    ("name", "within"),
    [
        ("铁西区", "210000"),  # 沈阳 and 鞍山 both have one
        ("铁西", "210000"),
        ("朝阳", "210000"),  # 朝阳市 and 朝阳县
        ("铁西区", "210200"),  # not in 大连
        ("铁西区", "210102"),  # not below 和平区
        ("沈阳市铁西区", "210300"),
        ("绥中县", "210100"),
        ("东陵区", "210100"),  # renamed 浑南区 in 2014
        ("", "210100"),
        ("   ", "210100"),
        ("铁西区", "999999"),
        ("铁西区", "bogus"),
        ("义", "210700"),
    ],
)
def test_county_by_name_refuses(places: ReferencePlaces, name: str, within: str) -> None:
    assert places.county_by_name(name, within) is None


def test_name_helpers() -> None:
    assert normalize_name(" 沈阳市　铁西区 ") == "沈阳市铁西区"
    assert normalize_name("ＡＢ１") == "AB1"
    assert short_forms("铁西区") == {"铁西"}
    assert short_forms("本溪满族自治县") == {"本溪", "本溪县"}
    assert short_forms("义县") == set()
    assert short_forms("沈北新区") == {"沈北"}
    assert short_forms("阜新蒙古族自治县") == {"阜新", "阜新县"}


@pytest.mark.parametrize(
    ("typed", "county", "code"),
    [
        ("霁虹街道", "210106", "210106019"),
        ("霁虹", "210106", "210106019"),          # without its suffix
        ("霁虹街道办事处", "210106", "210106019"),  # as the office signs
        (" 霁虹　街道 ", "210106", "210106019"),   # spaces, full-width too
    ],
)
def test_town_by_name(places: ReferencePlaces, typed: str, county: str, code: str) -> None:
    town = places.town_by_name(typed, county)
    assert town is not None and town.code == code and town.name == "霁虹街道"


@pytest.mark.parametrize(("typed", "county"), [("霁虹街道", "210102"), ("不存在街道", "210106"), ("", "210106")])
def test_town_by_name_outside_its_county_or_unknown(places: ReferencePlaces, typed: str, county: str) -> None:
    assert places.town_by_name(typed, county) is None


def test_every_shipped_town_and_village_has_a_name(places: ReferencePlaces) -> None:
    data = json.loads((regions.DATA_DIR / "places_liaoning.json").read_text("utf-8"))
    towns, villages = data["towns"], data["villages"]
    assert len(towns) > 1000 and len(villages) > 10000
    for code in (*towns, *villages):
        region = places.region(code)
        assert region is not None and region.name != code and not region.name.isdigit()


async def test_a_place_held_under_its_code_gets_its_name(clean_db: asyncpg.Pool) -> None:
    """A database filled by an older hub (towns named by their code) is renamed at start."""
    async with clean_db.acquire() as conn:
        await conn.execute(
            "insert into regions (code, name, level, parent_code) values"
            " ('210106019', '210106019', 'TOWN', '210106'), ('210106998', '210106998', 'TOWN', '210106')")
        await prepare_database(conn)
        names = dict(await conn.fetch("select code, name from regions where code like '210106%'"
                                      " and level = 'TOWN'"))
    assert names["210106019"] == "霁虹街道"
    assert names["210106998"] == "210106998"  # unknown to the data: the code, as a last resort
