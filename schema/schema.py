"""The served schema object."""

from __future__ import annotations

import logging
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors, ParserCache, ValidationCache
from strawberry.schema.config import StrawberryConfig

from hub.errors import HubError
from schema import types
from schema.query import Query
from schema.scalars import SCALAR_MAP

log = logging.getLogger("hub.graphql")


def _is_expected(error: GraphQLError) -> bool:
    """Our own refusals and GraphQL's own errors: shown as they are."""
    return error.original_error is None or isinstance(error.original_error, HubError)


class HubSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        # A client's mistake is not the server's: log only the unexpected, in full.
        for error in errors:
            if not _is_expected(error):
                log.error("resolver failed", exc_info=error.original_error)


def build_schema() -> strawberry.Schema:
    return HubSchema(
        query=Query,
        types=[types.Region, types.Source, types.Station, types.Team, types.Wish, types.Activity],
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
        extensions=[
            # Unexpected exceptions (a database error, a bug) reach clients as a
            # plain "internal error": no SQL, stack trace or file path.
            lambda: MaskErrors(
                should_mask_error=lambda e: not _is_expected(e), error_message="internal error"
            ),
            # Factories: a fresh extension per request; the caches are module-level.
            lambda: ParserCache(maxsize=512),
            lambda: ValidationCache(maxsize=512),
        ],
    )


schema = build_schema()
