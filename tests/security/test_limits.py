"""Limits that keep the hub up: depth, aliases, tokens, cost, body size.

Each bomb is refused with a clear message, fast, and before any SQL runs.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest

from hub.app import create_app
from tests.http.conftest import StatementLog, counting_client
from tests.security.conftest import TOKENS, auth, config

# A refusal runs no SQL (asserted exactly) and never reaches execution; the
# bound below only catches a refusal that did the work after all (seconds).
# The ~1 ms figure itself is a benchmark's business: on two busy cores the
# best of three parses of a 2,000-token bomb has taken 50-100 ms.
FAST_SECONDS = 0.5


@pytest.fixture
async def counted(
    database_url: str, clean_db: asyncpg.Pool
) -> AsyncIterator[tuple[httpx.AsyncClient, StatementLog]]:
    async with counting_client(database_url, config(), ("198.51.100.9", 1000)) as counting:
        yield counting


def nested(depth: int) -> str:
    return "{ regions { " + "parent { " * depth + "code" + " }" * depth + " } }"


ALIAS_BOMB = "{ " + " ".join(f"a{i}: __typename" for i in range(200)) + " }"
TOKEN_BOMB = "{ " + " ".join(f"a{i}: sources {{ code name }}" for i in range(3000)) + " }"
COST_BOMB = """{ wishes(first: 100) { edges { node {
  claims { team { region { children { children { code name } } } } } } } } }"""
# Twenty fragments, each spreading the next twice: 2^20 paths if expanded.
FRAGMENT_BOMB = "{ regions { ...F0 } }\n" + "\n".join(
    f"fragment F{i} on Region {{ children {{ ...F{i + 1} }} parent {{ ...F{i + 1} }} }}"
    for i in range(20)
) + "\nfragment F20 on Region { code }"


async def refused(
    client: httpx.AsyncClient, log: StatementLog, payload: dict[str, object] | bytes,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """The best of three timings, each refusal without a statement."""
    timings = []
    response = None
    for _ in range(3):
        log.reset()
        started = time.perf_counter()
        if isinstance(payload, bytes):
            response = await client.post("/graphql", content=payload, headers=headers or {})
        else:
            response = await client.post("/graphql", json=payload, headers=headers or {})
        timings.append(time.perf_counter() - started)
        assert log.statements == [], log.statements
    assert response is not None
    assert min(timings) < FAST_SECONDS, timings
    return response


def message(response: httpx.Response) -> str:
    body = response.json()
    assert "data" not in body or body["data"] is None, body
    return str(body["errors"][0]["message"])


async def warm(client: httpx.AsyncClient) -> None:
    r = await client.post("/graphql", json={"query": "{ __typename }"})
    assert r.status_code == 200, r.text


async def test_depth_bomb(counted: tuple[httpx.AsyncClient, StatementLog]) -> None:
    client, log = counted
    await warm(client)
    r = await refused(client, log, {"query": nested(30)})
    assert message(r) == "The query is nested 32 levels deep; the limit is 10."
    ok = await client.post("/graphql", json={"query": nested(8)})
    assert "errors" not in ok.json(), ok.text


async def test_alias_bomb(counted: tuple[httpx.AsyncClient, StatementLog]) -> None:
    client, log = counted
    await warm(client)
    r = await refused(client, log, {"query": ALIAS_BOMB})
    assert message(r) == "The document uses 200 aliases; the limit is 30."


async def test_token_bomb(counted: tuple[httpx.AsyncClient, StatementLog]) -> None:
    client, log = counted
    await warm(client)
    r = await refused(client, log, {"query": TOKEN_BOMB})
    assert "more than 2000 tokens" in message(r)


async def test_cost_bomb(counted: tuple[httpx.AsyncClient, StatementLog]) -> None:
    client, log = counted
    await warm(client)
    r = await refused(client, log, {"query": COST_BOMB})
    text = message(r)
    # children{code name} 1+20×2=41; children 1+20×41=821; region 822; team 823;
    # claims 1+20×823=16,461; node 16,462; edges 1+100×16,462; wishes +1.
    assert text.startswith("The query could return about 1,646,202 values")
    assert "the limit is 50,000" in text
    assert r.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"


async def test_cost_counts_first_from_variables(
    counted: tuple[httpx.AsyncClient, StatementLog],
) -> None:
    client, log = counted
    query = """query($n: Int) { wishes(first: $n) { edges { node {
        region { children { code name children { code name } } } } } } }"""
    small = await client.post("/graphql", json={"query": query, "variables": {"n": 5}})
    assert "errors" not in small.json(), small.text
    r = await refused(client, log, {"query": query, "variables": {"n": 100}})
    assert "could return about" in message(r)


async def test_fragment_bomb_is_measured_without_expanding_it(
    counted: tuple[httpx.AsyncClient, StatementLog],
) -> None:
    client, log = counted
    await warm(client)
    r = await refused(client, log, {"query": FRAGMENT_BOMB})
    assert "nested 22 levels deep" in message(r)  # regions, 20 fragments, code


async def test_oversized_body(counted: tuple[httpx.AsyncClient, StatementLog]) -> None:
    client, log = counted
    await warm(client)
    body = b'{"query": "{ __typename }", "pad": "' + b"x" * (1024 * 1024) + b'"}'
    r = await refused(client, log, body, {"Content-Type": "application/json"})
    assert r.status_code == 413
    assert message(r) == "The request body is larger than 1,048,576 bytes."

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it comes
        for _ in range(20):
            yield b" " * 65536

    streamed = await client.post("/graphql", content=chunks(),
                                 headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413


async def test_long_query_text_is_refused_before_parsing(
    counted: tuple[httpx.AsyncClient, StatementLog],
) -> None:
    client, log = counted
    query = "#" + "x" * 200_000 + "\n{ __typename }"
    r = await refused(client, log, {"query": query})
    assert r.status_code == 413
    assert "200,016 characters; the limit is 100,000" in message(r)


async def test_an_ordinary_front_end_page_is_within_every_limit(
    counted: tuple[httpx.AsyncClient, StatementLog],
) -> None:
    client, _ = counted
    page = """query($r: String) { wishes(first: 100, filter: { regionCode: $r }) {
      totalCount pageInfo { hasNextPage endCursor }
      edges { cursor node { id title status submittedAt region { code name parent { name } }
        station { name } source { code name } claims { claimantName team { name } } } } } }"""
    r = await client.post("/graphql", json={"query": page, "variables": {"r": "210100"}})
    assert "errors" not in r.json(), r.text


async def test_limits_come_from_the_configuration(clean_db: asyncpg.Pool) -> None:
    cfg = config(security={"limits": {"max_depth": 4, "max_cost": 100, "max_aliases": 1}})
    app = create_app(config=cfg, pool=clean_db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://hub.test") as client:
        deep = await client.post("/graphql", json={"query": nested(3)})
        costly = await client.post(
            "/graphql", json={"query": "{ wishes(first: 60) { edges { cursor node { id } } } }"}
        )
        aliased = await client.post("/graphql", json={"query": "{ a: __typename b: __typename }"},
                                    headers=auth(TOKENS["province"]))
    assert "limit is 4." in message(deep)
    assert "limit is 100." in message(costly)
    assert "limit is 1." in message(aliased)
