"""The cost of an operation: how many values its answer could hold.

Each field costs 1; a list multiplies what is selected inside it by its
size: ``first`` where the field takes it (for a connection, its ``edges``),
otherwise ``Limits.list_size``. ``first`` comes from the literal, the
variables, the variable's default or the argument's default, in that order —
the figure is known from the document and the variables alone, before any
resolver (and so any SQL) runs; ``first`` counts at most ``max_first`` (a
larger one is refused by the field, also before SQL).

Two lists are sized by what drives their work rather than ``list_size``:
``statsSeries`` by its points (from its ``filter``'s ``from``/``to`` and its
``granularity``; a missing bound counts as the calendar's, at most
``MAX_SERIES_POINTS``), ``statsByRegion`` by the regions at its ``level``
inside the filter's region (1,406 towns, 16,727 villages in the province) — so
a series of daily figures or a grid of every village costs what it reads.

Introspection fields cost 1 each, unmultiplied: their answer is bounded by
the schema (``limits`` keeps their nesting flat). A fragment is costed once
per context and reused, so the work is linear in the document.

A cost that read no variable (every ``first`` a literal or a default, no sized
list) is the same for every request of the document: it is worked out once
per operation node and remembered (about a tenth of the hub's own time per
request of a small planned page went into walking the document again).
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Undefined,
    VariableNode,
    get_named_type,
    value_from_ast_untyped,
)
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef

from hub import regions
from hub.models import RegionLevel
from hub.places import load_places
from hub.security.limits import INTROSPECTION_ROOTS
from hub.stats_calendar import (
    CEILING,
    FLOOR,
    MAX_SERIES_POINTS,
    Granularity,
    point_count,
)


def _is_list(field: GraphQLField) -> bool:
    kind: Any = field.type
    if isinstance(kind, GraphQLNonNull):
        kind = kind.of_type
    return isinstance(kind, GraphQLList)


def _date(value: object, default: dt.date) -> dt.date:
    if not isinstance(value, str):
        return default
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return default  # the field refuses it, before any SQL
    return min(max(day, FLOOR), CEILING)


def _filter(args: Mapping[str, Any]) -> Mapping[str, Any]:
    found = args.get("filter")
    return found if isinstance(found, dict) else {}


def _series_points(args: Mapping[str, Any]) -> int:
    flt = _filter(args)
    try:
        granularity = Granularity(args.get("granularity") or "MONTH")
    except ValueError:
        granularity = Granularity.DAY
    lo, hi = _date(flt.get("from"), FLOOR), _date(flt.get("to"), CEILING)
    return min(point_count(lo, hi, granularity), MAX_SERIES_POINTS)


def _region_rows(args: Mapping[str, Any]) -> int:
    code = _filter(args).get("regionCode")
    if not isinstance(code, str):
        code = regions.PROVINCE_CODE
    try:
        level = RegionLevel(args.get("level") or "CITY")
    except ValueError:
        return 1
    return load_places().count_below(code, level)


# List fields sized by their arguments (see the module's docstring).
_SIZED: dict[str, Callable[[Mapping[str, Any]], int]] = {
    "statsSeries": _series_points,
    "statsByRegion": _region_rows,
}


class _Cost:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        defaults: Mapping[str, Any],
        list_size: int,
        max_first: int,
    ) -> None:
        self._schema = schema
        self._fragments = fragments
        self._variables = variables
        self._defaults = defaults
        self._list_size = list_size
        self._max_first = max_first
        self._memo: dict[tuple[str, int | None, bool], int] = {}
        self._open: set[tuple[str, int | None, bool]] = set()
        # Whether the figure depends on the variables (then it is not remembered).
        self.read_variables = False

    def selection(
        self, node: SelectionSetNode | None, parent: Any, paged: int | None, introspection: bool
    ) -> int:
        """Cost of selecting ``node`` once on ``parent``; ``paged``: the size of the
        lists directly inside (a connection's ``edges``)."""
        if node is None:
            return 0
        total = 0
        for sel in node.selections:
            if isinstance(sel, FieldNode):
                total += self._field(sel, parent, paged, introspection)
            elif isinstance(sel, InlineFragmentNode):
                on = parent
                if sel.type_condition is not None:
                    on = self._schema.get_type(sel.type_condition.name.value) or parent
                total += self.selection(sel.selection_set, on, paged, introspection)
            elif isinstance(sel, FragmentSpreadNode):
                total += self._fragment(sel.name.value, paged, introspection)
        return total

    def _fragment(self, name: str, paged: int | None, introspection: bool) -> int:
        key = (name, paged, introspection)
        if key in self._memo:
            return self._memo[key]
        fragment = self._fragments.get(name)
        if fragment is None or key in self._open:
            return 0  # unknown or a cycle: validation reports it
        self._open.add(key)
        on = self._schema.get_type(fragment.type_condition.name.value)
        cost = self.selection(fragment.selection_set, on, paged, introspection)
        self._open.discard(key)
        self._memo[key] = cost
        return cost

    def _field(self, node: FieldNode, parent: Any, paged: int | None, introspection: bool) -> int:
        name = node.name.value
        if name == "__typename":
            return 0
        field = self._definition(name, parent)
        if field is None:
            return 1  # unknown: validation refuses it
        inner = introspection or name in INTROSPECTION_ROOTS
        named = get_named_type(field.type)
        if inner:
            return 1 + self.selection(node.selection_set, named, None, True)
        if "first" in field.args:
            first = self._first(node, field)
            if _is_list(field):  # a plain list: the page is the list itself
                return 1 + first * self.selection(node.selection_set, named, None, False)
            # A connection: its `edges` list holds the page.
            return 1 + self.selection(node.selection_set, named, first, False)
        if name in _SIZED and _is_list(field):
            size = _SIZED[name](self._arguments(node))
        else:
            size = (paged if paged is not None else self._list_size) if _is_list(field) else 1
        return 1 + size * self.selection(node.selection_set, named, None, False)

    def _arguments(self, node: FieldNode) -> dict[str, Any]:
        self.read_variables = True
        out: dict[str, Any] = {}
        for arg in node.arguments or ():
            try:
                out[arg.name.value] = value_from_ast_untyped(arg.value, dict(self._variables))
            except Exception:  # an ill-formed value: validation refuses it
                continue
        return out

    def _definition(self, name: str, parent: Any) -> GraphQLField | None:
        if name == "__schema":
            return SchemaMetaFieldDef
        if name == "__type":
            return TypeMetaFieldDef
        if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            found: GraphQLField | None = parent.fields.get(name)
            return found
        return None

    def _first(self, node: FieldNode, field: GraphQLField) -> int:
        value: Any = Undefined
        for arg in node.arguments or ():
            if arg.name.value != "first":
                continue
            if isinstance(arg.value, IntValueNode):
                value = int(arg.value.value)
            elif isinstance(arg.value, VariableNode):
                self.read_variables = True
                var = arg.value.name.value
                value = self._variables.get(var, self._defaults.get(var, Undefined))
            else:
                value = None
        if value is Undefined or value is None:
            value = field.args["first"].default_value
        if not isinstance(value, int) or isinstance(value, bool):
            return self._list_size  # absent or ill-typed: coercion refuses the latter
        # Out of range is refused by the field itself (hub.read.check_first), still
        # before any SQL; here it only costs what it could at most return.
        return min(max(value, 0), self._max_first)


def _defaults(operation: OperationDefinitionNode) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for definition in operation.variable_definitions or ():
        default = definition.default_value
        if isinstance(default, IntValueNode):
            found[definition.variable.name.value] = int(default.value)
    return found


# Costs that read no variable, by operation node (kept alive, so that its id
# is not reused; the parser cache hands every request of a document the same
# nodes), with the schema and limits they were worked out for.
MAX_FIXED = 512
_FIXED: OrderedDict[int, tuple[OperationDefinitionNode, GraphQLSchema, int, int, int]] = (
    OrderedDict())


def operation_cost(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any] | None,
    *,
    list_size: int,
    max_first: int,
) -> int:
    """The operation's cost (see the module's docstring)."""
    key = id(operation)
    found = _FIXED.get(key)
    if (found is not None and found[0] is operation and found[1] is schema
            and found[2] == list_size and found[3] == max_first):
        _FIXED.move_to_end(key)
        return found[4]
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0
    walker = _Cost(schema, fragments, variables or {}, _defaults(operation), list_size, max_first)
    cost = walker.selection(operation.selection_set, root, None, False)
    if not walker.read_variables:
        _FIXED[key] = (operation, schema, list_size, max_first, cost)
        if len(_FIXED) > MAX_FIXED:
            _FIXED.popitem(last=False)
    return cost
