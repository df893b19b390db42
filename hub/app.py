"""The ASGI application: its routes, and a lifespan that owns the pool."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Route, WebSocketRoute
from strawberry.schema.base import BaseSchema

from hub import data_version, db, events, wishlist_jobs
from hub.config import Config, load_config, replica_urls
from hub.dashboard.routes import routes as dashboard_routes
from hub.graphiql import graphiql_assets_mount
from hub.http import health, ingest
from hub.http import metrics as metrics_http
from hub.http.graphql import graphql_app
from hub.http.keepalive import KeepAliveLimit
from hub.http.subscriptions import subscriptions_app
from hub.http.unavailable import DatabaseUnavailableGuard
from hub.observability import logs, metrics, tracing
from hub.observability.requests import RequestObserver
from hub.prewarm import prewarm_once
from hub.replicas import Replicas
from hub.security.gate import security_middleware
from hub.security.runtime import Security
from hub.stats import warm as warm_statistics
from hub.stats_refresh import keep_medians_fresh

_POOL_SIZE = 10


def create_app(*, config: Config | None = None, pool: asyncpg.Pool | None = None) -> Starlette:
    """The hub. With ``pool`` given (tests), the caller owns it; otherwise the
    lifespan opens one on ``DATABASE_URL`` or the embedded server and closes it."""

    cfg = config if config is not None else load_config()
    refresh_every = cfg.statistics.refresh_medians_seconds  # 0: off, figures stay exact
    # A backstop behind the GraphQL deadline, for every statement of the
    # server's pool: reads, pushes, the medians' refresh.
    statement_timeout = cfg.database.statement_timeout_seconds

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if pool is not None:
            app.state.pool = pool
            replicas = _watch_data_version(app, pool, cfg)
            try:
                async with metrics.pool_sampler(pool), metrics.runtime_sampler():
                    yield
            finally:
                await events.close_app(app)
                if replicas is not None:
                    await replicas.close()
            return
        url = await db.resolve_url()
        # Every connection opened and warmed at start, and kept: asyncpg's pool
        # hands them out in turn, and a new backend's first statistics query
        # loads its catalog caches and plans (about 20 ms more than a warm one).
        app.state.pool = await db.create_pool(
            url, min_size=_POOL_SIZE, max_size=_POOL_SIZE, init=warm_statistics,
            max_inactive_connection_lifetime=0, statement_timeout=statement_timeout)
        background: list[asyncio.Task[Any]] = [
            asyncio.create_task(prewarm_once(app.state.pool)),
            asyncio.create_task(events.keep_pruned(app.state.pool)),
        ]
        if refresh_every > 0:
            background.append(asyncio.create_task(
                keep_medians_fresh(app.state.pool, interval=refresh_every)))
        background += wishlist_jobs.start(app.state.pool, cfg)
        replicas = _watch_data_version(app, app.state.pool, cfg)
        # What exists now (the schema, modules, the pool) lives as long as the
        # process: out of the collector's way, a full collection during a
        # large answer costs ~1 ms instead of ~20.
        gc.collect()
        gc.freeze()
        try:
            async with metrics.pool_sampler(app.state.pool), metrics.runtime_sampler():
                yield
        finally:
            await events.close_app(app)
            if replicas is not None:
                await replicas.close()
            for task in background:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await app.state.pool.close()

    security = Security.from_config(cfg)  # keys, roles, limits: a bad one fails here
    schema = _schema(cfg)
    endpoint = graphql_app(schema, config=cfg)
    routes: list[BaseRoute] = [
        Route("/graphql", endpoint, methods=["GET", "POST"]),
        # Subscriptions (graphql-transport-ws) on the same path.
        WebSocketRoute("/graphql", subscriptions_app(schema, security)),
        graphiql_assets_mount(),
        *dashboard_routes(),
        *ingest.routes,
        *health.routes,
        *metrics_http.routes,
    ]
    wishlist_jobs.check(cfg)  # callbacks, escalation: likewise
    app = Starlette(routes=routes, middleware=_middleware(cfg, security), lifespan=lifespan)
    app.state.config = cfg
    app.state.security = security
    app.state.response_cache = endpoint.reads.cache
    if pool is not None:
        app.state.pool = pool
    return app


def _watch_data_version(
    app: Starlette, pool: asyncpg.Pool, config: Config
) -> Replicas | None:
    """The process's data version, told by its one listening connection to the
    response cache (entries go when it moves) and to the replicas (started here)."""
    cache = app.state.response_cache
    urls = replica_urls()
    if cache is None and not urls:
        return None
    versions = data_version.of_app(app, pool)
    if cache is not None:
        cache.watch(versions)
    events.of_app(app, pool).watch_versions(versions)
    if not urls:
        return None
    replicas = app.state.replicas = Replicas(urls, config.replicas, versions)
    replicas.start(pool)
    return replicas


def _middleware(config: Config, security: Security) -> list[Middleware]:
    """Outermost first. The request observer comes first so that every answer,
    refusals by later middleware included, has an id, a log line and a count;
    then the guard that answers an unreachable database 503 on every path."""
    return [
        Middleware(RequestObserver),
        Middleware(KeepAliveLimit, max_requests=config.server.keepalive_requests),
        Middleware(DatabaseUnavailableGuard),
        *security_middleware(security),
    ]


def _schema(config: Config) -> BaseSchema:
    """The served schema, with tracing's extension when ``[tracing]`` asks for it."""
    extra = tracing.extensions(config)
    if not extra:
        from schema.schema import schema

        return schema
    from schema.schema import build_schema

    return build_schema(extra)


def factory() -> Starlette:
    """Entry point for ``uvicorn --factory`` (one per worker process)."""
    logs.setup_from_env()
    return create_app()
