"""The gate in front of ``/graphql``: key → caller, rate limit, body size,
trusted documents. Everything here runs before GraphQL parses anything.

1. ``Authorization: Bearer <token>`` names a key (``[keys.*]``): the caller
   has its role. Without one, the dashboard's session cookie with its CSRF
   header names the key its person signed in with (``hub.dashboard.session``).
   A source's ingest token is refused (403): it only pushes. An
   unknown token, or none while ``[public] enabled`` is false, is a 401.
2. A token bucket per key, or per client address without a key: 429 with
   ``Retry-After``. Refused tokens spend the address's bucket, so guessing
   keys is throttled too.
3. A body over ``max_body_bytes`` is a 413, whatever ``Content-Length`` says.
4. Trusted documents (``extensions.persistedQuery.sha256Hash``): a known hash
   without ``query`` gets its document's text; a caller whose role needs
   trusted documents gets nothing else.

Refusals have GraphQL's error shape: ``{"errors": [{"message", "extensions":
{"code"}}]}``. The caller lands in ``request.state.caller``. WebSockets on
``/graphql`` (subscriptions) pass: ``hub.http.subscriptions`` applies the same
keys, roles, rate limits and trusted documents to their ``connection_init``
and each subscription, since a browser's socket carries no headers.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.dashboard import session
from hub.http.body import BadContentLength, BodyTooLarge, ClientGone, read_body
from hub.security.documents import sha256_of
from hub.security.ratelimit import retry_after
from hub.security.roles import ANONYMOUS, Caller
from hub.security.runtime import Security

log = logging.getLogger("hub.security")

GRAPHQL_PATHS = frozenset({"/graphql"})


class Refusal(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def response(self) -> JSONResponse:
        body = {"errors": [{"message": self.message, "extensions": {"code": self.code}}]}
        return JSONResponse(body, status_code=self.status, headers=self.headers)


# A front-end under development on this machine, on any port (hub demo allows it).
LOCAL_ORIGINS = r"http://(localhost|127\.0\.0\.1)(:[0-9]{1,5})?"


def security_middleware(security: Security) -> list[Middleware]:
    """CORS outermost (so refusals carry its headers), then the gate."""
    return [
        Middleware(
            CORSMiddleware,
            allow_origins=list(security.settings.cors_origins),
            allow_origin_regex=LOCAL_ORIGINS if security.settings.cors_allow_localhost else None,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
            max_age=600,
        ),
        Middleware(GraphQLGate, security=security),
    ]


class GraphQLGate:
    def __init__(self, app: ASGIApp, security: Security) -> None:
        self.app = app
        self.security = security

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in GRAPHQL_PATHS:
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        params = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        if method == "OPTIONS" or (method == "GET" and not _names_operation(params)):
            await self.app(scope, receive, send)  # preflight, or the GraphiQL page
            return
        try:
            caller = await self._session_caller(scope) or self._caller(scope)
            self._throttle(caller)
            body = await self._body(scope, receive) if method == "POST" else b""
            scope, body = await self._documents(scope, caller, params, body)
        except Refusal as refusal:
            await refusal.response()(scope, receive, send)
            return
        scope.setdefault("state", {})["caller"] = caller
        await self.app(scope, _replay(body, receive) if method == "POST" else receive, send)

    # ------------------------------------------------------------ who

    async def _session_caller(self, scope: Scope) -> Caller | None:
        """The dashboard's signed-in person (``hub.dashboard.session``): its
        cookie counts only without an Authorization header and with the
        session's CSRF token in ``X-CSRF-Token``, which another site cannot send."""
        if _header(scope, b"authorization") is not None:
            return None
        sent = _header(scope, session.CSRF_HEADER.encode())
        if sent is None:
            return None
        cookie = session.cookies_of(scope["headers"]).get(session.COOKIE)
        if cookie is None:
            return None
        app = scope["app"]
        signer = await session.signer(app.state, app.state.pool)
        found = signer.read(cookie, self.security.keys)
        if found is None or not signer.csrf_ok(sent, found, None):
            return None
        return found.caller(_address(scope))

    def _caller(self, scope: Scope) -> Caller:
        address = _address(scope)
        header = _header(scope, b"authorization")
        if header is None:
            if self.security.settings.public_enabled:
                return Caller(ANONYMOUS.role, address=address)
            raise Refusal(
                401, "UNAUTHENTICATED",
                "This API needs a key: send `Authorization: Bearer <token>`.",
                {"WWW-Authenticate": 'Bearer realm="hub"'},
            )
        scheme, _, token = header.partition(" ")
        token = token.strip()
        identity = self.security.keys.identify(token) if scheme.lower() == "bearer" and token else None
        if identity is None:
            self._spend_address(address)
            log.warning("graphql: refused an unknown key from %s", address)
            raise Refusal(
                401, "UNAUTHENTICATED",
                "Unknown key: send `Authorization: Bearer <token>` with a key of this hub.",
                {"WWW-Authenticate": 'Bearer realm="hub", error="invalid_token"'},
            )
        if identity.key is None:
            log.warning("graphql: refused source %s's ingest token", identity.source)
            raise Refusal(
                403, "FORBIDDEN",
                f"This is the ingest token of source {identity.source!r}: it may only push to "
                f"/ingest/{identity.source}, not read.",
            )
        return identity.key.caller(address)

    # ------------------------------------------------------------ how often

    def _throttle(self, caller: Caller) -> None:
        wait = self.security.wait_for(caller)
        if wait > 0:
            raise _too_many(wait, "key" if caller.name is not None else "address")

    def _spend_address(self, address: str | None) -> None:
        limiter = self.security.ip_limiter
        wait = limiter.take(f"ip:{address}") if limiter is not None else 0.0
        if wait > 0:
            raise _too_many(wait, "address")

    # ------------------------------------------------------------ how much

    async def _body(self, scope: Scope, receive: Receive) -> bytes:
        limit = self.security.settings.max_body_bytes
        try:
            return await read_body(scope["headers"], receive, limit)
        except BadContentLength as exc:
            raise Refusal(400, "BAD_REQUEST", "Content-Length is not a number.") from exc
        except BodyTooLarge as exc:
            raise _too_large(limit) from exc
        except ClientGone:
            return b""  # nobody is left to answer

    # ------------------------------------------------------------ what

    async def _documents(
        self, scope: Scope, caller: Caller, params: list[tuple[str, str]], body: bytes
    ) -> tuple[Scope, bytes]:
        settings = self.security.settings
        restricted = settings.needs_trusted_document(caller.role)
        if scope["method"] == "GET":
            data: Any = dict(params)
            if "extensions" in data:
                try:
                    data["extensions"] = json.loads(data["extensions"])
                except (ValueError, RecursionError):  # not JSON, or nested too deep
                    return scope, body  # strawberry answers that
        else:
            relevant = (
                restricted
                or b"persistedQuery" in body
                or len(body) > settings.limits.max_query_chars
            )
            if not relevant:
                return scope, body
            if not _is_json(scope):
                if restricted:
                    raise Refusal(415, "BAD_REQUEST", "Send the request as application/json.")
                return scope, body
            try:
                data = json.loads(body)
            except (ValueError, RecursionError):  # not JSON (or UTF-8), or nested too deep
                return scope, body  # strawberry answers that
        if isinstance(data, list):
            if restricted:
                raise Refusal(400, "TRUSTED_DOCUMENTS_ONLY", "Batched requests are not accepted.")
            return scope, body
        if not isinstance(data, dict):
            return scope, body
        query = data.get("query")
        if isinstance(query, str) and len(query) > settings.limits.max_query_chars:
            raise Refusal(
                413, "QUERY_TOO_LONG",
                f"The query text has {len(query):,} characters; the limit is "
                f"{settings.limits.max_query_chars:,}.",
            )
        text = await self._trusted(scope, restricted, caller, data)
        if text is None:
            return scope, body
        data["query"] = text
        if scope["method"] == "GET":
            rest = [(k, v) for k, v in params if k != "query"] + [("query", text)]
            return {**scope, "query_string": urlencode(rest).encode("latin-1")}, body
        new_body = json.dumps(data, ensure_ascii=False).encode("utf-8")
        headers = [(k, v) for k, v in scope["headers"] if k != b"content-length"]
        headers.append((b"content-length", str(len(new_body)).encode()))
        return {**scope, "headers": headers}, new_body

    async def _trusted(
        self, scope: Scope, restricted: bool, caller: Caller, data: dict[str, Any]
    ) -> str | None:
        """The document to run in place of a missing ``query``, or None to go on as sent."""
        query = data.get("query")
        persisted = data.get("extensions", {}) if isinstance(data.get("extensions"), dict) else {}
        wanted = persisted.get("persistedQuery")
        sha = wanted.get("sha256Hash") if isinstance(wanted, dict) else None
        if not isinstance(sha, str):
            if restricted:
                raise Refusal(
                    400, "TRUSTED_DOCUMENTS_ONLY",
                    f"Free-form queries are refused for the {caller.role.value} role: send the "
                    "SHA-256 of a registered document in extensions.persistedQuery.sha256Hash.",
                )
            return None
        sha = sha.lower()
        document = await self.security.documents.get(scope["app"].state.pool, sha)
        if document is None:
            if restricted:
                raise Refusal(
                    400, "PERSISTED_QUERY_NOT_IN_LIST",
                    f"No trusted document has the SHA-256 {sha[:64]}; this hub runs only "
                    "documents registered with `hub documents add`.",
                )
            return None  # automatic persisted queries, if any, answer it
        if query is None:
            return document
        if restricted and (not isinstance(query, str) or sha256_of(query) != sha):
            raise Refusal(400, "TRUSTED_DOCUMENTS_ONLY", "The query is not the document its hash names.")
        return None


def _names_operation(params: list[tuple[str, str]]) -> bool:
    return any(k in ("query", "extensions") for k, _ in params)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _is_json(scope: Scope) -> bool:
    content_type = _header(scope, b"content-type") or ""
    return "json" in content_type.split(";")[0].lower()


def _address(scope: Scope) -> str | None:
    client = scope.get("client")
    return str(client[0]) if client else None


def _too_large(limit: int) -> Refusal:
    return Refusal(413, "BODY_TOO_LARGE", f"The request body is larger than {limit:,} bytes.")


def _too_many(wait: float, per: str) -> Refusal:
    seconds = retry_after(wait)
    return Refusal(
        429, "RATE_LIMITED",
        f"Too many requests for this {per}; try again in {seconds} s.",
        {"Retry-After": seconds},
    )


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the buffered body on, then the client's own messages."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
