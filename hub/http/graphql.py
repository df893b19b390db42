"""The ``/graphql`` endpoint: strawberry's ASGI view with the hub's context and
an offline GraphiQL page (assets served by the hub, no CDN)."""

from __future__ import annotations

import functools
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from hub.graphiql import graphiql_html
from resolvers.context import Context
from schema.schema import schema


@functools.cache
def _ide_page() -> str:
    return graphiql_html("/graphql")


class GraphQLEndpoint(GraphQL[Context, None]):
    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket | None
    ) -> Context:
        state: Any = request.app.state
        return Context(pool=state.pool, config=state.config, request=request, response=response)

    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(_ide_page())


def graphql_app() -> GraphQLEndpoint:
    return GraphQLEndpoint(schema, graphql_ide="graphiql", allow_queries_via_get=True)
