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

from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    NoSchemaIntrospectionCustomRule,
    OperationDefinitionNode,
)
from strawberry.extensions import SchemaExtension

from hub.security.cost import operation_cost
from hub.security.limits import fragments_of, operations_of, shape_errors
from hub.security.runtime import caller_of, settings_of
from hub.security.settings import Limits
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
        fragments, operations = _document_checks(document, limits)
        # The name the request gave (strawberry keeps it apart from the derived one).
        name: str | None = getattr(ctx, "_provided_operation_name", None)
        chosen = [op for op in operations if name is None or (op.name and op.name.value == name)]
        for operation in chosen:
            error = check_operation(ctx.schema._schema, operation, fragments, ctx.variables,
                                    ctx.context)
            if error is not None:
                raise error


def check_operation(
    schema: GraphQLSchema, operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode], variables: Mapping[str, Any] | None,
    context: Any,
) -> GraphQLError | None:
    """The refusal of an operation of a checked document that depends on the
    request (its variables, the caller): its cost, the village rule. Also
    asked by the planner's direct answers (``schema.plan.direct``)."""
    limits = settings_of(context).limits
    cost = operation_cost(
        schema, operation, fragments, variables,
        list_size=limits.list_size, max_first=limits.max_first,
    )
    if cost > limits.max_cost:
        return GraphQLError(
            f"The query could return about {cost:,} values (list sizes multiplied "
            f"through nesting: `first`, or {limits.list_size} for a list without it); "
            f"the limit is {limits.max_cost:,}. Ask for smaller pages or fewer nested "
            "lists.",
            operation,
            extensions={"code": "QUERY_TOO_COSTLY", "cost": cost, "limit": limits.max_cost},
        )
    if not caller_of(context).sees_villages:
        for error in village_errors(operation, fragments, variables):
            return error
    return None


# Documents that passed the checks that depend on nothing else (shape and
# literals: about half a millisecond of a small page's request), by parsed
# document: strawberry's parser cache hands every request of a document the
# same node, kept alive here so that its id is not reused.
MAX_CHECKED = 512
_CHECKED: OrderedDict[int, tuple[DocumentNode, Limits, dict[str, FragmentDefinitionNode],
                                 list[OperationDefinitionNode]]] = OrderedDict()


def _document_checks(
    document: DocumentNode, limits: Limits
) -> tuple[dict[str, FragmentDefinitionNode], list[OperationDefinitionNode]]:
    """Raise the document's shape or literal error; else its fragments and operations."""
    key = id(document)
    found = _CHECKED.get(key)
    if found is not None and found[0] is document and found[1] == limits:
        _CHECKED.move_to_end(key)
        return found[2], found[3]
    for error in (*shape_errors(document, limits), *literal_errors(document)):
        raise error
    fragments, operations = fragments_of(document), operations_of(document)
    _CHECKED[key] = (document, limits, fragments, operations)
    if len(_CHECKED) > MAX_CHECKED:
        _CHECKED.popitem(last=False)
    return fragments, operations
