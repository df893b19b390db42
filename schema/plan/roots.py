"""Root fields the planner answers with one statement each: ``wishes``,
``teams``, ``stations`` and ``wish``.

A plan is compiled once per field node of a parsed document (the parser
cache hands the same nodes to every request of a document) and run per
request: its arguments are converted as strawberry converts them and
checked by the resolvers' own functions (``schema.filters``,
``hub.read.check_first``, ``hub.ids``), which raise the same errors; any
error makes the field fall back to the resolver path, which reports it.
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import FieldNode, FragmentDefinitionNode, GraphQLField
from graphql.execution.values import get_argument_values
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.arguments import convert_arguments

from hub import ids, read
from hub.sql import plan as sql
from hub.sql import read as q
from schema.filters import WishOrder, station_query, team_query, wish_query
from schema.plan.arguments import compile_arguments
from schema.plan.objects import Scope, fields_of, object_json


@dataclass(frozen=True, slots=True)
class Statement:
    """A statement and how to fill its parameters from a request's values."""

    sql: str
    extra: tuple[str, ...]  # names of the parameters after the list's own


# Statements kept per root field: a client's usual combinations of filters
# (each a statement of its own, planned once per connection), not every one
# a client could send (2^15 for the wish list).
MAX_STATEMENTS = 32
_MISSING = object()


@dataclass
class RootPlan:
    """How to answer one root field in SQL, given its arguments."""

    definition: GraphQLField
    node: FieldNode
    # (context, converted arguments) -> (statement key, the list's own
    # parameters, values of the extra parameters), or None when the answer is
    # null without SQL; raises as the resolver would.
    prepare: Callable[[Any, dict[str, Any]], tuple[Any, list[Any], dict[str, Any]] | None]
    # statement key -> the statement (compiled on first use: a wish list's
    # order is an argument, possibly a variable, and a list is written for
    # the filters a request sets, ``hub.sql.read.Shape``).
    compile: Callable[[Any], Statement | None]
    statements: OrderedDict[Any, Statement | None] = field(default_factory=OrderedDict)
    # (the strawberry schema, its compiled argument conversion), made on first use.
    converter: tuple[Any, Callable[[Mapping[str, Any]], dict[str, Any]]] | None = None

    def statement(self, key: Any) -> Statement | None:
        found = self.statements.get(key, _MISSING)
        if found is not _MISSING:
            self.statements.move_to_end(key)
            return found
        compiled = self.statements[key] = self.compile(key)
        if len(self.statements) > MAX_STATEMENTS:
            self.statements.popitem(last=False)
        return compiled

    def arguments(self, variables: Any, schema: Any) -> dict[str, Any]:
        """The field's arguments as the resolver receives them (``variables``:
        graphql-core's coerced ones; ``schema``: the strawberry schema)."""
        raw = get_argument_values(self.definition, self.node, variables)
        if self.converter is None or self.converter[0] is not schema:
            arguments = self.definition.extensions[GraphQLCoreConverter.DEFINITION_BACKREF].arguments
            self.converter = (schema, compile_arguments(arguments, schema) or functools.partial(
                _strawberry_conversion, arguments=arguments, schema=schema))
        return self.converter[1](raw)


def _strawberry_conversion(raw: Mapping[str, Any], *, arguments: Any, schema: Any
                           ) -> dict[str, Any]:
    converted: dict[str, Any] = convert_arguments(
        dict(raw), arguments, scalar_registry=schema.schema_converter.scalar_registry,
        config=schema.config)
    return converted


# ---------------------------------------------------------------- connections


@dataclass(frozen=True, slots=True)
class _List:
    """A list kind: its type names, statements and cursor."""

    connection: str
    edge: str
    node: str
    alias: str
    sql: q.ListSql
    keys: tuple[q.Key, ...]
    descending: Callable[[bool], bool]  # ascending -> whether the page statement descends
    own_params: int  # parameters of the page statement
    order: Callable[[str, bool], str]  # (alias, ascending) -> order by
    cursor: Callable[[str, bool], str]  # (alias, ascending) -> the cursor's SQL


