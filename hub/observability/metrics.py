"""The hub's Prometheus series, and the helpers other modules record through.

Series (all prefixed ``hub_``):

- ``requests_total`` and ``request_duration_seconds`` by ``endpoint``
  (graphql, ingest, health, metrics, graphiql, other), ``operation`` (the
  GraphQL operation name, ``anonymous``, or ``-`` off /graphql) and
  ``outcome`` (ok, graphql_error, request_error, client_error, server_error);
- ``graphql_resolver_errors_total`` by ``operation`` and ``kind`` (client:
  the hub refused an argument; internal: a bug or a database failure);
- ``db_pool_connections`` by ``state`` (in_use, idle, max) and
  ``db_pool_waiting`` (requests queued for a connection);
- ``ingest_records_total`` by ``source`` and ``outcome`` (accepted,
  duplicate, rejected) and ``ingest_deliveries_total`` by ``source``, ``via``
  and ``outcome`` (stored, unreadable, failed);
- ``response_cache_total`` by ``outcome`` (hit, miss, skip) and
  ``reads_total`` by ``database`` (primary, replica): ``hub.response_cache``,
  ``hub.replicas``;
- ``source_sync_lag_seconds`` by ``source``: read from the database at each
  scrape (see ``hub.http.metrics``), so it is right whichever process synced;
- ``event_loop_lag_seconds``: how late each worker's event loop runs a timer
  due every 0.1 s, and ``gc_pause_seconds`` by ``generation``: each garbage
  collection's pause (``runtime_sampler``). A slow answer's time is either
  the database's, the loop's (other requests' callbacks, a collection, the
  process waiting for a CPU) or its own; these two tell the loop's share.

Multi-worker: when ``PROMETHEUS_MULTIPROC_DIR`` is set before this module is
imported (``hub serve --workers N`` sets it), every process writes its values
to files there and a scrape from any worker adds them up. A ``hub sync
--watch`` given the same directory shows its ingest counts there too.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import re
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

# prometheus-client opens its files as soon as a metric exists: the directory
# must be there first (a fresh temp dir, or one an operator named).
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    values,
)
from prometheus_client import multiprocess as _mp

MULTIPROCESS: bool = values.ValueClass is not values.MutexValue

REGISTRY = CollectorRegistry(auto_describe=True)

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter(
    "hub_requests_total",
    "HTTP requests answered, by endpoint, GraphQL operation name and outcome.",
    ["endpoint", "operation", "outcome"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "hub_request_duration_seconds",
    "Time from the request's arrival to the end of its response.",
    ["endpoint", "operation", "outcome"],
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
RESOLVER_ERRORS = Counter(
    "hub_graphql_resolver_errors_total",
    "Errors raised while resolving fields (kind: client = a refused argument, internal = a fault).",
    ["operation", "kind"],
    registry=REGISTRY,
)
POOL_CONNECTIONS = Gauge(
    "hub_db_pool_connections",
    "Database pool connections by state (summed over live workers).",
    ["state"],
    multiprocess_mode="livesum",
    registry=REGISTRY,
)
POOL_WAITING = Gauge(
    "hub_db_pool_waiting",
    "Requests waiting for a database connection (summed over live workers).",
    multiprocess_mode="livesum",
    registry=REGISTRY,
)
INGEST_RECORDS = Counter(
    "hub_ingest_records_total",
    "Platform records received, by source and outcome (accepted, duplicate, rejected).",
    ["source", "outcome"],
    registry=REGISTRY,
)
INGEST_DELIVERIES = Counter(
    "hub_ingest_deliveries_total",
    "Deliveries (pushed bodies, pulled pages) by source, way and outcome (stored, unreadable, failed).",
    ["source", "via", "outcome"],
    registry=REGISTRY,
)
RESPONSE_CACHE = Counter(
    "hub_response_cache_total",
    "GraphQL requests by what the response cache did: hit, miss, skip (not cacheable).",
    ["outcome"],
    registry=REGISTRY,
)
LOOP_LAG = Histogram(
    "hub_event_loop_lag_seconds",
    "How late the event loop ran a timer due every 0.1 s (busy with other callbacks or off the CPU).",
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
    registry=REGISTRY,
)
GC_PAUSES = Histogram(
    "hub_gc_pause_seconds",
    "Garbage collections by generation, by how long each held the process.",
    ["generation"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1),
    registry=REGISTRY,
)
READS = Counter(
    "hub_reads_total",
    "Query operations by the database that answered them: primary or replica.",
    ["database"],
    registry=REGISTRY,
)

# Operation names come from clients: only well-formed ones become label
# values, and only so many per process, so a client cannot blow up the series.
_NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]{0,63}$")
MAX_OPERATION_NAMES = 200
_names: set[str] = set()
_names_lock = threading.Lock()


def operation_label(name: str | None) -> str:
    if not name:
        return "anonymous"
    if not _NAME.match(name):
        return "other"
    if name in _names:
        return name
    with _names_lock:
        if len(_names) >= MAX_OPERATION_NAMES:
            return "other"
        _names.add(name)
    return name


def observe_request(endpoint: str, operation: str, outcome: str, seconds: float) -> None:
    REQUESTS.labels(endpoint, operation, outcome).inc()
    LATENCY.labels(endpoint, operation, outcome).observe(seconds)


def resolver_errors(operation: str, kind: str, n: int = 1) -> None:
    RESOLVER_ERRORS.labels(operation, kind).inc(n)


def response_cache(outcome: str) -> None:
    RESPONSE_CACHE.labels(outcome).inc()


def read_from(database: str) -> None:
    READS.labels(database).inc()


def ingest_records(source: str, outcome: str, n: int) -> None:
    """Count ``n`` records of ``source`` that ended as ``outcome``."""
    if n:
        INGEST_RECORDS.labels(source, outcome).inc(n)


def ingest_delivery(source: str, via: str, outcome: str) -> None:
    INGEST_DELIVERIES.labels(source, via, outcome).inc()


def sample_pool(pool: Any) -> None:
    """Copy an asyncpg pool's state into the pool gauges."""
    size = pool.get_size()
    idle = pool.get_idle_size()
    POOL_CONNECTIONS.labels("in_use").set(size - idle)
    POOL_CONNECTIONS.labels("idle").set(idle)
    POOL_CONNECTIONS.labels("max").set(pool.get_max_size())
    POOL_WAITING.set(_waiting(pool))


