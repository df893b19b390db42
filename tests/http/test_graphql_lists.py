"""Lists, filters, cursors and ids through the ASGI app, on real PostgreSQL."""

from __future__ import annotations

import asyncpg
import httpx

from tests.http.conftest import StatementLog, gql, push_items, wenhuayun_items

NESTED = """
query($first: Int) {
  wishes(first: $first) {
    edges { node {
      id title status submittedAt
      region { code name }
      station { name }
      source { code }
      claims { claimantName team { name region { name } } }
    } }
  }
}
"""


async def test_nested_wish_page_costs_a_bounded_number_of_statements(
    counted: tuple[httpx.AsyncClient, StatementLog], clean_db: asyncpg.Pool
) -> None:
    client, log = counted
    await push_items(clean_db, wenhuayun_items(wishes=120))

    counts = {}
    for first in (10, 100):
        log.reset()
        body = await gql(client, NESTED, first=first)
        assert "errors" not in body, body
        edges = body["data"]["wishes"]["edges"]
        assert len(edges) == first
        assert all(len(e["node"]["claims"]) == 2 for e in edges)
        assert all(e["node"]["claims"][0]["team"]["region"]["name"] for e in edges)
        counts[first] = len(log.statements)
    # page, sources, stations, claims, teams; counties are reference data in memory
    assert counts[100] == counts[10] <= 6, counts


async def test_pages_follow_cursors_without_gaps_or_repeats(
    client: httpx.AsyncClient, clean_db: asyncpg.Pool
) -> None:
    await push_items(clean_db, wenhuayun_items(wishes=45))
    seen: list[str] = []
    after = None
    query = """query($after: String) { wishes(first: 20, after: $after) {
        totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
        edges { cursor node { id submittedAt } } } }"""
    pages = 0
    while True:
        body = await gql(client, query, after=after)
        conn = body["data"]["wishes"]
        assert conn["totalCount"] == 45
        assert conn["pageInfo"]["hasPreviousPage"] == (after is not None)
        seen += [e["node"]["id"] for e in conn["edges"]]
        pages += 1
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    assert pages == 3
    assert len(seen) == len(set(seen)) == 45


async def test_oldest_first_order(client: httpx.AsyncClient, clean_db: asyncpg.Pool) -> None:
    await push_items(clean_db, wenhuayun_items(wishes=30))
    body = await gql(client, "{ wishes(first: 30, orderBy: SUBMITTED_ASC) { edges { node { submittedAt } } } }")
    times = [e["node"]["submittedAt"] for e in body["data"]["wishes"]["edges"]]
    assert times == sorted(times)
    assert all(t.endswith("+08:00") for t in times)


async def test_first_out_of_range_is_refused_before_any_sql(
    counted: tuple[httpx.AsyncClient, StatementLog],
) -> None:
    client, log = counted
    for first in (101, -1):
        log.reset()
        body = await gql(client, "query($f: Int) { wishes(first: $f) { totalCount } }", f=first)
        assert body["data"] is None
        assert "between 0 and 100" in body["errors"][0]["message"]
        assert log.statements == []


async def test_filters(client: httpx.AsyncClient, clean_db: asyncpg.Pool) -> None:
    await push_items(clean_db, wenhuayun_items(wishes=60))

    async def total(filter_: dict[str, object]) -> int:
        body = await gql(
            client, "query($f: WishFilter) { wishes(filter: $f) { totalCount } }", f=filter_
        )
        assert "errors" not in body, body
        return int(body["data"]["wishes"]["totalCount"])

    assert await total({}) == 60
    assert await total({"regionCode": "210000"}) == 60
    assert await total({"regionCode": "210100"}) == 20  # 沈阳: 210102 and 210106
    assert await total({"regionCode": "210106"}) == 10
    assert await total({"status": ["CLAIMED"]}) == 60
    assert await total({"status": ["OPEN"]}) == 0
    assert await total({"category": ["STUDY_SUPPLIES"], "sourceCode": "wenhuayun"}) == 60
    assert await total({"sourceCode": "shengjing"}) == 0
    assert await total({"search": "书包1"}) == 11  # 1, 10..19
    assert await total({"search": "书包"}) == 60  # two CJK characters: shorter than a trigram
    assert await total({"search": "新"}) == 60
    assert await total({"search": "电梯"}) == 0
    assert await total({"search": "100%"}) == 0  # wildcards are literal
    assert await total({"submittedFrom": "2022-03-10T00:00:00+08:00",
                        "submittedTo": "2022-03-11T00:00:00+08:00"}) == 2
    assert await total({"handlingLevel": "COUNTY"}) == 60