_WISHES = _List(
    connection="WishConnection", edge="WishEdge", node="Wish", alias="w",
    sql=q.WISHES, keys=q.BY_SUBMITTED, descending=lambda ascending: not ascending, own_params=16,
    order=lambda a, asc: f"{a}.submitted_at, {a}.id" if asc else f"{a}.submitted_at desc, {a}.id desc",
    cursor=lambda a, asc: sql.cursor("wish-asc" if asc else "wish-desc", f"{a}.submitted_at",
                                     f"{a}.id", instant_first=True),
)

_TEAMS = _List(
    connection="TeamConnection", edge="TeamEdge", node="Team", alias="t",
    sql=q.TEAMS, keys=q.BY_ID, descending=lambda ascending: False, own_params=7,
    order=lambda a, asc: f"{a}.id", cursor=lambda a, asc: sql.cursor("team", f"{a}.id"),
)


_STATIONS = _List(
    connection="StationConnection", edge="StationEdge", node="Station", alias="s",
    sql=q.STATIONS, keys=q.BY_ID, descending=lambda ascending: False, own_params=6,
    order=lambda a, asc: f"{a}.id", cursor=lambda a, asc: sql.cursor("station", f"{a}.id"),
)


def _connection(kind: _List, node: FieldNode, fragments: Mapping[str, FragmentDefinitionNode],
                key: tuple[bool, q.Shape]) -> Statement | None:
    ascending, shape = key
    scope = Scope(fragments=fragments, first_param=kind.own_params + 1, row_alias=kind.alias)
    top = fields_of(node.selection_set, kind.connection, fragments)
    if top is None:
        return None
    order = kind.order(kind.alias, ascending)
    cursor = kind.cursor(kind.alias, ascending)
    pairs: list[tuple[str, str]] = []
    for response, sub in top:
        name = sub.name.value
        if sub.arguments:
            return None
        if name == "__typename":
            built: str | None = sql.json_name(kind.connection)
        elif name == "totalCount":
            built = sql.value(f"({q.count(kind.sql, shape)})")
        elif name == "edges":
            built = _edges(kind, sub, scope, cursor, order)
        elif name == "pageInfo":
            built = _page_info(sub, scope, cursor, order)
        else:
            built = None
        if built is None:
            return None
        pairs.append((response, built))
    page = q.page(kind.sql, kind.keys, descending=kind.descending(ascending),
                  to_one=False, shape=shape)
    return Statement(sql.page_statement(page, sql.json_object(pairs)), tuple(scope.params))


def _edges(kind: _List, node: FieldNode, scope: Scope, cursor: str, order: str) -> str | None:
    fields = fields_of(node.selection_set, kind.edge, scope.fragments)
    if fields is None:
        return None
    pairs: list[tuple[str, str]] = []
    for response, sub in fields:
        name = sub.name.value
        if sub.arguments:
            return None
        if name == "__typename":
            built: str | None = sql.json_name(kind.edge)
        elif name == "cursor":
            built = sql.value(cursor)
        elif name == "node":
            built = object_json(kind.node, sub.selection_set, kind.alias, scope)
        else:
            built = None
        if built is None:
            return None
        pairs.append((response, built))
    return sql.edges(sql.json_object(pairs), kind.alias, order, _first_param(scope),
                     " ".join(scope.row_joins))


def _page_info(node: FieldNode, scope: Scope, cursor: str, order: str) -> str | None:
    fields = fields_of(node.selection_set, "PageInfo", scope.fragments)
    if fields is None:
        return None
    pairs: list[tuple[str, str]] = []
    for response, sub in fields:
        name = sub.name.value
        if sub.arguments:
            return None
        if name == "__typename":
            built: str | None = sql.json_name("PageInfo")
        elif name == "hasNextPage":
            built = sql.has_next(_first_param(scope))
        elif name == "hasPreviousPage":
            built = sql.value(scope.param("has_previous", "boolean"))
        elif name in ("startCursor", "endCursor"):
            built = sql.end_cursor(cursor, scope.row_alias, order, _first_param(scope),
                                   start=name == "startCursor")
        else:
            built = None
        if built is None:
            return None
        pairs.append((response, built))
    return sql.json_object(pairs)


