"""The schema extension that applies the query limits and the role's rules.

* ``on_operation``: the token limit for the parser, and introspection off for
  the roles ``[security] introspection`` leaves out;
* after parsing, before validation: aliases, depth, introspection nesting,
  text PostgreSQL cannot take, cost and the village rule. A refusal ends
  the request there, so neither validation's heavier rules nor any resolver
  (and no SQL) runs.

The limits come from the application's settings at request time, so the
module-level schema serves any configuration.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import GraphQLError, NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension

from hub.security.cost import operation_cost
from hub.security.limits import fragments_of, operations_of, shape_errors
from hub.security.runtime import caller_of, settings_of
from hub.security.text import literal_errors
from hub.security.villages import village_errors


class SecurityLimits(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        ctx = self.execution_context
        settings = settings_of(ctx.context)
        ctx.parse_options["max_tokens"] = settings.limits.max_tokens
        if not settings.may_introspect(caller_of(ctx.context).role):
            ctx.validation_rules = (*ctx.validation_rules, NoSchemaIntrospectionCustomRule)
        yield

    def on_parse(self) -> Iterator[None]:
        yield
        document = self.execution_context.graphql_document
        if document is None:
            return
        ctx = self.execution_context
        settings = settings_of(ctx.context)
        limits = settings.limits
        for error in (*shape_errors(document, limits), *literal_errors(document)):
            raise error
        fragments = fragments_of(document)
        operations = operations_of(document)
        # The name the request gave (strawberry keeps it apart from the derived one).
        name: str | None = getattr(ctx, "_provided_operation_name", None)
        chosen = [op for op in operations if name is None or (op.name and op.name.value == name)]
        for operation in chosen:
            cost = operation_cost(
                ctx.schema._schema, operation, fragments, ctx.variables,
                list_size=limits.list_size, max_first=limits.max_first,
            )
            if cost > limits.max_cost:
                raise GraphQLError(
                    f"The query could return about {cost:,} values (list sizes multiplied "
                    f"through nesting: `first`, or {limits.list_size} for a list without it); "
                    f"the limit is {limits.max_cost:,}. Ask for smaller pages or fewer nested "
                    "lists.",
                    operation,
                    extensions={"code": "QUERY_TOO_COSTLY", "cost": cost,
                                "limit": limits.max_cost},
                )
            if not caller_of(ctx.context).sees_villages:
                for error in village_errors(operation, fragments, ctx.variables):
                    raise error