async def test_unknown_region_code_is_a_clear_error(client: httpx.AsyncClient) -> None:
    body = await gql(client, '{ wishes(filter: {regionCode: "abc"}) { totalCount } }')
    assert "regionCode" in body["errors"][0]["message"]


async def test_global_ids_round_trip_through_node(
    client: httpx.AsyncClient, clean_db: asyncpg.Pool
) -> None:
    await push_items(clean_db, wenhuayun_items(wishes=3, teams=2, stations=2))
    body = await gql(client, """{
      wishes(first: 1) { edges { node { id } } }
      teams(first: 1) { edges { node { id } } }
      stations(first: 1) { edges { node { id } } }
      regions(level: CITY) { id }
      sources { id }
    }""")
    data = body["data"]
    ids = [
        data["wishes"]["edges"][0]["node"]["id"],
        data["teams"]["edges"][0]["node"]["id"],
        data["stations"]["edges"][0]["node"]["id"],
        data["regions"][0]["id"],
        data["sources"][0]["id"],
    ]
    for global_id in ids:
        node = await gql(client, "query($id: ID!) { node(id: $id) { id __typename } }", id=global_id)
        assert node["data"]["node"]["id"] == global_id


async def test_bad_cursor_error_shows_no_internals(client: httpx.AsyncClient) -> None:
    body = await gql(client, '{ wishes(after: "bm90LWEtY3Vyc29y") { totalCount } }')
    message = body["errors"][0]["message"]
    assert "cursor" in message
    for leak in ("Traceback", "select", ".py", "asyncpg"):
        assert leak not in message
    assert "extensions" not in body["errors"][0] or "stacktrace" not in str(body)


async def test_first_zero_gives_an_empty_page_that_knows_there_is_more(
    client: httpx.AsyncClient, clean_db: asyncpg.Pool
) -> None:
    await push_items(clean_db, wenhuayun_items(wishes=3, teams=1, stations=1))
    body = await gql(client, "{ wishes(first: 0) { totalCount edges { cursor } pageInfo { hasNextPage endCursor } } }")
    conn = body["data"]["wishes"]
    assert conn["edges"] == []
    assert conn["pageInfo"] == {"hasNextPage": True, "endCursor": None}
    assert conn["totalCount"] == 3


async def test_a_teams_history(client: httpx.AsyncClient, clean_db: asyncpg.Pool) -> None:
    await push_items(clean_db, wenhuayun_items(wishes=20, teams=4, stations=2))
    body = await gql(client, '{ teams(filter: {search: "服务队1"}) { edges { node { id name } } } }')
    team = body["data"]["teams"]["edges"][0]["node"]
    body = await gql(
        client,
        "query($t: ID!) { wishes(filter: {claimedByTeam: $t}) { totalCount edges { node {"
        " claims { team { name } } } } } activities(filter: {team: $t}) { totalCount } }",
        t=team["id"],
    )
    assert "errors" not in body, body
    wishes = body["data"]["wishes"]
    assert wishes["totalCount"] == 5  # wishes 1, 5, 9, 13, 17
    assert all(e["node"]["claims"][0]["team"]["name"] == team["name"] for e in wishes["edges"])
    assert body["data"]["activities"]["totalCount"] == 0
    bad = await gql(client, '{ wishes(filter: {claimedByTeam: "V2lzaDox"}) { totalCount } }')
    assert "not the id of a team" in bad["errors"][0]["message"]