def _first_param(scope: Scope) -> str:
    """The page's size (an extra parameter: allocated only when used, as
    PostgreSQL must infer the type of every parameter from the text)."""
    return scope.param("first", "bigint")


def _extra(ctx: Any, first: int, after: str | None) -> dict[str, Any]:
    return {"first": first, "has_previous": after is not None,
            "sees_villages": ctx.caller.sees_villages}


def _list_prepare(query_of: Callable[[dict[str, Any]], tuple[Any, bool]]
                  ) -> Callable[[Any, dict[str, Any]], Any]:
    """A list root's step before its statement, from ``query_of`` (the
    arguments' ``hub.read`` query and whether it is in ascending order): the
    page size checked, the statement's key (order, ``Shape``) and parameters."""
    def prepare(ctx: Any, args: dict[str, Any]) -> Any:
        first = read.check_first(_first(args))
        query, ascending = query_of(args)
        after = args.get("after")
        own = _own(query, first, after)
        return (ascending, _shape(query, own, after)), own, _extra(ctx, first, after)
    return prepare


def _wishes_query(args: dict[str, Any]) -> tuple[Any, bool]:
    query = wish_query(args.get("filter"), args.get("order_by") or WishOrder.SUBMITTED_DESC)
    return query, query.ascending


# Teams and stations have one order, by id (the key's flag is not read).
_PREPARE = {
    "wishes": _list_prepare(_wishes_query),
    "teams": _list_prepare(lambda args: (team_query(args.get("filter")), False)),
    "stations": _list_prepare(lambda args: (station_query(args.get("filter")), False)),
}


def _own(query: Any, first: int, after: str | None) -> list[Any]:
    """The list statement's parameters, as ``hub.read.page`` passes them."""
    kind = query.kind
    return [*kind.params(query), *kind.orders[query.order].position(after), first + 1]


def _shape(query: Any, own: list[Any], after: str | None) -> q.Shape:
    """Which of the list statement's parameters (``own``) are set."""
    filters = own[:len(query.kind.sql.conditions)]
    return q.Shape(tuple(v is not None for v in filters), after is not None)


def _first(args: dict[str, Any]) -> int:
    first = args.get("first", 20)
    return 20 if first is None else int(first)


# ---------------------------------------------------------------- one wish


def _wish(node: FieldNode, fragments: Mapping[str, FragmentDefinitionNode]) -> Statement | None:
    # One row: its region by a subquery (a join pays only over many rows).
    scope = Scope(fragments=fragments, first_param=2)
    built = object_json("Wish", node.selection_set, "w", scope)
    if built is None:
        return None
    return Statement(sql.row_statement(q.WISH_ROW_BY_ID, "w", built), tuple(scope.params))


def _wish_prepare(ctx: Any, args: dict[str, Any]) -> Any:
    key = ids.decode_int_id(args["id"], "Wish")
    if key is None:
        return None
    return None, [key], {"sees_villages": ctx.caller.sees_villages}


# ---------------------------------------------------------------- the planner's entry


def compile_root(field_def: GraphQLField, node: FieldNode,
                 fragments: Mapping[str, FragmentDefinitionNode]) -> RootPlan | None:
    """A plan for a root field, or None when the planner does not cover it.

    The statements are compiled lazily; a selection the planner does not
    cover is found at the first compile and then remembered as None.
    """
    name = node.name.value
    if node.directives:
        return None
    lists = {"wishes": _WISHES, "teams": _TEAMS, "stations": _STATIONS}
    if name in lists:
        kind = lists[name]
        plan = RootPlan(field_def, node, _PREPARE[name],
                        lambda key: _connection(kind, node, fragments, key))
        # Found out now whether the selection is covered (every order and shape alike).
        unfiltered = q.Shape((False,) * len(kind.sql.conditions), after=False)
        covered = plan.statement((False, unfiltered)) is not None
    elif name == "wish":
        plan = RootPlan(field_def, node, _wish_prepare, lambda _: _wish(node, fragments))
        covered = plan.statement(None) is not None
    else:
        return None
    return plan if covered else None
