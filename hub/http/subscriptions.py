"""Subscriptions on ``/graphql``: the ``graphql-transport-ws`` protocol over WebSocket.

The HTTP side of ``/graphql`` is ``hub.http.graphql`` behind the security
gate; this is the WebSocket side (a ``WebSocketRoute`` on the same path),
held to the same rules:

- **Who.** The key comes in the ``connection_init`` payload,
  ``{"Authorization": "Bearer <token>"}`` (browsers cannot set headers on a
  WebSocket), or else in the handshake's ``Authorization`` header; the same
  key ring, roles and ``[public] enabled`` as HTTP. An unknown key, a
  source's ingest token, or none where one is needed closes the socket with
  4403 and the reason; a connection spends its key's or address's token
  bucket as a request does (4429 when empty). Browsers on other origins than
  ``[security] cors_origins`` are refused at the handshake (403).
- **What.** Subscriptions only: queries and mutations go over HTTP, where
  rate limits and the trusted-documents rule meet each of them. Each
  subscription passes the schema's security extension (depth, aliases,
  cost, introspection, the village rule) before it starts. Roles that need
  trusted documents must name one in the subscribe payload's
  ``extensions.persistedQuery.sha256Hash``.
- **How many.** ``[security.subscriptions] per_connection`` open at once on
  one connection and ``per_address`` from one client address (per server
  process, as rate limits are). A refusal is an ``error`` message for that
  subscription with ``extensions.code`` ``TOO_MANY_SUBSCRIPTIONS``; the
  connection stays open.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLError
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.schema.base import BaseSchema
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
    _OperationStreamClosed,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    SubscribeMessage,
)
from strawberry.types.graphql import OperationType
from strawberry.utils.aio import aclosing

from hub.security.documents import sha256_of
from hub.security.ratelimit import retry_after
from hub.security.roles import Caller, Role
from hub.security.runtime import Security
from resolvers.context import Context

log = logging.getLogger("hub.subscriptions")

_SUBSCRIPTIONS_ONLY = (OperationType.SUBSCRIPTION,)


@dataclass
class SubscriptionContext(Context):
    """A connection's context: strawberry stores the ``connection_init`` payload here."""

    connection_params: dict[str, Any] = field(default_factory=dict)


