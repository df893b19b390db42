"""Regions and sources as a front-end sees them."""

from __future__ import annotations

import asyncpg
import httpx

import adapters
from tests.http.conftest import gql, push_items, wenhuayun_items


async def test_the_fourteen_cities(client: httpx.AsyncClient) -> None:
    body = await gql(client, "{ regions(level: CITY) { code name level parent { code } } }")
    cities = body["data"]["regions"]
    assert [c["code"] for c in cities] == [f"21{n:02d}00" for n in range(1, 15)]
    assert cities[0]["name"] == "沈阳市" and cities[-1]["name"] == "葫芦岛市"
    assert {c["parent"]["code"] for c in cities} == {"210000"}


async def test_region_tree_down_to_villages_named_by_records(
    client: httpx.AsyncClient, clean_db: asyncpg.Pool
) -> None:
    items = wenhuayun_items(wishes=1, teams=0, stations=0)
    items[0]["division_code"] = "210521100201"
    await push_items(clean_db, items)
    body = await gql(client, """{
      region(code: "210521100201") { level name parent { code level parent { code name } } }
      county: region(code: "210521") { children { code level } }
      liaoning: region(code: "210000") { parent { code } children { code } }
      wishes(filter: {regionCode: "210521100"}) { totalCount edges { node { region { code } } } }
    }""")
    data = body["data"]
    village = data["region"]
    assert village["level"] == "VILLAGE"
    assert village["parent"] == {
        "code": "210521100", "level": "TOWN", "parent": {"code": "210521", "name": "本溪满族自治县"}
    }
    assert {"code": "210521100", "level": "TOWN"} in data["county"]["children"]
    assert data["liaoning"]["parent"] is None
    assert len(data["liaoning"]["children"]) == 14
    assert data["wishes"]["totalCount"] == 1


async def test_sources_show_scope_and_counts(
    client: httpx.AsyncClient, clean_db: asyncpg.Pool
) -> None:
    body = await gql(client, "{ sources { code name health scope { code } recordsAccepted } }")
    sources = {s["code"]: s for s in body["data"]["sources"]}
    assert set(sources) == set(adapters.REGISTRY)
    assert sources["shengjing"]["scope"]["code"] == "210100"
    assert sources["wenhuayun"]["health"] == "NEVER_SYNCED"

    await push_items(clean_db, wenhuayun_items(wishes=3, teams=1, stations=1))
    body = await gql(client, "{ sources { code health lastReceivedAt recordsAccepted } }")
    wenhuayun = next(s for s in body["data"]["sources"] if s["code"] == "wenhuayun")
    assert wenhuayun["health"] == "HEALTHY"
    assert wenhuayun["recordsAccepted"] == 5
    assert wenhuayun["lastReceivedAt"].endswith("+08:00")


async def test_deleted_records_are_gone_from_lists(
    client: httpx.AsyncClient, clean_db: asyncpg.Pool
) -> None:
    items = wenhuayun_items(wishes=4, teams=1, stations=1)
    await push_items(clean_db, items)
    gone = dict(items[-1], deleted=True, updated_at="2022-03-29T08:00:00+08:00")
    await push_items(clean_db, [gone])
    body = await gql(client, "{ wishes { totalCount edges { node { sourceId } } } }")
    ids = [e["node"]["sourceId"] for e in body["data"]["wishes"]["edges"]]
    assert body["data"]["wishes"]["totalCount"] == 3
    assert gone["wish_id"] not in ids


async def test_an_escalation_survives_the_platforms_next_version(
    client: httpx.AsyncClient, clean_db: asyncpg.Pool
) -> None:
    items = wenhuayun_items(wishes=2, teams=1, stations=1)
    await push_items(clean_db, items)
    wish = items[-1]
    await clean_db.execute(
        "update wishes set handling_level = 'CITY' where source_id = $1", wish["wish_id"]
    )
    await push_items(clean_db, [dict(wish, state="已实现", updated_at="2022-03-30T08:00:00+08:00")])
    body = await gql(client, '{ wishes(filter: {handlingLevel: CITY}) { edges { node { sourceId status } } } }')
    assert [e["node"] for e in body["data"]["wishes"]["edges"]] == [
        {"sourceId": wish["wish_id"], "status": "FULFILLED"}
    ]
