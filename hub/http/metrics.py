"""``GET /metrics``: the Prometheus text exposition (``hub.observability.metrics``).

Besides what the processes recorded, each scrape reads three things from the
database (two small statements): ``hub_database_up``, per source that has
delivered, ``hub_source_sync_lag_seconds`` (time since its last successful
delivery or sync run), and ``hub_places_named_by_code`` (towns and villages
shown by their code, which no name is known for). Reading them here rather than counting them in the
process that synced keeps them right with several workers and with
``hub sync`` running as its own process.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

import asyncpg
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.errors import DatabaseError
from hub.observability import metrics
from hub.sql import ops as q

log = logging.getLogger("hub.http.metrics")

DB_TIMEOUT_SECONDS = 2.0


async def metrics_endpoint(request: Request) -> Response:
    pool: asyncpg.Pool = request.app.state.pool
    metrics.sample_pool(pool)
    body = metrics.render() + generate_latest(_Fixed(await _database_series(pool)).registry())
    return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})


async def _database_series(pool: asyncpg.Pool) -> list[Metric]:
    up = GaugeMetricFamily("hub_database_up", "1 when the database answered this scrape, else 0.")
    lag = GaugeMetricFamily(
        "hub_source_sync_lag_seconds",
        "Seconds since the source's last successful delivery or sync run.",
        labels=["source"],
    )
    try:
        async with asyncio.timeout(DB_TIMEOUT_SECONDS):
            rows = await pool.fetch(q.SOURCE_SYNC_LAG)
            numbered = await pool.fetchval(q.PLACES_NAMED_BY_CODE)
    except (TimeoutError, OSError, DatabaseError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        log.warning("metrics: the database does not answer (%s)", type(exc).__name__)
        up.add_metric([], 0)
        return [up]
    up.add_metric([], 1)
    for row in rows:
        if row["lag_seconds"] is not None:
            lag.add_metric([row["code"]], max(0.0, row["lag_seconds"]))
    places = GaugeMetricFamily(
        "hub_places_named_by_code",
        "Towns and villages neither the reference data nor their source named: shown by their code.",
    )
    places.add_metric([], float(numbered))
    return [up, lag, places]


class _Fixed(Collector):
    """Metric families computed for one scrape."""

    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    def collect(self) -> Iterable[Metric]:
        return self._families

    def registry(self) -> CollectorRegistry:
        registry = CollectorRegistry(auto_describe=False)
        registry.register(self)
        return registry


routes: list[Route] = [Route("/metrics", metrics_endpoint, methods=["GET"])]
