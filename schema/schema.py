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
from strawberry.extensions import ParserCache, SchemaExtension
from strawberry.federation.schema import FederationAny
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionResult, Info

from hub.errors import QueryError
from hub.observability.graphql import OperationObserver, count_resolver_errors
from hub.security.extension import SecurityLimits
from schema import descriptions, types
from schema.errors import TIMEOUT, ErrorPhases, code_of, is_fault, present
from schema.executor import HubExecutor
from schema.operator import Mutation, OperatorQuery
from schema.query import Query
from schema.scalars import SCALAR_MAP
from schema.subscription import Subscription
from schema.validation import ValidationByDocument

log = logging.getLogger("hub.graphql")

ExtensionFactory = Callable[[], SchemaExtension] | type[SchemaExtension]


# The types a gateway may ask ``_entities`` for.
ENTITY_TYPES = ("Region", "Source", "Station", "Team", "Wish", "Activity")


class HubSchema(strawberry.federation.Schema):
    direct_answers = False
    def entities_resolver(
        self, info: Info, representations: list[FederationAny]
    ) -> list[FederationAny]:
        # Strawberry takes every representation for an object naming a type it
        # knows (a string, a missing or unknown __typename was a fault).
        for representation in representations:
            typename = representation.get("__typename") if isinstance(representation, dict) else None
            if typename not in ENTITY_TYPES:
                raise QueryError(
                    "each representation must be an object whose `__typename` is an entity: "
                    + ", ".join(ENTITY_TYPES)
                )
        return super().entities_resolver(info, representations)

    async def execute(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        """Every error as a client sees it (``schema.errors.present``): coded,
        without the values sent, a fault as "internal error"."""
        result = await super().execute(*args, **kwargs)
        if result.errors:
            result.errors = [present(error) for error in result.errors]
        return result

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        # A client's mistake is not the server's: only faults are logged, in
        # full; a timeout is a warning. Never the message of a client's error
        # (it may quote what was sent).
        faults = [is_fault(error) for error in errors]
        for error, fault in zip(errors, faults, strict=True):
            if fault:
                log.error("resolver failed", exc_info=error.original_error)
            elif code_of(error) == TIMEOUT:
                log.warning("statement timed out at %s", error.path)
        count_resolver_errors(errors, execution_context, internal=faults)


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
            # Errors of parsing, validation and variables coded as such; the
            # rest are coded (and faults masked) by HubSchema.execute.
            ErrorPhases,
            # The caches are module-level, so a document seen before is neither
            # parsed nor validated again (validation keyed by the parsed document).
            lambda: ParserCache(maxsize=512),
            ValidationByDocument,
            OperationObserver,
            *extra_extensions,
        ],
    )
    descriptions.apply(built._schema)
    # Documents the planner covers entirely may be answered without strawberry's
    # execution (schema.plan.direct) only when no other extension must see them.
    built.direct_answers = not extra_extensions
    return built


schema = build_schema()
