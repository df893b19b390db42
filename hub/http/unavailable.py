"""503 with ``Retry-After`` when the database cannot be reached, on every path.

``hub.db`` turns every form of "PostgreSQL is unreachable" into one
``DatabaseUnavailable``. Endpoints that know it answer with ``response``;
``DatabaseUnavailableGuard`` (ASGI middleware, just inside the request
observer) catches it, or a raw connection error that escaped the pool, from
any other code that lets it through, so that it is never a 500:

- ``/graphql``: ``{"errors": [{"message": …, "extensions": {"code":
  "SERVICE_UNAVAILABLE"}}]}``;
- anything else: ``{"error": …, "code": "SERVICE_UNAVAILABLE"}``.

A response already started cannot be changed; then the error goes on up.
"""

from __future__ import annotations

from typing import Any

import asyncpg
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub import db
from hub.errors import DatabaseUnavailable

CODE = "SERVICE_UNAVAILABLE"


def headers() -> dict[str, str]:
    return {"Retry-After": str(DatabaseUnavailable.RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}


def response(path: str, message: str = db.UNAVAILABLE_MESSAGE) -> Response:
    """The 503 for ``path``, in the shape its clients read."""
    body: dict[str, Any]
    if path == "/graphql":
        body = {"errors": [{"message": message, "extensions": {"code": CODE}}]}
    else:
        body = {"error": message, "code": CODE}
    return JSONResponse(body, status_code=503, headers=headers())


class DatabaseUnavailableGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            if started or not _is_database_down(exc):
                raise
            await response(scope["path"])(scope, receive, send)


def _is_database_down(exc: BaseException) -> bool:
    # A bare OSError here is not the database's (the pool translates its own):
    # a missing file of the hub's is a 500, as it should be.
    if isinstance(exc, DatabaseUnavailable):
        return True
    return isinstance(exc, asyncpg.PostgresError | asyncpg.InterfaceError) and (
        db.unavailable(exc) is not None
    )
