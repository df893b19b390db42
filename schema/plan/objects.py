"""Selections of the planned object types as JSON expressions (``hub.sql.plan``).

Each covered type lists the fields it can build in SQL, each a function of
the field's node, the SQL alias of the row it reads and the compile scope.
A selection it cannot build (an unknown field, an argument, a directive, a
fragment on another type, one response name for two different fields) makes
the whole root field fall back to the resolver path: ``None`` all the way up.

The rows are the tables' own (``hub.sql.read``'s ``*_ROWS`` statements: the
lists' filters and order, without the to-one ids their other statements
compute per row); a relation is read by reference, only when asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from graphql import FieldNode, FragmentDefinitionNode, FragmentSpreadNode, InlineFragmentNode, SelectionSetNode

from hub.sql import plan as sql

# Types that implement ``Node``: a fragment ``on Node`` applies to them.
_NODE_TYPES = frozenset({"Region", "Source", "Station", "Team", "Wish", "Activity"})


@dataclass
class Scope:
    """What one root field's compilation shares: fragments, fresh aliases, the
    extra parameters it uses (after those of the list's own statement)."""

    fragments: Mapping[str, FragmentDefinitionNode]
    first_param: int
    params: list[str] = field(default_factory=list)
    # A claim's alias -> its wish's alias (a claim's team is found by the wish's source).
    wish_of: dict[str, str] = field(default_factory=dict)
    # The alias of a page's own rows, and the joins compiled for them
    # (``sql.region_join``).
    row_alias: str = ""
    row_joins: list[str] = field(default_factory=list)
    _next_alias: int = 0

    def alias(self, prefix: str) -> str:
        self._next_alias += 1
        return f"{prefix}{self._next_alias}"

    def param(self, name: str, sql_type: str) -> str:
        """The placeholder of an extra parameter (``name`` a value the run supplies)."""
        if name not in self.params:
            self.params.append(name)
        return f"${self.first_param + self.params.index(name)}::{sql_type}"

    def sees_villages(self) -> str:
        return self.param("sees_villages", "boolean")


def fields_of(selection_set: SelectionSetNode | None, type_name: str,
              fragments: Mapping[str, FragmentDefinitionNode]) -> list[tuple[str, FieldNode]] | None:
    """(response name, field) of a selection on ``type_name``, fragments
    inlined, in the order graphql-core answers them; None when not plain."""
    if selection_set is None:
        return None
    out: dict[str, FieldNode] = {}

    def walk(selections: SelectionSetNode) -> bool:
        for sel in selections.selections:
            if sel.directives:
                return False
            if isinstance(sel, FieldNode):
                name = sel.alias.value if sel.alias else sel.name.value
                before = out.get(name)
                if before is None:
                    out[name] = sel
                elif (before.name.value != sel.name.value or before.selection_set
                      or sel.selection_set or before.arguments or sel.arguments):
                    return False  # merged sub-selections: left to graphql-core
            elif isinstance(sel, InlineFragmentNode):
                condition = sel.type_condition.name.value if sel.type_condition else None
                if not _applies(condition, type_name) or not walk(sel.selection_set):
                    return False
            elif isinstance(sel, FragmentSpreadNode):
                fragment = fragments.get(sel.name.value)
                if (fragment is None or not _applies(fragment.type_condition.name.value, type_name)
                        or not walk(fragment.selection_set)):
                    return False
            else:
                return False
        return True

    return list(out.items()) if walk(selection_set) else None


def _applies(condition: str | None, type_name: str) -> bool:
    return condition is None or condition == type_name or (
        condition == "Node" and type_name in _NODE_TYPES)


Compile = Callable[[FieldNode, str, Scope], "str | None"]


def object_json(type_name: str, selection_set: SelectionSetNode | None, alias: str,
                scope: Scope) -> str | None:
    """``json_build_object`` of a selection on a row ``alias`` of ``type_name``."""
    fields = fields_of(selection_set, type_name, scope.fragments)
    table = _TYPES.get(type_name)
    if fields is None or table is None:
        return None
    pairs: list[tuple[str, str]] = []
    for response, node in fields:
        if node.arguments:
            return None
        name = node.name.value
        if name == "__typename":
            pairs.append((response, sql.json_name(type_name)))
            continue
        build = table.get(name)
        expression = None if build is None else build(node, alias, scope)
        if expression is None:
            return None
        pairs.append((response, expression))
    return sql.json_object(pairs)


def _column(column: str) -> Compile:
    def build(node: FieldNode, alias: str, scope: Scope) -> str | None:
        return None if node.selection_set else sql.value(f"{alias}.{column}")
    return build


def _datetime(column: str) -> Compile:
    def build(node: FieldNode, alias: str, scope: Scope) -> str | None:
        return None if node.selection_set else sql.value(sql.beijing_datetime(f"{alias}.{column}"))
    return build


def _id(type_name: str, column: str = "id") -> Compile:
    def build(node: FieldNode, alias: str, scope: Scope) -> str | None:
        return None if node.selection_set else sql.value(sql.global_id(type_name, f"{alias}.{column}"))
    return build


def _shown_region(column: str) -> Compile:
    """A non-null ``region`` (the village rule applied to ``column``)."""
    def build(node: FieldNode, alias: str, scope: Scope) -> str | None:
        inner = scope.alias("r")
        fields = object_json("Region", node.selection_set, inner, scope)
        if fields is None:
            return None
        code = sql.shown_region_code(f"{alias}.{column}", scope.sees_villages())
        if alias == scope.row_alias:
            scope.row_joins.append(sql.region_join(fields, inner, code))
            return sql.non_null(f"{inner}_j.json", f"{alias}.{column}")
        return sql.non_null(sql.region_object(fields, inner, code), f"{alias}.{column}")
    return build


def _region_parent(node: FieldNode, alias: str, scope: Scope) -> str | None:
    inner = scope.alias("r")
    fields = object_json("Region", node.selection_set, inner, scope)
    return None if fields is None else sql.or_null(
        sql.region_object(fields, inner, f"{alias}.parent_code"))


def _station(node: FieldNode, alias: str, scope: Scope) -> str | None:
    """A wish's or team's station, by its reference (the rows are the
    table's own: no ``station_id`` computed for every row whether asked or not)."""
    inner = scope.alias("s")
    fields = object_json("Station", node.selection_set, inner, scope)
    return None if fields is None else sql.or_null(sql.station_object(
        fields, inner, f"{inner}.source = {alias}.source and {inner}.source_id = {alias}.station_ref"))


def _station_name(node: FieldNode, alias: str, scope: Scope) -> str | None:
    if node.selection_set:
        return None
    return sql.value(sql.shown_station_name(f"{alias}.name", f"{alias}.region_code",
                                            f"{alias}.level", scope.sees_villages()))


def _claims(node: FieldNode, alias: str, scope: Scope) -> str | None:
    inner = scope.alias("c")
    scope.wish_of[inner] = alias
    fields = object_json("Claim", node.selection_set, inner, scope)
    return None if fields is None else sql.claims_list(fields, inner, alias)


def _claim_team(node: FieldNode, alias: str, scope: Scope) -> str | None:
    inner = scope.alias("t")
    fields = object_json("Team", node.selection_set, inner, scope)
    wish = scope.wish_of[alias]
    return None if fields is None else sql.or_null(sql.team_object(
        fields, inner, f"{wish}.source", f"{alias}.team_ref"))


_TYPES: dict[str, dict[str, Compile]] = {
    "Region": {
        "id": _id("Region", "code"),
        "code": _column("code"),
        "name": _column("name"),
        "level": _column("level"),
        "parent": _region_parent,
    },
    "Station": {
        "id": _id("Station"),
        "level": _column("level"),
        "sourceId": _column("source_id"),
        "name": _station_name,
        "region": _shown_region("region_code"),
    },
    "Team": {
        "id": _id("Team"),
        "name": _column("name"),
        "category": _column("category"),
        "memberCount": _column("member_count"),
        "sourceId": _column("source_id"),
        "region": _shown_region("region_code"),
        "station": _station,
    },
    "Claim": {
        "claimantKind": _column("claimant_kind"),
        "claimantName": _column("claimant_name"),
        "claimedAt": _datetime("claimed_at"),
        "team": _claim_team,
    },
    "Wish": {
        "id": _id("Wish"),
        "title": _column("title"),
        "kind": _column("kind"),
        "category": _column("category"),
        "beneficiaryGroup": _column("beneficiary_group"),
        "beneficiaryName": _column("beneficiary_name"),
        "status": _column("status"),
        "submittedAt": _datetime("submitted_at"),
        "claimedAt": _datetime("claimed_at"),
        "fulfilledAt": _datetime("fulfilled_at"),
        "handlingLevel": _column("handling_level"),
        "sourceId": _column("source_id"),
        "region": _shown_region("region_code"),
        "station": _station,
        "claims": _claims,
    },
}


def covered_fields(type_name: str) -> frozenset[str]:
    """The fields of ``type_name`` the planner builds (for tests and docs)."""
    return frozenset(_TYPES.get(type_name, {})) | {"__typename"}


