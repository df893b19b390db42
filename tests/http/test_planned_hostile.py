"""Hostile variables on the planner's paths (``schema.plan``, ``schema.plan.direct``),
and a hostile ``Hub-Min-Version``: a client mistake, never a 5xx, never its value back.

A document the planner covers entirely is answered without graphql-core's
execution once it has been seen; these requests come after it has been.
"""

from __future__ import annotations

import json

import asyncpg
import httpx

from schema import plan
from tests.http.conftest import push_items, wenhuayun_items

_LIST = """query List($region: String, $first: Int, $after: String, $search: String) {
  wishes(first: $first, after: $after, filter: {regionCode: $region, search: $search}) {
    totalCount edges { cursor node { id title region { name } claims { team { name } } } }
  }
}"""
_DETAIL = "query Detail($id: ID!) { wish(id: $id) { id title status region { name } } }"

_NUL = "210\x00106"
_SURROGATE = '{"query": %s, "variables": {"region": "\\ud800"}}'
_HUGE = 10**40


async def _post(client: httpx.AsyncClient, query: str, variables: object) -> httpx.Response:
    return await client.post("/graphql", json={"query": query, "variables": variables})


def _refused_without_echo(r: httpx.Response, *echoes: str) -> None:
    assert r.status_code < 500, r.text
    body = r.json()
    assert body.get("errors"), body
    assert all(e["extensions"]["code"] for e in body["errors"])
    for echo in echoes:
        assert echo not in r.text


async def test_hostile_variables_on_a_planned_document_are_client_mistakes(
    client: httpx.AsyncClient, clean_db: asyncpg.Pool,
) -> None:
    await push_items(clean_db, wenhuayun_items(wishes=3))
    for _ in range(2):  # seen, then answered on the direct path
        ok = await _post(client, _LIST, {"region": "210106", "first": 5})
        assert ok.status_code == 200 and "errors" not in ok.json(), ok.text
    direct = plan.COUNTS.direct

    _refused_without_echo(await _post(client, _LIST, {"first": _HUGE}), str(_HUGE))
    _refused_without_echo(await _post(client, _LIST, {"first": -1}))
    _refused_without_echo(await _post(client, _LIST, {"first": 5, "after": "\x00" * 50}))
    _refused_without_echo(await _post(client, _LIST, {"first": 5, "after": "x" * 100_000}),
                          "x" * 100)
    _refused_without_echo(await _post(client, _LIST, {"region": {"a": {"b": {"c": [1]}}}}))
    _refused_without_echo(await _post(client, _DETAIL, {"id": "y" * 100_000}), "y" * 100)
    r = await client.post("/graphql", content=_SURROGATE % json.dumps(_LIST),
                          headers={"content-type": "application/json"})
    assert r.status_code < 500, r.text
    # A region with a NUL or a name-shaped search is an ordinary filter: it
    # finds nothing or what matches, and the answer names no value.
    for variables in ({"region": _NUL, "first": 5}, {"search": "王建国 13812345678", "first": 5}):
        r = await _post(client, _LIST, variables)
        assert r.status_code < 500, r.text
        assert "13812345678" not in r.text
    # The direct path kept answering (or refused) rather than being skipped.
    assert plan.COUNTS.direct > direct

    ok = await _post(client, _LIST, {"region": "210106", "first": 5})
    assert ok.status_code == 200 and "errors" not in ok.json()


_TEAMS = """query Teams($region: String, $search: String, $first: Int, $after: String) {
  teams(first: $first, after: $after, filter: {regionCode: $region, search: $search}) {
    totalCount edges { cursor node { id name region { name } } }
  }
}"""
_STATIONS = """query Stations($region: String, $level: [StationLevel!]) {
  stations(first: 5, filter: {regionCode: $region, level: $level}) { edges { node { id name } } }
}"""


async def test_hostile_filters_on_planned_team_and_station_pages_are_client_mistakes(
    client: httpx.AsyncClient, clean_db: asyncpg.Pool,
) -> None:
    # Their statements are written for the filters a request sets (hub.sql.read.Shape):
    # each set filter's value reaches PostgreSQL as a typed parameter.
    await push_items(clean_db, wenhuayun_items(wishes=3))
    for _ in range(2):  # seen, then answered on the direct path
        for doc, variables in ((_TEAMS, {"first": 5}), (_STATIONS, {})):
            ok = await _post(client, doc, variables)
            assert ok.status_code == 200 and "errors" not in ok.json(), ok.text
    direct = plan.COUNTS.direct
    for variables in ({"region": _NUL}, {"search": "\x00" * 10}, {"region": "9" * 100_000},
                      {"search": "王建国 13812345678"}, {"region": "210106", "search": "%_\\"}):
        r = await _post(client, _TEAMS, {"first": 5, **variables})
        assert r.status_code < 500, r.text
        assert "13812345678" not in r.text and "9" * 100 not in r.text
    _refused_without_echo(await _post(client, _TEAMS, {"first": _HUGE}), str(_HUGE))
    _refused_without_echo(await _post(client, _TEAMS, {"first": 5, "after": "\x00" * 50}))
    _refused_without_echo(await _post(client, _STATIONS, {"level": ["VILLAGE; drop"]}), "drop")
    _refused_without_echo(await _post(client, _STATIONS, {"level": [[["STATION"]]] }))
    r = await _post(client, _STATIONS, {"region": _NUL, "level": ["STATION"] * 1000})
    assert r.status_code < 500, r.text
    assert plan.COUNTS.direct > direct
    ok = await _post(client, _TEAMS, {"first": 5})
    assert ok.status_code == 200 and "errors" not in ok.json()


async def test_a_hostile_min_version_header_is_ignored_not_an_error(
    client: httpx.AsyncClient,
) -> None:
    for header in ("abc", "-1", "9" * 5000, "1e400", "1" * 40):
        r = await client.post("/graphql", json={"query": "{ sources { code } }"},
                              headers={"Hub-Min-Version": header})
        assert r.status_code == 200, (header[:20], r.text)
        assert "errors" not in r.json()
