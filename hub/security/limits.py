"""Shape limits of a GraphQL document: depth, aliases, introspection nesting.

Checked on the parsed document before validation and execution (see
``extension``), in one pass whose cost is linear in the document: a
fragment's depth is computed once however often it is spread, so a fragment
"bomb" costs no more than its text.

Introspection (``__schema``, ``__type``) does not count towards the depth —
GraphiQL's own introspection query is 14 levels deep — but the type lists
that make it recursive (``fields``, ``inputFields``, ``interfaces``,
``possibleTypes``, ``enumValues`` of ``__Type``) may not nest inside each
other, which bounds its answer by the size of the schema.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Visitor,
    visit,
)

from hub.security.settings import Limits

INTROSPECTION_ROOTS = frozenset({"__schema", "__type"})
_TYPE_LISTS = frozenset({"fields", "inputFields", "interfaces", "possibleTypes", "enumValues"})
MAX_TYPE_LIST_NESTING = 1


def fragments_of(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }


def operations_of(document: DocumentNode) -> list[OperationDefinitionNode]:
    return [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]


class _AliasCounter(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def enter_field(self, node: FieldNode, *_: object) -> None:
        if node.alias is not None:
            self.count += 1


def alias_count(document: DocumentNode) -> int:
    counter = _AliasCounter()
    visit(document, counter)
    return counter.count


class _Depth:
    """Depth of selection sets, fragments memoised; introspection measured apart."""

    def __init__(self, fragments: Mapping[str, FragmentDefinitionNode]) -> None:
        self._fragments = fragments
        self._memo: dict[tuple[str, bool], tuple[int, int]] = {}
        self._open: set[tuple[str, bool]] = set()

    def of(self, selections: SelectionSetNode | None, introspection: bool) -> tuple[int, int]:
        """(depth of ordinary fields, nesting of introspection type lists)."""
        if selections is None:
            return 0, 0
        depth = nesting = 0
        for node in selections.selections:
            if isinstance(node, FieldNode):
                name = node.name.value
                if name == "__typename":
                    continue
                inner = introspection or name in INTROSPECTION_ROOTS
                d, n = self.of(node.selection_set, inner)
                if not inner:
                    depth = max(depth, d + 1)
                if inner and name in _TYPE_LISTS and node.selection_set is not None:
                    n += 1
                nesting = max(nesting, n)
            elif isinstance(node, InlineFragmentNode):
                d, n = self.of(node.selection_set, introspection)
                depth, nesting = max(depth, d), max(nesting, n)
            elif isinstance(node, FragmentSpreadNode):
                d, n = self._fragment(node.name.value, introspection)
                depth, nesting = max(depth, d), max(nesting, n)
        return depth, nesting

    def _fragment(self, name: str, introspection: bool) -> tuple[int, int]:
        key = (name, introspection)
        if key in self._memo:
            return self._memo[key]
        fragment = self._fragments.get(name)
        if fragment is None or key in self._open:  # unknown or a cycle: validation's to report
            return 0, 0
        self._open.add(key)
        self._memo[key] = result = self.of(fragment.selection_set, introspection)
        self._open.discard(key)
        return result


def shape_errors(document: DocumentNode, limits: Limits) -> Iterable[GraphQLError]:
    aliases = alias_count(document)
    if aliases > limits.max_aliases:
        yield GraphQLError(
            f"The document uses {aliases} aliases; the limit is {limits.max_aliases}.",
            extensions={"code": "TOO_MANY_ALIASES"},
        )
        return
    measure = _Depth(fragments_of(document))
    for operation in operations_of(document):
        depth, nesting = measure.of(operation.selection_set, False)
        if depth > limits.max_depth:
            yield GraphQLError(
                f"The query is nested {depth} levels deep; the limit is {limits.max_depth}.",
                operation,
                extensions={"code": "QUERY_TOO_DEEP"},
            )
            return
        if nesting > MAX_TYPE_LIST_NESTING:
            yield GraphQLError(
                "Introspection may not nest the type lists of __Type (fields, inputFields, "
                "interfaces, possibleTypes, enumValues) inside each other.",
                operation,
                extensions={"code": "INTROSPECTION_TOO_DEEP"},
            )
            return
