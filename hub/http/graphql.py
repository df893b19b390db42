"""The ``/graphql`` endpoint: GraphQL over HTTP, persisted queries, offline GraphiQL.

It follows the GraphQL-over-HTTP specification:

- ``GET`` runs queries (``?query=…&variables=…&operationName=…&extensions=…``),
  never mutations (405); ``POST`` takes ``application/json`` only (415 otherwise);
- answers in ``application/graphql-response+json`` when the client accepts it
  and ``application/json`` otherwise (no ``Accept``, ``*/*``); 406 when it
  accepts neither;
- a request that cannot run (bad JSON, no query, a wrong parameter type) is
  400; one that can run but fails before execution (parse, validation,
  variable coercion, unknown operation, unknown persisted query) is a
  "request error": its body has ``errors`` and no ``data``, with status 400
  in ``application/graphql-response+json`` and 200 in ``application/json``
  (the spec's rule for older clients); an executed operation is 200, field
  errors and all;
- batched requests (a JSON array) are refused with 400: one operation per
  request (HTTP/2 multiplexes them just as well, and each can be cached).

Bounds: a request runs under a deadline (``[graphql] deadline_seconds``,
default 10 s) that cancels its work, statements included, and is answered
``TIMEOUT``; an answer larger than ``[graphql] max_response_bytes`` (default
8 MiB) is replaced by a ``RESPONSE_TOO_LARGE`` error. Every error, the HTTP
refusals included, carries ``extensions.code``; a fault of the hub is a 500
with ``INTERNAL_SERVER_ERROR`` and leaves the connection usable.

Automatic persisted queries (``hub.apq``) work with GET and POST; successful
GET answers carry ``Cache-Control: public, max-age=[graphql] get_max_age``
(default 30 s; ``private`` when the request has credentials) so a CDN can
keep them.

Keys, roles, rate limits and trusted documents are checked before this view
runs, by ``hub.security``'s middleware (it leaves ``request.state.caller``).
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import os
from collections.abc import Mapping
from typing import Any

import orjson
from cross_web import HTTPException
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import MissingQueryError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.schema.base import BaseSchema
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from hub.apq import PersistedQueries, PersistedQueryError
from hub.config import Config, GraphQLSettings
from hub.errors import DatabaseUnavailable
from hub.graphiql import graphiql_html
from hub.http import unavailable
from hub.http.body import BadContentLength, BodyTooLarge, ClientGone, read_body
from hub.http.media import GRAPHQL_RESPONSE, JSON, content_type, negotiate
from hub.http.reads import ReadPath
from hub.response_cache import Entry, ResponseCache
from hub.security.text import variable_problem
from resolvers.context import Context
from schema.plan import splice, unspliced
from schema.plan.direct import DirectAnswers

log = logging.getLogger("hub.graphql")

_PARAMETERS = ("query", "variables", "operationName", "extensions")
_GET_ALLOWS = frozenset({OperationType.QUERY})
_POST_ALLOWS = frozenset({OperationType.QUERY, OperationType.MUTATION})


@functools.cache
def _ide_page() -> str:
    return graphiql_html("/graphql")


class GraphQLEndpoint(GraphQL[Context, None]):
    def __init__(
        self,
        schema: BaseSchema,
        *,
        persisted: PersistedQueries | None = None,
        settings: GraphQLSettings | None = None,
        cache: ResponseCache | None = None,
    ) -> None:
        super().__init__(schema, graphql_ide="graphiql", allow_queries_via_get=True)
        settings = settings or GraphQLSettings()
        self.persisted = persisted if persisted is not None else PersistedQueries()
        self.get_max_age = settings.get_max_age
        self.max_body_bytes = settings.max_body_bytes
        self.deadline_seconds = settings.deadline_seconds
        self.max_response_bytes = settings.max_response_bytes
        self.reads = ReadPath(cache)
        # Root fields the query planner covers answered in SQL (schema.plan);
        # HUB_PLANNER=off overrides the setting (the benchmark's "before").
        self.planner = settings.planner and os.environ.get("HUB_PLANNER", "").lower() != "off"
        # Documents it covers entirely, answered without strawberry's execution.
        self.direct = (DirectAnswers(schema) if self.planner and getattr(schema, "direct_answers", False)
                       else None)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket | None
    ) -> Context:
        state: Any = request.app.state
        pool = getattr(request.state, "read_pool", None) or state.pool  # a replica's, for queries
        return Context(pool=pool, config=state.config, request=request, response=response,
                       splice_json=self.planner and isinstance(request, Request))

    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(_ide_page())

    def decode_json(self, data: str | bytes) -> object:
        # orjson refuses what PostgreSQL and Python would choke on later: bytes
        # that are not UTF-8, lone surrogates, numbers beyond 64 bits or
        # infinite, and nesting beyond 1,024 levels (a JSONDecodeError: 400).
        return orjson.loads(data)

    def encode_json(self, data: object) -> bytes:
        # Chinese text as UTF-8, not \\u escapes: half the bytes, and readable.
        # orjson writes a year of daily figures (147 KB) in 0.1 ms, the
        # standard encoder in 1.5; it refuses what that one takes (an int
        # beyond 64 bits, a subclass it does not know), which then goes there.
        try:
            return orjson.dumps(data, default=splice)
        except TypeError:
            return json.dumps(data, ensure_ascii=False, separators=(",", ":"),
                              default=unspliced).encode("utf-8")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            response = await self.answer(request)
        except HTTPException as exc:
            headers = {"Allow": "POST"} if exc.status_code == 405 else {}
            code = exc.code if isinstance(exc, _Refused) else "BAD_REQUEST"
            response = self._refusal(request, exc.status_code, exc.reason, headers, code)
        except DatabaseUnavailable:
            raise  # answered 503 where every such refusal is (not a fault of the hub)
        except Exception:
            # A fault of the hub: an answer still, so that the connection stays
            # usable for the client's next request (an exception escaping to
            # the server resets it).
            log.exception("graphql request failed")
            response = self._refusal(request, 500, "internal error", {}, "INTERNAL_SERVER_ERROR")
        await response(scope, receive, send)

    async def answer(self, request: Request) -> Response:
        if _wants_ide(request):
            return await self.render_graphql_ide(request)
        media = negotiate(request.headers.get("accept"))
        if media is None:
            raise HTTPException(406, f"this endpoint answers in {GRAPHQL_RESPONSE} or {JSON}")
        operation = await self.read_operation(request)
        try:
            resolved = self.persisted.resolve(operation.query, operation.extensions)
        except PersistedQueryError as exc:
            return self._request_error(
                request, media, [{"message": exc.message, "extensions": {"code": exc.code}}]
            )
        if resolved is not None:
            operation.query = resolved.query
        if operation.query is None:
            raise HTTPException(400, "the request has no `query`")
        lookup = await self.reads.lookup(
            request, operation.query, operation.operation_name, operation.variables)
        if lookup is not None and lookup.hit is not None:
            if resolved is not None and resolved.remember is not None:
                self.persisted.put(resolved.remember, resolved.query)  # it ran without error
            return self._cached(request, media, lookup.hit)

        request.state.read_pool = self.reads.pool_for(
            request, operation.query, operation.operation_name)
        sub_response = await self.get_sub_response(request)
        context = await self.get_context(request, sub_response)
        try:
            async with asyncio.timeout(self.deadline_seconds or None):
                result = await self._execute(request, operation, context)
                if _database_unavailable(result) and self.reads.replica_lost(request):
                    request.state.read_pool = None  # again, on the primary
                    context = await self.get_context(request, sub_response)
                    result = await self._execute(request, operation, context)
        except CannotGetOperationTypeError as exc:
            return self._request_error(request, media, [
                {"message": exc.as_http_error_reason(), "extensions": {"code": "BAD_USER_INPUT"}}
            ])
        except TimeoutError:
            log.warning("graphql request cancelled at its deadline of %s s", self.deadline_seconds)
            return self._unanswered(request, media, "TIMEOUT", (
                f"The request ran longer than {self.deadline_seconds:g} s and was cancelled; ask "
                "for less (a narrower date range, a coarser granularity, smaller pages)."))
        if _is_request_error(result):
            return self._request_error(request, media, _formatted(result))
        if resolved is not None and resolved.remember is not None:
            self.persisted.put(resolved.remember, resolved.query)
        body = await self.process_result(request, result)
        encoded = self.encode_json(body)
        if self.max_response_bytes and len(encoded) > self.max_response_bytes:
            return self._unanswered(request, media, "RESPONSE_TOO_LARGE", (
                f"The answer would be {len(encoded):,} bytes; the limit is "
                f"{self.max_response_bytes:,}. Ask for fewer fields, smaller pages or a "
                "narrower range."))
        request.state.graphql_outcome = "graphql_error" if result.errors else "ok"
        response = self._encoded(encoded, media, 200)
        _merge(response, sub_response)
        response.headers["Cache-Control"] = self._cache_control(request, bool(result.errors))
        if not result.errors:
            self.reads.keep(request, lookup, encoded)
            if request.method == "POST" and lookup is None:
                await self.reads.wrote(request, operation.query, operation.operation_name, response)
        if _database_unavailable(result):
            # Retry, not fix: the database could not be reached (hub.http.unavailable).
            response.status_code = 503
            response.headers.update(unavailable.headers())
        return response

    async def read_operation(self, request: Request) -> GraphQLRequestData:
        """The four parameters of a well-formed request; ``HTTPException`` otherwise."""
        if request.method == "GET":
            params = request.query_params
            raw: dict[str, Any] = {}
            for parameter in _PARAMETERS:
                value = params.get(parameter)
                if value:  # an empty parameter is an absent one
                    json_valued = parameter in ("variables", "extensions")
                    raw[parameter] = self.parse_json(value) if json_valued else value
        else:
            raw = self._json_object(await self._body(request))
        query, variables = raw.get("query"), raw.get("variables")
        name, extensions = raw.get("operationName"), raw.get("extensions")
        if query is not None and not isinstance(query, str):
            raise HTTPException(400, "`query` must be a string")
        if name is not None and not isinstance(name, str):
            raise HTTPException(400, "`operationName` must be a string")
        if variables is not None and not isinstance(variables, dict):
            raise HTTPException(400, "`variables` must be an object")
        problem = variable_problem(variables)
        if problem is not None:
            raise _Refused(400, problem, "BAD_USER_INPUT")
        if extensions is not None and not isinstance(extensions, dict):
            raise HTTPException(400, "`extensions` must be an object")
        return GraphQLRequestData(
            query=query, variables=variables, operation_name=name, extensions=extensions
        )

    async def _body(self, request: Request) -> bytes:
        media, _, params = request.headers.get("content-type", "").partition(";")
        charset = params.strip().lower().removeprefix("charset=").strip('"') if params else "utf-8"
        if media.strip().lower() != JSON or charset not in ("utf-8", "utf8"):
            raise HTTPException(415, f"send the operation as {JSON} (UTF-8)")
        try:
            body = await read_body(request.headers.raw, request.receive, self.max_body_bytes)
        except BodyTooLarge as exc:
            raise HTTPException(413, str(exc)) from exc
        except BadContentLength as exc:
            raise HTTPException(400, "Content-Length is not a number") from exc
        except ClientGone as exc:
            raise HTTPException(400, "the client went away") from exc
        if not body:
            raise HTTPException(400, "the request has no body")
        return body

    def _json_object(self, body: bytes) -> dict[str, Any]:
        data = self.parse_json(body)
        if isinstance(data, list):
            raise HTTPException(400, "batched requests are not supported: send one operation per request")
        if not isinstance(data, dict):
            raise HTTPException(400, "the body must be a JSON object")
        return data

    async def _execute(
        self, request: Request, operation: GraphQLRequestData, context: Context
    ) -> ExecutionResult:
        is_get = request.method == "GET"
        direct = self.direct
        if direct is not None and operation.query is not None:
            answered = await direct.answer(operation.query, operation.operation_name,
                                           operation.variables, context)
            if answered is not None:
                return answered
        try:
            result = await self.schema.execute(
                operation.query,
                variable_values=operation.variables,
                context_value=context,
                operation_name=operation.operation_name,
                allowed_operation_types=_GET_ALLOWS if is_get else _POST_ALLOWS,
                operation_extensions=operation.extensions,
            )
        except InvalidOperationTypeError as exc:
            if is_get and exc.operation_type is OperationType.MUTATION:
                raise HTTPException(405, "mutations must be sent with POST") from exc
            raise HTTPException(400, exc.as_http_error_reason(request.method)) from exc
        except MissingQueryError as exc:
            raise HTTPException(400, "the request has no `query`") from exc
        if direct is not None and operation.query is not None:
            direct.learn(operation.query, operation.operation_name, result)
        return result

    def _cache_control(self, request: Request, errors: bool) -> str:
        if request.method != "GET" or errors or self.get_max_age <= 0:
            return "no-store"
        scope = "private" if "authorization" in request.headers else "public"
        return f"{scope}, max-age={self.get_max_age}"

    def _cached(self, request: Request, media: str, entry: Entry) -> Response:
        """An answer from the response cache (``hub.http.reads``)."""
        request.state.graphql_outcome = "ok"
        request.state.graphql_operation = entry.operation
        response = self._encoded(entry.body, media, 200)
        response.headers["Cache-Control"] = self._cache_control(request, False)
        return response

    def _request_error(self, request: Request, media: str, errors: list[Any]) -> Response:
        request.state.graphql_outcome = "request_error"
        status = 400 if media == GRAPHQL_RESPONSE else 200
        response = self._json({"errors": errors}, media, status)
        response.headers["Cache-Control"] = "no-store"
        return response

    def _unanswered(self, request: Request, media: str, code: str, message: str) -> Response:
        """An operation that ran but has no answer to give (deadline, size): data null."""
        request.state.graphql_outcome = "graphql_error"
        body = {"data": None, "errors": [{"message": message, "extensions": {"code": code}}]}
        response = self._json(body, media, 200)
        response.headers["Cache-Control"] = "no-store"
        return response

    def _refusal(
        self, request: Request, status: int, message: str, headers: Mapping[str, str],
        code: str = "BAD_REQUEST",
    ) -> Response:
        """A request that cannot run at all (malformed, wrong method or media type)."""
        request.state.graphql_outcome = "request_error"
        error: dict[str, Any] = {"message": message, "extensions": {"code": code}}
        media = negotiate(request.headers.get("accept")) or JSON
        response = self._json({"errors": [error]}, media, status)
        response.headers["Cache-Control"] = "no-store"
        response.headers.update(headers)
        return response

    def _json(self, body: GraphQLHTTPResponse | dict[str, Any], media: str, status: int) -> Response:
        return self._encoded(self.encode_json(body), media, status)

    def _encoded(self, body: bytes, media: str, status: int) -> Response:
        response = Response(body, status_code=status, media_type=content_type(media))
        response.headers["Vary"] = "Accept"
        return response


class _Refused(HTTPException):
    """A refusal with its own code (``BAD_REQUEST`` otherwise)."""

    def __init__(self, status_code: int, reason: str, code: str) -> None:
        super().__init__(status_code, reason)
        self.code = code


def _wants_ide(request: Request) -> bool:
    """A browser opening /graphql: GraphiQL. A hash-only GET (APQ) is a query."""
    return (
        request.method == "GET"
        and not request.query_params.get("query")
        and not request.query_params.get("extensions")
        and "text/html" in request.headers.get("accept", "")
    )


def _is_request_error(result: ExecutionResult) -> bool:
    """Failed before execution began (parse, validation, variables): no ``data``.

    Execution errors always carry the ``path`` of their field; these never do.
    """
    errors = result.errors
    return result.data is None and bool(errors) and all(e.path is None for e in errors or ())


def _database_unavailable(result: ExecutionResult) -> bool:
    """An error says the database could not be reached (``DatabaseUnavailable``'s
    code, which graphql-core copies from the exception into the error)."""
    return any((e.extensions or {}).get("code") == unavailable.CODE for e in result.errors or ())


def _formatted(result: ExecutionResult) -> list[Any]:
    errors: list[GraphQLError] = result.errors or []
    return [e.formatted for e in errors]


def _merge(response: Response, sub_response: Response) -> None:
    """Headers and status a resolver set on ``info.context.response``."""
    response.headers.raw.extend(sub_response.headers.raw)
    if sub_response.background:
        response.background = sub_response.background
    if sub_response.status_code:
        response.status_code = sub_response.status_code


def graphql_app(
    schema: BaseSchema | None = None,
    *,
    config: Config | None = None,
) -> GraphQLEndpoint:
    from hub import apq
    from schema.schema import schema as served

    cfg = config if config is not None else Config()
    return GraphQLEndpoint(
        schema if schema is not None else served,
        persisted=apq.from_config(cfg),
        settings=cfg.graphql,
        cache=ResponseCache(cfg.cache) if cfg.cache.enabled else None,
    )
