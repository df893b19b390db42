"""The served schema object: a GraphQL schema that is also an Apollo Federation 2 subgraph.

Federation adds ``_service { sdl }``, ``_entities(representations:)`` and the
``_Any``/``_Entity`` types; the entities (``Region`` by ``id`` or ``code``,
``Source``, ``Station``, ``Team``, ``Wish``, ``Activity`` by ``id``) resolve
through the request's DataLoaders (``resolvers.entities``), so a gateway
asking for N of them costs one statement per type. See docs/federation.md.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors, ParserCache, SchemaExtension, ValidationCache
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from hub.errors import HubError
from hub.observability.graphql import OperationObserver, count_resolver_errors
from hub.security.extension import SecurityLimits
from schema import descriptions, types
from schema.executor import HubExecutor
from schema.operator import Mutation, OperatorQuery
from schema.query import Query
from schema.scalars import SCALAR_MAP
from schema.subscription import Subscription

log = logging.getLogger("hub.graphql")

ExtensionFactory = Callable[[], SchemaExtension] | type[SchemaExtension]


def _is_expected(error: GraphQLError) -> bool:
    """Our own refusals and GraphQL's own errors: shown as they are."""
    return error.original_error is None or isinstance(error.original_error, HubError)


class HubSchema(strawberry.federation.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        # A client's mistake is not the server's: log only the unexpected, in full.
        expected = [_is_expected(error) for error in errors]
        for error, ok in zip(errors, expected, strict=True):
            if not ok:
                log.error("resolver failed", exc_info=error.original_error)
        count_resolver_errors(errors, execution_context, internal=[not ok for ok in expected])


def build_schema(extra_extensions: Sequence[ExtensionFactory] = ()) -> strawberry.Schema:
    """The schema; ``extra_extensions`` (tracing) run after the hub's own."""
    built = HubSchema(
        # The contract's Query plus the operator fields (role-checked in resolvers.operator).
        query=merge_types("Query", (Query, OperatorQuery)),
        mutation=Mutation,
        subscription=Subscription,
        types=[types.Region, types.Source, types.Station, types.Team, types.Wish, types.Activity],
        config=StrawberryConfig(scalar_map=SCALAR_MAP, default_resolver=types.resolve_attribute),
        # Plain fields read as attributes, without a resolver call each.
        execution_context_class=HubExecutor,
        extensions=[
            # Depth, aliases, tokens, cost, introspection per role: refused after
            # parsing, before validation and any resolver (hub.security.extension).
            SecurityLimits,
            # Unexpected exceptions (a database error, a bug) reach clients as a
            # plain "internal error": no SQL, stack trace or file path.
            lambda: MaskErrors(
                should_mask_error=lambda e: not _is_expected(e), error_message="internal error"
            ),
            # Factories: a fresh extension per request; the caches are module-level,
            # so a document seen before is neither parsed nor validated again.
            lambda: ParserCache(maxsize=512),
            lambda: ValidationCache(maxsize=512),
            OperationObserver,
            *extra_extensions,
        ],
    )
    descriptions.apply(built._schema)
    return built


schema = build_schema()
