"""Answers without strawberry's execution, for documents the planner covers entirely.

A query whose every root field the planner answers spends most of the hub's
own time per request outside the statements: strawberry's extensions and
graphql-core's execution around them. Once such a document has been answered
by the ordinary path without an error (so it parses within the limits and is
valid), ``DirectAnswers`` remembers it, keyed by its text and operation name,
and answers later requests itself: the per-request checks (cost and the
village rule, ``hub.security.extension.check_operation``), variable coercion
(graphql-core's own), then the planned statements, spliced.

Nothing here reports an error: at the first sign of one (a check refuses, a
variable does not coerce, a statement fails or finds a row the schema forbids)
it answers None and the request takes the ordinary path, which refuses or
reports exactly as it always does (``tests/schema/test_planner_parity.py``).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    OperationDefinitionNode,
    OperationType,
    parse,
)
from graphql.execution.values import get_variable_values
from strawberry.types import ExecutionResult

from hub.observability.metrics import operation_label
from hub.security.extension import check_operation
from schema import plan as planner

__all__ = ["MAX_DOCUMENTS", "DirectAnswers"]

# Documents remembered per endpoint (covered or not): as many as the parser cache keeps.
MAX_DOCUMENTS = 512


@dataclass(frozen=True, slots=True)
class _Document:
    """A covered document: its one operation and the plans of its root fields."""

    document: DocumentNode  # kept alive: the plans are cached by its nodes
    operation: OperationDefinitionNode
    fragments: Mapping[str, FragmentDefinitionNode]
    roots: tuple[tuple[str, planner.RootPlan], ...]  # (response name, plan)


class DirectAnswers:
    """The documents one endpoint answers directly (``schema``: strawberry's)."""

    def __init__(self, schema: Any) -> None:
        self.schema = schema
        self._known: OrderedDict[tuple[str, str | None], _Document | None] = OrderedDict()

    def learn(self, query: str, operation_name: str | None, result: ExecutionResult) -> None:
        """After the ordinary path answered ``query`` without an error: whether
        the planner covers it entirely (worked out once per document)."""
        key = (query, operation_name)
        if result.errors or key in self._known:
            return
        try:
            self._known[key] = _covered(self.schema, query, operation_name)
        except Exception:  # a document this reads otherwise than graphql-core: not direct
            self._known[key] = None
        if len(self._known) > MAX_DOCUMENTS:
            self._known.popitem(last=False)

    async def answer(self, query: str, operation_name: str | None,
                     variables: dict[str, Any] | None, context: Any) -> ExecutionResult | None:
        """The answer, or None: the ordinary path then answers."""
        document = self._known.get((query, operation_name))
        if document is None:
            return None
        try:
            return await self._run(document, operation_name, variables, context)
        except Exception:  # the ordinary path reports it
            return None

    async def _run(self, document: _Document, operation_name: str | None,
                   variables: dict[str, Any] | None, context: Any) -> ExecutionResult | None:
        gql = self.schema._schema
        if check_operation(gql, document.operation, document.fragments, variables,
                           context) is not None:
            return None
        coerced = get_variable_values(gql, document.operation.variable_definitions or (),
                                      variables or {})
        if isinstance(coerced, list):  # errors
            return None
        plans = document.roots
        if len(plans) == 1:
            values = [await planner.answer(plans[0][1], context, coerced, self.schema)]
        else:
            values = list(await asyncio.gather(
                *(planner.answer(plan, context, coerced, self.schema) for _, plan in plans)))
        planner.COUNTS.answered += len(plans)
        planner.COUNTS.direct += 1
        # What OperationObserver leaves for the request log and the metrics.
        state = getattr(getattr(context, "request", None), "state", None)
        if state is not None:
            op = document.operation
            state.graphql_operation = operation_label(
                operation_name if operation_name is not None else op.name.value if op.name else None)
        return ExecutionResult(data=dict(zip((n for n, _ in plans), values, strict=True)),
                               errors=None)


def _covered(schema: Any, query: str, operation_name: str | None) -> _Document | None:
    """The document when its operation is a query whose root fields are plain
    fields (no fragments, directives or repeated names at the root) that the
    planner covers; None otherwise."""
    document = parse(query)
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is None:
        chosen = operations if len(operations) == 1 else []
    else:
        chosen = [op for op in operations if op.name is not None and op.name.value == operation_name]
    if len(chosen) != 1:
        return None
    operation = chosen[0]
    if operation.operation is not OperationType.QUERY or operation.directives:
        return None
    if any(v.directives for v in operation.variable_definitions or ()):
        return None
    fragments = {d.name.value: d for d in document.definitions
                 if isinstance(d, FragmentDefinitionNode)}
    query_type = schema._schema.query_type
    roots: list[tuple[str, planner.RootPlan]] = []
    for selection in operation.selection_set.selections:
        if not isinstance(selection, FieldNode) or selection.directives:
            return None
        name = (selection.alias or selection.name).value
        definition = query_type.fields.get(selection.name.value)
        if definition is None or any(n == name for n, _ in roots):
            return None
        plan = planner.root_plan(definition, selection, lambda: fragments)
        if plan is None:
            return None
        roots.append((name, plan))
    if not roots:
        return None
    return _Document(document, operation, fragments, tuple(roots))