class _Refused(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class _Handler(BaseGraphQLTransportWSHandler[Context, None]):
    view: SubscriptionEndpoint

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        payload = message.get("payload", {})
        if isinstance(payload, dict) and not self.connection_init_received:
            try:
                assert isinstance(self.context, SubscriptionContext)
                self.context.caller = self.view.identify(self.context.request, payload)
            except _Refused as refusal:
                self.connection_init_received = True
                if self.connection_init_timeout_task:
                    self.connection_init_timeout_task.cancel()
                await self.websocket.close(code=refusal.code, reason=refusal.reason)
                return
        await super().handle_connection_init(message)

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        if not self.connection_acknowledged or message.get("id") in self.operations:
            await super().handle_subscribe(message)  # the protocol's own closes
            return
        caller = self.context.caller
        refusal = self._over_cap(caller)
        if refusal is None:
            refusal = await self.view.admit(self.context, caller, message)
        if refusal is not None:
            code, text = refusal
            error = GraphQLError(text, extensions={"code": code})
            await self.send_message({"id": message["id"], "type": "error",
                                     "payload": [error.formatted]})
            return
        await super().handle_subscribe(message)
        operation = self.operations.get(message["id"])
        if operation is not None and operation.task is not None:
            address = caller.address or "?"
            self.view.open_by_address[address] += 1
            operation.task.add_done_callback(lambda _: self.view.release(address))

    def _over_cap(self, caller: Caller) -> tuple[str, str] | None:
        limits = self.view.security.settings.subscriptions
        if len(self.operations) >= limits.per_connection:
            return ("TOO_MANY_SUBSCRIPTIONS",
                    f"This connection has {limits.per_connection} subscriptions open, the limit; "
                    "complete one first.")
        if self.view.open_by_address[caller.address or "?"] >= limits.per_address:
            return ("TOO_MANY_SUBSCRIPTIONS",
                    f"Your address has {limits.per_address} subscriptions open, the limit; "
                    "complete one first.")
        return None

    async def run_operation(self, operation: Operation[Context, None]) -> None:
        """strawberry's, with subscriptions only (queries and mutations go over HTTP)."""
        try:
            result_source = await self.schema.stream(
                operation.query,
                variable_values=operation.variables,
                context_value=self.context,
                root_value=self.root_value,
                operation_name=operation.operation_name,
                allowed_operation_types=_SUBSCRIPTIONS_ONLY,
            )
            async with aclosing(result_source):
                await self._send_result_stream(operation, result_source)
            await operation.send_operation_message({"id": operation.id, "type": "complete"})
        except _OperationStreamClosed:
            return
        except GraphQLError as refusal:
            # The security extension's refusals (limits, the village rule)
            # are raised while parsing, where HTTP's execute reports them.
            await operation.send_initial_errors([refusal])
        except asyncio.CancelledError:
            raise
        except Exception as error:
            await self.handle_task_exception(error)
            try:
                await operation.send_operation_message({"id": operation.id, "type": "complete"})
            except Exception:
                log.debug("could not tell the client that subscription %s ended", operation.id)
            self.operations.pop(operation.id, None)


class SubscriptionEndpoint(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = _Handler

    def __init__(self, schema: BaseSchema, security: Security) -> None:
        super().__init__(
            schema,
            graphql_ide=None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            max_subscriptions_per_connection=None,  # _Handler's own, with a code
            allowed_origins=security.settings.cors_origins,
        )
        self.security = security
        self.open_by_address: Counter[str] = Counter()

    async def get_context(self, request: Any, response: Any) -> Context:
        state: Any = request.app.state
        return SubscriptionContext(pool=state.pool, config=state.config, request=request,
                                   response=response)

    def decode_json(self, data: str | bytes) -> object:
        # A frame nested deeper than Python's parser recurses (``[[[…]]]``), or
        # an integer past Python's 4,300 digits, is malformed JSON to the
        # protocol (4400), not a dropped connection.
        try:
            return json.loads(data)
        except json.JSONDecodeError:
            raise
        except (RecursionError, ValueError):
            raise json.JSONDecodeError("nested too deeply", data if isinstance(data, str) else "", 0) from None

    def encode_json(self, data: object) -> str:
        # Text frames (the protocol's), Chinese as UTF-8 rather than \\u escapes.
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    def release(self, address: str) -> None:
        self.open_by_address[address] -= 1
        if self.open_by_address[address] <= 0:
            del self.open_by_address[address]

    # ------------------------------------------------------------ who

    def identify(self, websocket: WebSocket, payload: Mapping[str, Any]) -> Caller:
        """The caller of a connection, from its init payload or handshake; ``_Refused`` if none."""
        address = websocket.client.host if websocket.client else None
        header = _authorization(payload)
        if header is None:
            header = websocket.headers.get("authorization")
        if header is None:
            if not self.security.settings.public_enabled:
                raise _Refused(4403, "This API needs a key: send Authorization: Bearer <token> "
                                     "in the connection_init payload.")
            caller = Caller(Role.PUBLIC, address=address)
        else:
            scheme, _, token = header.partition(" ")
            token = token.strip()
            keys = self.security.keys
            identity = keys.identify(token) if scheme.lower() == "bearer" and token else None
            if identity is None:
                self._throttle(Caller(Role.PUBLIC, address=address))
                log.warning("subscriptions: refused an unknown key from %s", address)
                raise _Refused(4403, "Unknown key.")
            if identity.key is None:
                log.warning("subscriptions: refused source %s's ingest token", identity.source)
                raise _Refused(4403, "An ingest token may only push, not subscribe.")
            caller = identity.key.caller(address)
        self._throttle(caller)
        return caller

    def _throttle(self, caller: Caller) -> None:
        wait = self.security.wait_for(caller)
        if wait > 0:
            raise _Refused(4429, f"Too many requests; try again in {retry_after(wait)} s.")

    # ------------------------------------------------------------ what

    async def admit(
        self, context: Context, caller: Caller, message: SubscribeMessage
    ) -> tuple[str, str] | None:
        """Trusted documents: the document to run in place of the query, or a refusal."""
        payload: Any = message.get("payload")
        if not isinstance(payload, dict):
            return None  # the protocol's own check closes the connection
        settings = self.security.settings
        restricted = settings.needs_trusted_document(caller.role)
        extensions = payload.get("extensions")
        persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
        sha = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
        query = payload.get("query")
        if isinstance(query, str) and len(query) > settings.limits.max_query_chars:
            return ("QUERY_TOO_LONG", f"The query text has {len(query):,} characters; the limit "
                    f"is {settings.limits.max_query_chars:,}.")
        if not isinstance(sha, str):
            if restricted:
                return ("TRUSTED_DOCUMENTS_ONLY",
                        f"Free-form subscriptions are refused for the {caller.role.value} role: "
                        "send the SHA-256 of a registered document in "
                        "extensions.persistedQuery.sha256Hash.")
            return None
        document = await self.security.documents.get(context.pool, sha.lower())
        if document is None:
            if restricted:
                return ("PERSISTED_QUERY_NOT_IN_LIST",
                        f"No trusted document has the SHA-256 {sha[:64]}.")
            return None
        if query is None:
            payload["query"] = document
        elif restricted and (not isinstance(query, str) or sha256_of(query) != sha.lower()):
            return ("TRUSTED_DOCUMENTS_ONLY", "The query is not the document its hash names.")
        return None


def _authorization(payload: Mapping[str, Any]) -> str | None:
    """``Authorization`` (any case) of a connection_init payload, or of its ``headers``."""
    for holder in (payload, payload.get("headers")):
        if isinstance(holder, Mapping):
            for name, value in holder.items():
                if isinstance(name, str) and name.lower() == "authorization" and isinstance(value, str):
                    return value
    return None


def subscriptions_app(schema: BaseSchema, security: Security) -> SubscriptionEndpoint:
    return SubscriptionEndpoint(schema, security)
