"""OpenTelemetry tracing: off by default, spans per operation when configured."""

from __future__ import annotations

import asyncpg
import httpx
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from hub.app import create_app
from hub.config import parse_config
from hub.errors import ConfigError
from tests.ecosystem.conftest import PUBLIC

SPANS = InMemorySpanExporter()


@pytest.fixture(scope="module", autouse=True)
def provider() -> None:
    # The process's one tracer provider: the hub leaves a provider it finds alone.
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(SPANS))
    trace.set_tracer_provider(tracer_provider)


async def run(config_raw: dict[str, object], pool: asyncpg.Pool, query: str) -> None:
    app = create_app(config=parse_config({**PUBLIC.tables, **config_raw}), pool=pool)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        response = await c.post("/graphql", json={"query": query, "variables": {"c": "210100"}})
        assert response.status_code == 200


async def test_tracing_is_off_unless_configured(clean_db: asyncpg.Pool) -> None:
    SPANS.clear()
    await run({}, clean_db, "query Quiet($c: String!) { region(code: $c) { name } }")
    assert SPANS.get_finished_spans() == ()


async def test_configured_tracing_records_the_operation_without_arguments(clean_db: asyncpg.Pool) -> None:
    SPANS.clear()
    await run({"tracing": {"enabled": True}}, clean_db,
              "query Traced($c: String!) { region(code: $c) { name parent { name } } }")
    names = [s.name for s in SPANS.get_finished_spans()]
    assert "GraphQL Query: Traced" in names
    assert "GraphQL Parsing" in names and "GraphQL Validation" in names
    assert "GraphQL Resolving: region" in names
    attributes = [dict(s.attributes or {}) for s in SPANS.get_finished_spans()]
    assert not any(k.startswith("graphql.param.") for a in attributes for k in a)


def test_a_bad_tracing_setting_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"\[tracing\] enabled must be true or false"):
        parse_config({"tracing": {"enabled": "yes"}})
