"""Beneficiaries' exact villages are for city and province keys only.

The one rule, for every path a village could take to a caller who may not
see villages (public, viewer):

- the ``region`` of a wish, station, team or activity in a village is its
  town (``region_code_for``): a wish's station, the activities it holds and
  the teams based there would otherwise name the village the wish's own
  region hides;
- a station in a village keeps its id and level, but its name — which names
  the village (安泰社区新时代文明实践站) — is the generic name of its level
  (``station_name_for``: 新时代文明实践站);
- filtering wishes, statistics, stations, teams or activities by a village
  code, and statistics grouped by village, are refused (``village_errors``):
  they would tell the same thing.

Types apply it whichever way an object is reached: a list, ``node(id:)``,
``_entities``, a relation; the query planner's SQL applies the same two
functions' rule (``hub.sql.plan``: ``shown_region_code``, ``shown_station_name``).
Free text the platforms wrote (a team's name, an activity's title) is shown
as written.
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
from hub.models import StationLevel
from hub.security.roles import Caller

# Root fields whose `filter.regionCode` (or `level`) could name a village.
_FILTERED = frozenset({"wishes", "stats", "statsByRegion", "statsSeries", "wishEvents",
                       "stations", "teams", "activities"})
_OPERATIONS = (OperationType.QUERY, OperationType.SUBSCRIPTION)

VILLAGE_CODE_LENGTH = 12
TOWN_CODE_LENGTH = 9

# What a station in a village is called for callers who may not see villages.
GENERIC_STATION_NAMES = {
    StationLevel.CENTER: "新时代文明实践中心",
    StationLevel.INSTITUTE: "新时代文明实践所",
    StationLevel.STATION: "新时代文明实践站",
    StationLevel.POINT: "新时代文明实践点",
}


def region_code_for(caller: Caller, code: str) -> str:
    """The region ``caller`` is shown for something in ``code``: a village's town
    when the caller may not see villages."""
    if len(code) == VILLAGE_CODE_LENGTH and not caller.sees_villages:
        return code[:TOWN_CODE_LENGTH]
    return code


def station_name_for(caller: Caller, name: str, region_code: str, level: StationLevel) -> str:
    """A station's name as ``caller`` is shown it: generic for one in a village."""
    if len(region_code) == VILLAGE_CODE_LENGTH and not caller.sees_villages:
        return GENERIC_STATION_NAMES.get(StationLevel(level), GENERIC_STATION_NAMES[StationLevel.STATION])
    return name


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
