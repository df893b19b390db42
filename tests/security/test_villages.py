"""A beneficiary's exact village: city and province keys see it, others the town."""

from __future__ import annotations

import asyncpg
import pytest

from tests.http.conftest import push_items, wenhuayun_items
from tests.security.conftest import TOKENS, config, hub_client, post

VILLAGE, TOWN = "210521100201", "210521100"


@pytest.fixture
async def village_wish(clean_db: asyncpg.Pool) -> asyncpg.Pool:
    items = wenhuayun_items(wishes=2)
    for item in items:
        if item["entity"] == "wish":
            item["division_code"] = VILLAGE
    await push_items(clean_db, items)
    return clean_db


@pytest.mark.parametrize(("caller", "shown"), [
    ("province", VILLAGE), ("city", VILLAGE), ("viewer", TOWN), (None, TOWN),
])
async def test_wish_region_is_the_town_for_public_readers(
    village_wish: asyncpg.Pool, caller: str | None, shown: str
) -> None:
    token = TOKENS[caller] if caller else None
    async with hub_client(village_wish, config()) as client:
        r = await post(client, "{ wishes { edges { node { region { code level } } } } }", token)
    regions = [e["node"]["region"] for e in r.json()["data"]["wishes"]["edges"]]
    assert regions and all(x["code"] == shown for x in regions), regions
    assert all(x["level"] == ("VILLAGE" if shown == VILLAGE else "TOWN") for x in regions)


async def test_village_filters_need_an_operator_key(village_wish: asyncpg.Pool) -> None:
    by_village = "query($r: String) { wishes(filter: { regionCode: $r }) { totalCount } }"
    grouped = "{ statsByRegion(level: VILLAGE) { region { code } } }"
    async with hub_client(village_wish, config()) as client:
        public = await post(client, by_village, None, r=VILLAGE)
        viewer = await post(client, by_village, TOKENS["viewer"], r=VILLAGE)
        town = await post(client, by_village, None, r=TOWN)
        grouped_public = await post(client, grouped, None)
        city = await post(client, by_village, TOKENS["city"], r=VILLAGE)
    for refused in (public, viewer, grouped_public):
        error = refused.json()["errors"][0]
        assert error["extensions"]["code"] == "FORBIDDEN", error
        assert "by village needs a city or province key" in error["message"]
    assert town.json()["data"]["wishes"]["totalCount"] == 2
    assert city.json()["data"]["wishes"]["totalCount"] == 2


VILLAGE_STATION = "安泰村新时代文明实践站"
VILLAGE_NAME_PART = "安泰村"


@pytest.fixture
async def village_station(clean_db: asyncpg.Pool) -> asyncpg.Pool:
    """A wish collected by a station in a village, and a team based there."""
    items = wenhuayun_items(wishes=1, teams=1, stations=1)
    for item in items:
        item["division_code"] = VILLAGE
        if item["entity"] == "station":
            item["name"] = VILLAGE_STATION
    await push_items(clean_db, items)
    return clean_db


_EVERY_PATH = """
query($station: ID!) {
  wishes { edges { node { region { code } station { id name level region { code name level } } } } }
  stations { edges { node { name region { code } } } }
  teams { edges { node { region { code } station { name region { code } } } } }
  node(id: $station) { ... on Station { name region { code } } }
  _entities(representations: [{__typename: "Station", id: $station}]) {
    ... on Station { name region { code } }
  }
}
"""


@pytest.mark.parametrize("caller", [None, "viewer"])
async def test_no_path_shows_a_village_to_public_readers(
    village_station: asyncpg.Pool, caller: str | None
) -> None:
    token = TOKENS[caller] if caller else None
    async with hub_client(village_station, config()) as client:
        first = await post(client, "{ stations { edges { node { id } } } }", token)
        station_id = first.json()["data"]["stations"]["edges"][0]["node"]["id"]
        r = await post(client, _EVERY_PATH, token, station=station_id)
    body = r.json()
    assert "errors" not in body, body
    text = r.text
    assert VILLAGE not in text and VILLAGE_NAME_PART not in text, text
    station = body["data"]["wishes"]["edges"][0]["node"]["station"]
    assert station["region"] == {"code": TOWN, "name": station["region"]["name"], "level": "TOWN"}
    assert station["name"] == "新时代文明实践站" and station["level"] == "STATION"
    assert body["data"]["node"] == {"name": "新时代文明实践站", "region": {"code": TOWN}}
    assert body["data"]["_entities"] == [body["data"]["node"]]


async def test_operators_see_the_village_station(village_station: asyncpg.Pool) -> None:
    query = "{ wishes { edges { node { station { name region { code } } } } } }"
    async with hub_client(village_station, config()) as client:
        r = await post(client, query, TOKENS["city"])
    station = r.json()["data"]["wishes"]["edges"][0]["node"]["station"]
    assert station == {"name": VILLAGE_STATION, "region": {"code": VILLAGE}}


@pytest.mark.parametrize("field", ["stations", "teams", "activities"])
async def test_lists_by_village_need_an_operator_key(
    village_station: asyncpg.Pool, field: str
) -> None:
    query = f"query($r: String) {{ {field}(filter: {{ regionCode: $r }}) {{ totalCount }} }}"
    async with hub_client(village_station, config()) as client:
        public = await post(client, query, None, r=VILLAGE)
        city = await post(client, query, TOKENS["city"], r=VILLAGE)
    error = public.json()["errors"][0]
    assert error["extensions"]["code"] == "FORBIDDEN" and VILLAGE not in error["message"]
    assert "errors" not in city.json()
