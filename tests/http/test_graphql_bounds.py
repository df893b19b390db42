"""Every request is bounded: ranges and counts checked before SQL, a cost that
counts what drives the work, a deadline, a statement timeout, a size cap."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator

import asyncpg
import httpx
from graphql import parse

from hub import db
from hub.app import create_app
from hub.config import Config, parse_config
from hub.security.cost import operation_cost
from hub.security.limits import fragments_of, operations_of
from schema.schema import schema
from tests.http.conftest import OPEN_CONFIG, StatementLog, push_items, wenhuayun_items

_WORST_SERIES = ('{ statsSeries(granularity: DAY, filter: {from: "0001-01-01", to: "9999-12-31"}) '
                 "{ start stats { wishes { submitted } } } }")


def _config(**graphql: object) -> Config:
    return parse_config({**OPEN_CONFIG.tables, "graphql": graphql})


def _cost(query: str, **variables: object) -> int:
    document = parse(query)
    return operation_cost(schema._schema, operations_of(document)[0], fragments_of(document),
                          variables, list_size=20, max_first=100)


async def test_the_worst_series_is_refused_before_any_sql(
    counted: tuple[httpx.AsyncClient, StatementLog],
) -> None:
    client, log = counted
    for granularity in ("DAY", "WEEK", "MONTH", "YEAR"):
        log.reset()
        query = _WORST_SERIES.replace("DAY", granularity)
        r = await client.post("/graphql", json={"query": query})
        error = r.json()["errors"][0]
        assert error["extensions"]["code"] == "BAD_USER_INPUT", error
        assert "between 1900-01-01 and 2200-01-01" in error["message"]
        assert log.statements == []


async def test_a_series_has_at_most_a_thousand_points(
    counted: tuple[httpx.AsyncClient, StatementLog],
) -> None:
    client, log = counted
    ok = '{ statsSeries(granularity: DAY, filter: {from: "2024-01-01", to: "2026-09-27"}) { start } }'
    over = ok.replace("2026-09-27", "2026-09-28")
    r = await client.post("/graphql", json={"query": ok})
    points = [p["start"] for p in r.json()["data"]["statsSeries"]]
    # Completed in slices of 250 (schema.executor.SLICE): all there, in order.
    first = dt.date(2024, 1, 1)
    assert points == [(first + dt.timedelta(days=i)).isoformat() for i in range(1000)]
    log.reset()
    r = await client.post("/graphql", json={"query": over})
    error = r.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "would have 1,001 points; the limit is 1,000" in error["message"]
    assert log.statements == []


def test_cost_counts_series_points_and_region_rows() -> None:
    series = ('query($to: Date) { statsSeries(granularity: DAY, filter: {from: "2026-01-01", '
              "to: $to}) { start } }")
    assert _cost(series, to="2026-04-11") == 1 + 100
    assert _cost(series) == 1 + 1000  # no end: as many points as a series may have
    years = "{ statsSeries(granularity: YEAR) { start } }"
    assert _cost(years) == 1 + 300  # 1900 to 2200
    villages = ('{ statsByRegion(level: VILLAGE, filter: {regionCode: "210100"}) '
                "{ region { code } } }")
    assert _cost(villages) == 1 + 2703 * 2
    all_villages = "{ statsByRegion(level: VILLAGE) { region { code } stats { teams } } }"
    assert _cost(all_villages) == 1 + 16727 * 4


async def test_a_costly_series_is_refused(client: httpx.AsyncClient) -> None:
    fields = "start stats { wishes { submitted open claimed fulfilled cancelled } " \
             "activities { activities sessions volunteerAttendances beneficiaries } teams }"
    query = "{ " + " ".join(
        f'a{i}: statsSeries(granularity: DAY, filter: {{from: "2024-01-01", to: "2026-09-27"}}) '
        f"{{ {fields} }}" for i in range(4)) + " }"
    r = await client.post("/graphql", json={"query": query})
    assert r.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"


@contextlib.asynccontextmanager
async def _locked_wishes(pool: asyncpg.Pool) -> AsyncIterator[None]:
    """Reads of wishes wait on a lock until the block ends (a statement that runs long)."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("lock table wishes in access exclusive mode")
        yield


async def test_a_request_past_its_deadline_is_cancelled(clean_db: asyncpg.Pool) -> None:
    await push_items(clean_db, wenhuayun_items(wishes=3))
    app = create_app(config=_config(deadline_seconds=0.5), pool=clean_db)
    transport = httpx.ASGITransport(app=app)
    query = {"query": "{ wishes { totalCount edges { node { title } } } }"}
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
        async with _locked_wishes(clean_db):
            r = await client.post("/graphql", json=query)
            health = await client.get("/healthz")
        assert r.status_code == 200
        error = r.json()["errors"][0]
        assert error["extensions"]["code"] == "TIMEOUT", error
        assert "ran longer than 0.5 s" in error["message"]
        assert health.status_code == 200
        # The cancelled statement left no connection behind in a bad state.
        for _ in range(clean_db.get_max_size() + 1):
            r = await client.post("/graphql", json=query)
            assert r.json()["data"]["wishes"]["totalCount"] == 3, r.text


async def test_a_statement_past_statement_timeout_is_a_timeout(
    database_url: str, clean_db: asyncpg.Pool
) -> None:
    pool = await db.create_pool(database_url, min_size=1, max_size=2, statement_timeout=0.3)
    try:
        app = create_app(config=_config(deadline_seconds=30), pool=pool)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
            async with _locked_wishes(clean_db):
                r = await asyncio.wait_for(
                    client.post("/graphql", json={"query": "{ wishes { totalCount } }"}), 10)
            error = r.json()["errors"][0]
            assert error["extensions"]["code"] == "TIMEOUT", error
            assert "statement" not in r.text.lower() or "longer than the hub allows" in r.text
            assert "canceling" not in r.text  # PostgreSQL's own words stay inside
    finally:
        await pool.close()


async def test_an_answer_over_the_size_cap_is_refused(clean_db: asyncpg.Pool) -> None:
    app = create_app(config=_config(max_response_bytes=2000), pool=clean_db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
        small = await client.post("/graphql", json={"query": "{ regions(level: CITY) { code } }"})
        large = await client.post("/graphql",
                                  json={"query": "{ regions(level: COUNTY) { code name } }"})
    assert "errors" not in small.json()
    body = large.json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "RESPONSE_TOO_LARGE"
    assert "the limit is 2,000" in body["errors"][0]["message"]


async def test_a_long_list_through_resolvers_is_whole_and_in_order(
    clean_db: asyncpg.Pool, client: httpx.AsyncClient
) -> None:
    """300 points with a resolver field each (graphql-core's path, sliced by 250)."""
    await push_items(clean_db, wenhuayun_items(wishes=6))
    query = ('{ statsSeries(granularity: DAY, filter: {from: "2022-01-01", to: "2022-10-28"}) '
             "{ start stats { wishes { submitted late: overdue(days: 0) } } } }")
    r = await client.post("/graphql", json={"query": query})
    body = r.json()
    assert "errors" not in body, body
    points = body["data"]["statsSeries"]
    first = dt.date(2022, 1, 1)
    assert [p["start"] for p in points] == [
        (first + dt.timedelta(days=i)).isoformat() for i in range(300)]
    assert sum(p["stats"]["wishes"]["submitted"] for p in points) == 6
    assert all(isinstance(p["stats"]["wishes"]["late"], int) for p in points)
