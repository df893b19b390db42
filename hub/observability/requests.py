"""Per request: an id, one log line, the request series.

``RequestObserver`` is plain ASGI middleware (no per-request task or body
buffering). It takes the client's ``X-Request-Id`` when it is a sane token
(so a gateway's id follows the request through) or makes one, returns it in
the ``X-Request-Id`` response header, and tags every log line written while
the request runs with it.

The log line (logger ``hub.access``) holds the request id, method, path
(never the query string: a GET carries the query and its variables there),
GraphQL operation name, role, status, duration and outcome. No variables, no
client address, no personal data. Health probes and scrapes that succeed are
not logged (a load balancer asks every few seconds), only counted.

Handlers tell the middleware what they know through ``request.state``:
``graphql_operation``, ``graphql_outcome`` (the GraphQL view) and ``caller``
(``hub.security``'s gate; its ``role`` is logged).
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.observability import metrics
from hub.observability.logs import REQUEST_ID

log = logging.getLogger("hub.access")

HEADER = "x-request-id"
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_QUIET = frozenset({"health", "metrics", "graphiql"})


class RequestObserver:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = _request_id(scope)
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = request_id
        token = REQUEST_ID.set(request_id)
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message).append(HEADER, request_id)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            _record(scope, state, request_id, status, time.perf_counter() - started)
            REQUEST_ID.reset(token)


def endpoint_of(path: str) -> str:
    if path == "/graphql":
        return "graphql"
    if path.startswith("/ingest/"):
        return "ingest"
    if path in ("/healthz", "/readyz"):
        return "health"
    if path == "/metrics":
        return "metrics"
    if path.startswith("/graphiql-assets"):
        return "graphiql"
    return "other"


def outcome_of(status: int, state: dict[str, Any]) -> str:
    if status >= 500:
        return "server_error"
    told = state.get("graphql_outcome")
    if isinstance(told, str):
        return told
    return "ok" if status < 400 else "client_error"


def _record(scope: Scope, state: dict[str, Any], request_id: str, status: int, seconds: float) -> None:
    endpoint = endpoint_of(scope["path"])
    operation = str(state.get("graphql_operation", "anonymous")) if endpoint == "graphql" else "-"
    outcome = outcome_of(status, state)
    metrics.observe_request(endpoint, operation, outcome, seconds)
    if endpoint in _QUIET and status < 400:
        return
    fields: dict[str, Any] = {
        "request_id": request_id,
        "method": scope["method"],
        "path": scope["path"],
        "status": status,
        "duration_ms": round(seconds * 1000, 1),
        "outcome": outcome,
        "role": _role(state),
    }
    if endpoint == "graphql":
        fields["operation"] = operation
    level = logging.ERROR if status >= 500 else logging.INFO
    log.log(level, "%s %s %d", scope["method"], scope["path"], status, extra={"fields": fields})


def _role(state: dict[str, Any]) -> str:
    """The caller's role (``hub.security`` puts the caller on the state); never the key's name."""
    role = getattr(state.get("caller"), "role", None)
    return str(role) if role is not None else "public"


def _request_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            text: str = value.decode("latin-1")
            if _SANE_ID.match(text):
                return text
            break
    return uuid.uuid4().hex
