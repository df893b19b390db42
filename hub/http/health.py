"""Probes for load balancers and orchestrators.

``GET /healthz``: the process is alive and serving (no database call), 200.
``GET /readyz``: 200 when the database answers within two seconds and holds
every migration this hub ships (or newer ones: during an upgrade the old
fleet keeps serving until its rolling restart); 503 otherwise, with the reason, so a load
balancer stops sending requests to a worker that cannot answer them and
starts again once the database is back. A 503 carries ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import functools
import logging

import asyncpg
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hub import migrate
from hub.errors import DatabaseError
from hub.http import unavailable

log = logging.getLogger("hub.http.health")

READY_TIMEOUT_SECONDS = 2.0
_NO_STORE = {"Cache-Control": "no-store"}


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"}, headers=_NO_STORE)


async def readyz(request: Request) -> Response:
    pool: asyncpg.Pool = request.app.state.pool
    try:
        async with asyncio.timeout(READY_TIMEOUT_SECONDS), pool.acquire() as conn:
            applied = await migrate.current_version(conn)
    except (TimeoutError, OSError, DatabaseError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        log.warning("not ready: the database does not answer (%s)", type(exc).__name__)
        return _unavailable({"database": "unreachable"})
    expected = _latest_shipped()
    if applied < expected:
        return _unavailable(
            {"database": "ok", "migrations": {"applied": applied, "expected": expected}}
        )
    migrations: dict[str, int] = {"applied": applied}
    if applied > expected:
        # A newer hub migrated first (upgrades: migrations, then rolling
        # restarts); its migrations keep the previous release working, so this
        # process stays in service until it is replaced.
        migrations["shipped"] = expected
    return JSONResponse(
        {"status": "ready", "database": "ok", "migrations": migrations}, headers=_NO_STORE
    )


def _unavailable(details: dict[str, object]) -> Response:
    return JSONResponse(
        {"status": "unavailable", **details}, status_code=503, headers=unavailable.headers()
    )


@functools.cache
def _latest_shipped() -> int:
    return migrate.latest_shipped()


routes: list[Route] = [
    Route("/healthz", healthz, methods=["GET"]),
    Route("/readyz", readyz, methods=["GET"]),
]
