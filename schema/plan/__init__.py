"""The query planner: known documents' root fields answered by one SQL
statement each, whose JSON PostgreSQL builds and Python forwards unread.

``root_plan`` compiles a root field once per parsed document (cached by the
field's node: the parser cache hands every request of a document the same
nodes) into a ``RootPlan``, or says the planner does not cover it;
``answer`` runs it for one request. The executor (``schema.executor``) asks
for plans at the root of a query when the transport splices JSON
(``Context.splice_json``: the HTTP endpoint) and gives anything not covered,
and any field whose planned run fails, to the resolver path, which then
answers or reports exactly as it always does. The test
``tests/schema/test_planner_parity.py`` runs the tests' documents through
both paths, for every role, and compares the answers.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import FieldNode, FragmentDefinitionNode, GraphQLField

from schema.plan.roots import RootPlan, compile_root

__all__ = ["COUNTS", "MAX_PLANS", "RootPlan", "SplicedJson", "answer", "root_plan", "splice", "unspliced"]

# Root fields remembered (their nodes kept alive, so ids are not reused):
# as many documents as the parser cache keeps, a few root fields each.
MAX_PLANS = 2048

_PLANS: OrderedDict[int, tuple[FieldNode, RootPlan | None]] = OrderedDict()


@dataclass
class Counts:
    """Root fields answered by a plan, and planned ones handed to the resolver
    path at run time (an error to report, a row the schema forbids)."""

    answered: int = 0
    fell_back: int = 0
    # Requests answered without strawberry's execution (``schema.plan.direct``).
    direct: int = 0


COUNTS = Counts()


def root_plan(field_def: GraphQLField, node: FieldNode,
              fragments: Callable[[], Mapping[str, FragmentDefinitionNode]]) -> RootPlan | None:
    """The plan of a root field (``fragments``: the document's, asked for
    only when the field is compiled), or None when not covered."""
    key = id(node)
    found = _PLANS.get(key)
    if found is not None and found[0] is node:
        _PLANS.move_to_end(key)
        return found[1]
    try:
        plan = compile_root(field_def, node, fragments())
    except Exception:  # a document the compiler misreads is not planned
        plan = None
    _PLANS[key] = (node, plan)
    if len(_PLANS) > MAX_PLANS:
        _PLANS.popitem(last=False)
    return plan


async def answer(plan: RootPlan, context: Any, variables: Any, schema: Any) -> Any:
    """The field's value: its JSON text (``SplicedJson``), or None. Raises
    whatever stops it (the caller falls back)."""
    prepared = plan.prepare(context, plan.arguments(variables, schema))
    if prepared is None:
        return None
    key, own, extra = prepared
    statement = plan.statement(key)
    if statement is None:
        raise LookupError("not planned")
    text = await context.pool.fetchval(statement.sql, *own, *(extra[n] for n in statement.extra))
    return None if text is None else SplicedJson(text)


class SplicedJson:
    """A field's value that is JSON text already: the HTTP endpoint writes it
    into the answer as it is (``orjson.Fragment``; ``encode`` below)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SplicedJson) and other.text == self.text

    __hash__ = None  # type: ignore[assignment]


def splice(value: object) -> object:
    """``default`` of ``orjson.dumps``: a planned field's JSON, unread."""
    if isinstance(value, SplicedJson):
        return orjson.Fragment(value.text)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def unspliced(value: object) -> object:
    """``default`` of ``json.dumps``: a planned field's JSON, read."""
    if isinstance(value, SplicedJson):
        return json.loads(value.text)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")
