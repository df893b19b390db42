"""Beneficiaries' exact villages are for city and province keys only.

Others see a wish's town (``schema.types.Wish.region``); this check closes
the side doors: filtering wishes or statistics by a village code, and
statistics grouped by village, would tell the same thing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    value_from_ast_untyped,
)

from hub import regions

# Root fields about beneficiaries, and their arguments that name a region.
_FILTERED = frozenset({"wishes", "stats", "statsByRegion", "statsSeries", "wishEvents"})
_OPERATIONS = (OperationType.QUERY, OperationType.SUBSCRIPTION)


def _root_fields(
    node: SelectionSetNode, fragments: Mapping[str, FragmentDefinitionNode], seen: set[str]
) -> Iterator[FieldNode]:
    for sel in node.selections:
        if isinstance(sel, FieldNode):
            yield sel
        elif isinstance(sel, InlineFragmentNode):
            yield from _root_fields(sel.selection_set, fragments, seen)
        elif isinstance(sel, FragmentSpreadNode) and sel.name.value not in seen:
            seen.add(sel.name.value)
            fragment = fragments.get(sel.name.value)
            if fragment is not None:
                yield from _root_fields(fragment.selection_set, fragments, seen)


def _is_village(code: object) -> bool:
    if not isinstance(code, str):
        return False
    canon = regions.canonical_code(code)
    return canon is not None and len(canon) == 12


def village_errors(
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any] | None,
) -> Iterator[GraphQLError]:
    if operation.operation not in _OPERATIONS:
        return
    for field in _root_fields(operation.selection_set, fragments, set()):
        if field.name.value not in _FILTERED:
            continue
        for arg in field.arguments or ():
            value = value_from_ast_untyped(arg.value, dict(variables or {}))
            village = (
                (arg.name.value == "filter" and isinstance(value, dict)
                 and _is_village(value.get("regionCode")))
                or (arg.name.value == "level" and value == "VILLAGE")
                or (arg.name.value == "regionCode" and _is_village(value))
            )
            if village:
                yield GraphQLError(
                    f"`{field.name.value}` by village needs a city or province key; "
                    "filter by the town (9 digits) or above.",
                    field,
                    extensions={"code": "FORBIDDEN"},
                )
                return
