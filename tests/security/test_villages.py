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
