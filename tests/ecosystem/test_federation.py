"""The hub as an Apollo Federation 2 subgraph: entities, `_service`, and a real
gateway composing it with a second subgraph."""

from __future__ import annotations

import asyncio
import json

import asyncpg
import httpx

from hub import ids
from tests.ecosystem.conftest import HubServer, run_node
from tests.http.conftest import StatementLog, gql, push_items, wenhuayun_items

ENTITY_TYPES = ("Region", "Source", "Station", "Team", "Wish", "Activity")

WISH_ENTITIES = """
query($r: [_Any!]!) {
  _entities(representations: $r) {
    ... on Wish { id title region { name } station { name } source { code }
                  claims { claimantName team { name } } }
  }
}
"""


async def test_service_sdl_declares_the_entities_and_their_keys(client: httpx.AsyncClient) -> None:
    sdl = (await gql(client, "{ _service { sdl } }"))["data"]["_service"]["sdl"]
    assert 'schema @link(url: "https://specs.apollo.dev/federation/v2' in sdl
    for name in ENTITY_TYPES:
        assert f'type {name} implements Node @key(fields: "id")' in sdl, name
    assert '@key(fields: "id") @key(fields: "code")' in sdl


async def test_entities_of_every_type_resolve_by_their_keys(
    client: httpx.AsyncClient, clean_db: asyncpg.Pool
) -> None:
    await push_items(clean_db, wenhuayun_items(wishes=3, teams=2, stations=2))
    page = await gql(client, """{ wishes(first: 1) { edges { node { id station { id } source { id }
        claims { team { id } } } } } }""")
    wish = page["data"]["wishes"]["edges"][0]["node"]
    representations = [
        {"__typename": "Wish", "id": wish["id"]},
        {"__typename": "Station", "id": wish["station"]["id"]},
        {"__typename": "Team", "id": wish["claims"][0]["team"]["id"]},
        {"__typename": "Source", "id": wish["source"]["id"]},
        {"__typename": "Region", "code": "210200"},
        {"__typename": "Region", "id": ids.encode_id("Region", "211400")},
        {"__typename": "Wish", "id": wish["station"]["id"]},  # a Station's id: no such wish
        {"__typename": "Wish", "id": ids.encode_id("Wish", 999999)},
    ]
    body = await gql(client, """query($r: [_Any!]!) { _entities(representations: $r) {
        __typename ... on Node { id } ... on Region { name } ... on Source { code } } }""", r=representations)
    assert "errors" not in body, body
    found = body["data"]["_entities"]
    assert [e and e["__typename"] for e in found] == [
        "Wish", "Station", "Team", "Source", "Region", "Region", None, None]
    assert found[0]["id"] == wish["id"]
    assert found[4]["name"] == "大连市" and found[5]["name"] == "葫芦岛市"
    assert found[3]["code"] == "wenhuayun"


async def test_n_entities_cost_a_bounded_number_of_statements(
    counted: tuple[httpx.AsyncClient, StatementLog], clean_db: asyncpg.Pool
) -> None:
    client, log = counted
    await push_items(clean_db, wenhuayun_items(wishes=60))
    page = await gql(client, "{ wishes(first: 60) { edges { node { id } } } }")
    wish_ids = [e["node"]["id"] for e in page["data"]["wishes"]["edges"]]
    counts = {}
    for n in (3, 60):
        log.reset()
        body = await gql(client, WISH_ENTITIES, r=[{"__typename": "Wish", "id": i} for i in wish_ids[:n]])
        assert "errors" not in body, body
        assert [e["id"] for e in body["data"]["_entities"]] == wish_ids[:n]
        assert all(len(e["claims"]) == 2 for e in body["data"]["_entities"])
        counts[n] = len(log.statements)
    # wishes, sources, stations, claims, teams: one each, whatever N
    print(counts)
    assert counts[60] == counts[3] <= 6, counts


async def test_a_gateway_composes_the_hub_with_another_subgraph(
    hub_server: HubServer, clean_db: asyncpg.Pool
) -> None:
    await push_items(clean_db, wenhuayun_items(wishes=5))
    async with httpx.AsyncClient(base_url=hub_server.url) as http:
        page = await gql(http, "{ wishes(first: 3) { edges { node { id title status region { code name } } } } }")
    wishes = [e["node"] for e in page["data"]["wishes"]["edges"]]

    out = await asyncio.to_thread(
        run_node, "federation.mjs", hub_server.graphql, json.dumps([w["id"] for w in wishes])
    )
    assert "join__graph(name: \"hub\"" in out["supergraph"]
    results = out["results"]
    assert all(r["errors"] is None for r in results.values()), results
    assert results["hubThenNational"]["data"]["region"] == {
        "code": "210100", "name": "沈阳市", "level": "CITY", "registeredVolunteers": 100}
    assert results["nationalThenHub"]["data"]["spotlight"] == wishes
    assert results["roundTrip"]["data"]["spotlight"] == [
        {"title": w["title"], "region": {"name": w["region"]["name"],
                                         "registeredVolunteers": int(w["region"]["code"]) % 1000}}
        for w in wishes
    ]
