"""What the GraphQL layer tells the request log and the metrics."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

from hub.observability import metrics


class OperationObserver(SchemaExtension):
    """Puts the operation's name on ``request.state.graphql_operation`` for the
    request log and the per-operation series (``hub.observability.requests``)."""

    def on_operation(self) -> Iterator[None]:
        yield
        execution_context = self.execution_context
        state = getattr(getattr(execution_context.context, "request", None), "state", None)
        if state is not None:
            state.graphql_operation = operation_label(execution_context)


def operation_label(execution_context: ExecutionContext | None) -> str:
    if execution_context is None:
        return metrics.operation_label(None)
    try:
        name = execution_context.operation_name
    except (AttributeError, RuntimeError):
        name = None
    return metrics.operation_label(name)


def count_resolver_errors(
    errors: list[GraphQLError], execution_context: ExecutionContext | None, *, internal: list[bool]
) -> None:
    """Count field errors (those with a path), by kind: ``internal[i]`` says
    whether ``errors[i]`` is a fault rather than a refused argument."""
    client = sum(1 for e, bad in zip(errors, internal, strict=True) if e.path is not None and not bad)
    fault = sum(1 for e, bad in zip(errors, internal, strict=True) if e.path is not None and bad)
    if client or fault:
        label = operation_label(execution_context)
        if client:
            metrics.resolver_errors(label, "client", client)
        if fault:
            metrics.resolver_errors(label, "internal", fault)