def _waiting(pool: Any) -> int:
    # asyncpg has no public count of acquirers waiting; its holder queue is an
    # asyncio.Queue whose pending getters are exactly those.
    queue = getattr(pool, "_queue", None)
    getters = getattr(queue, "_getters", ())
    return sum(1 for waiter in getters if not waiter.done())


@contextlib.asynccontextmanager
async def pool_sampler(pool: Any, every: float = 2.0) -> AsyncIterator[None]:
    """Keep the pool gauges fresh while the app runs.

    A scrape samples the pool of the worker that answers it; with several
    workers the others' values come from their files, so each refreshes them.
    """

    async def loop() -> None:
        while True:
            sample_pool(pool)
            await asyncio.sleep(every)

    task = asyncio.create_task(loop()) if MULTIPROCESS else None
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            # A stopped worker's connections are no longer in use anywhere.
            _mp.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


def render() -> bytes:
    """The text exposition of every series recorded in this process (or, in
    multi-worker mode, in every process sharing the directory)."""
    if MULTIPROCESS:
        registry = CollectorRegistry()
        _mp.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)


_LAG_EVERY = 0.1


@contextlib.asynccontextmanager
async def runtime_sampler() -> AsyncIterator[None]:
    """Record the loop's lag and the collector's pauses while the app runs."""
    started = [0.0]
    # A collection can start inside prometheus-client's own (non-reentrant)
    # lock: the callback only notes the pause, the loop below records it.
    pauses: list[tuple[int, float]] = []

    def on_gc(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        elif started[0] and len(pauses) < 10_000:
            pauses.append((info["generation"], time.perf_counter() - started[0]))

    async def loop() -> None:
        while True:
            due = time.perf_counter() + _LAG_EVERY
            await asyncio.sleep(_LAG_EVERY)
            LOOP_LAG.observe(max(0.0, time.perf_counter() - due))
            noted = len(pauses)
            for generation, seconds in pauses[:noted]:
                GC_PAUSES.labels(str(generation)).observe(seconds)
            del pauses[:noted]

    gc.callbacks.append(on_gc)
    task = asyncio.create_task(loop())
    try:
        yield
    finally:
        gc.callbacks.remove(on_gc)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
