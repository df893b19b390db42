"""The ASGI application: its routes, and a lifespan that owns the pool."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Route

from hub import db
from hub.config import Config, load_config
from hub.graphiql import graphiql_assets_mount
from hub.http import ingest
from hub.http.graphql import graphql_app


def create_app(*, config: Config | None = None, pool: asyncpg.Pool | None = None) -> Starlette:
    """The hub. With ``pool`` given (tests), the caller owns it; otherwise the
    lifespan opens one on ``DATABASE_URL`` or the embedded server and closes it."""

    cfg = config if config is not None else load_config()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if pool is not None:
            app.state.pool = pool
            yield
            return
        url = await db.resolve_url()
        app.state.pool = await db.create_pool(url)
        try:
            yield
        finally:
            await app.state.pool.close()

    routes: list[BaseRoute] = [
        Route("/graphql", graphql_app(), methods=["GET", "POST"]),
        graphiql_assets_mount(),
        *ingest.routes,
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.config = cfg
    if pool is not None:
        app.state.pool = pool
    return app


def factory() -> Starlette:
    """Entry point for ``uvicorn --factory`` (one per worker process)."""
    return create_app()
