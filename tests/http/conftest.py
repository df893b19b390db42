"""Fixtures for tests that go through the ASGI app."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
import httpx
import pytest

from hub import db
from hub.app import create_app
from hub.config import Config, parse_config
from hub.ingest import ingest

CITY_COUNTIES = ["210102", "210106", "210202", "210303", "210521", "211421"]

# Public reads without a key, and no rate limit: these tests are about reads,
# not about who may make them (that is tests/security).
OPEN_CONFIG = parse_config({"public": {"enabled": True}, "security": {"rate_limit": {"enabled": False}}})


@pytest.fixture
async def client(clean_db: asyncpg.Pool) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(config=OPEN_CONFIG, pool=clean_db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as c:
        yield c


# asyncpg's own type introspection, run once per connection and type; the
# response cache's read of the data version (one per request, hub.data_version).
_INTROSPECTION = ("WITH RECURSIVE typeinfo_tree", "SELECT current_setting('jit')",
                  "SELECT set_config('jit'", "SELECT t.oid", "select version from data_version")


class StatementLog:
    """Records the hub's SQL statements on a pool (asyncpg's query logger):
    ``statements`` those that read or write data, ``control`` the transactions'
    and settings' (``BEGIN``, ``COMMIT``, ``set local``: a constant few a
    request, never one per row)."""

    def __init__(self) -> None:
        self.statements: list[str] = []
        self.control: list[str] = []

    def __call__(self, record: Any) -> None:
        text = " ".join(record.query.split())
        if text.startswith(_INTROSPECTION):
            return
        if text.upper().startswith(_CONTROL):
            self.control.append(record.query)
        else:
            self.statements.append(record.query)

    def reset(self) -> None:
        self.statements.clear()
        self.control.clear()


_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "SET LOCAL ")


@contextlib.asynccontextmanager
async def counting_client(
    database_url: str, config: Config, client: tuple[str, int] = ("127.0.0.1", 123)
) -> AsyncIterator[tuple[httpx.AsyncClient, StatementLog]]:
    """A client of the app on a pool of its own whose SQL statements are logged."""
    log = StatementLog()

    async def init(conn: asyncpg.Connection) -> None:
        conn.add_query_logger(log)

    pool = await db.create_pool(database_url, min_size=1, max_size=4, init=init)
    try:
        transport = httpx.ASGITransport(app=create_app(config=config, pool=pool), client=client)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as c:
            yield c, log
    finally:
        await pool.close()


@pytest.fixture
async def counted(
    database_url: str, clean_db: asyncpg.Pool
) -> AsyncIterator[tuple[httpx.AsyncClient, StatementLog]]:
    async with counting_client(database_url, OPEN_CONFIG) as counting:
        yield counting


def wenhuayun_items(wishes: int, teams: int = 10, stations: int = 10) -> list[dict[str, Any]]:
    """Native 文化云 items: stations, teams, and wishes claimed by those teams."""
    items: list[dict[str, Any]] = []
    for i in range(stations):
        items.append({
            "entity": "station", "station_id": f"ST-{i}", "name": f"第{i}新时代文明实践站",
            "level": "站", "parent_id": None, "division_code": CITY_COUNTIES[i % 6],
            "port_id": "P001", "updated_at": "2022-03-01T08:00:00+08:00", "deleted": False,
        })
    for i in range(teams):
        items.append({
            "entity": "team", "team_id": f"T-{i}", "name": f"爱心志愿服务队{i}",
            "service_type": "扶危帮困", "station_id": f"ST-{i % stations}",
            "division_code": CITY_COUNTIES[i % 6], "member_count": 10 + i,
            "updated_at": "2022-03-01T08:00:00+08:00", "deleted": False,
        })
    for i in range(wishes):
        day = 1 + i % 28
        items.append({
            "entity": "wish", "wish_id": f"WS-{i:04d}", "title": f"想要一个新书包{i}",
            "wish_type": "学习用品", "goods_or_service": "实物", "target_group": "留守儿童",
            "target_name": "张某某", "division_code": CITY_COUNTIES[i % 6],
            "station_id": f"ST-{i % stations}" if stations else None,
            "state": "已认领" if teams else "待认领",
            "submit_time": f"2022-03-{day:02d}T{i % 24:02d}:00:00+08:00",
            "claim_time": f"2022-03-{day:02d}T23:30:00+08:00" if teams else None,
            "done_time": None,
            "claimers": [
                {"kind": "队伍", "name": f"爱心志愿服务队{i % teams}", "team_id": f"T-{i % teams}"},
                {"kind": "志愿者", "name": "李某某", "team_id": None},
            ] if teams else [],
            "origin": None, "updated_at": "2022-03-28T08:00:00+08:00", "deleted": False,
        })
    return items


async def push_items(pool: asyncpg.Pool, items: list[dict[str, Any]]) -> None:
    body = json.dumps({"code": 0, "items": items}, ensure_ascii=False).encode()
    report = await ingest(pool, "wenhuayun", body)
    assert report.rejected == 0, report.errors


GraphQL = Callable[..., Any]


async def gql(client: httpx.AsyncClient, query: str, **variables: Any) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
