"""graphql-core's executor with a fast path for plain fields.

A plain field is an attribute of an object already loaded: no resolver, no
arguments, no field extension (strawberry's ``is_basic_field``), of a leaf type
or of an object type that is not part of an interface or union; or a field
whose metadata names the attribute it reads when asked without arguments
(``PLAIN_WITHOUT_ARGUMENTS``). graphql-core
builds a ``GraphQLResolveInfo``, a ``Path`` and a resolver call for every such
field of every item of a list: about 9 µs a field here, so that a year of
daily statistics (365 points of 21 fields) cost 67 ms before a byte was sent.
The fast path reads the attribute and coerces it directly.

Everything else (resolvers, arguments, abstract types, lists, ``@defer``,
``__typename``, a null where none is allowed, an awaitable attribute) goes
through graphql-core unchanged, so errors, paths and nullability behave
exactly as before.
"""

from __future__ import annotations

import asyncio
import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
)
from graphql.execution.collect_fields import GroupedFieldSet
from graphql.pyutils import Path, Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

__all__ = ["PLAIN_WITHOUT_ARGUMENTS", "HubExecutor"]

# Field metadata: the attribute a field with a resolver and arguments reads
# when the query passes no arguments (the value its defaults would give,
# loaded with the object). ``metadata={PLAIN_WITHOUT_ARGUMENTS: "_name"}``.
PLAIN_WITHOUT_ARGUMENTS = "hub.plain_without_arguments"


@dataclass(frozen=True, slots=True)
class _Plain:
    """How to read one plain field: the attribute, then coerce or descend."""

    read: Any  # (source) -> value
    return_type: Any
    non_null: bool
    leaf: GraphQLScalarType | GraphQLEnumType | None
    object_type: GraphQLObjectType | None
    # Whether the scalar would return a value as it is (checked first, cheaply).
    unchanged: Callable[[Any], bool] | None = None
    # A field with a resolver, plain only when the query gives no arguments.
    bare_only: bool = False


# Values the built-in scalars return as they are: checking this is cheaper
# than coercing (the checks are the coercions' own).
_UNCHANGED: dict[str, Callable[[Any], bool]] = {
    "Int": lambda v: type(v) is int and -(2**31) <= v < 2**31,
    "Float": lambda v: type(v) is float and math.isfinite(v),
    "String": lambda v: type(v) is str,
    "Boolean": lambda v: type(v) is bool,
}

# Per object type: its plain fields by name (built once per type and process).
_PLANS: dict[GraphQLObjectType, dict[str, _Plain]] = {}


def _plans(parent: GraphQLObjectType) -> dict[str, _Plain]:
    found = _PLANS.get(parent)
    if found is None:
        found = _PLANS[parent] = {
            name: plan for name, field in parent.fields.items()
            if (plan := _plan(field)) is not None
        }
    return found


def _plan(field: Any) -> _Plain | None:
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(definition, StrawberryField):
        return None
    metadata: dict[str, Any] = dict(definition.metadata or {})
    bare = metadata.get(PLAIN_WITHOUT_ARGUMENTS)
    if bare is not None:
        read: Callable[[Any], Any] = operator.attrgetter(bare)
    elif (definition.is_basic_field and not field.args and field.resolve is not None
          and getattr(field.resolve, "_is_default", False)):
        name = definition.python_name
        default = definition.default_resolver

        def read(source: Any) -> Any:
            return default(source, name)
    else:
        return None
    kind = field.type
    non_null = isinstance(kind, GraphQLNonNull)
    if non_null:
        kind = kind.of_type
    if isinstance(kind, GraphQLScalarType | GraphQLEnumType):
        return _Plain(read, field.type, non_null, kind, None, _UNCHANGED.get(kind.name),
                      bare is not None)
    if isinstance(kind, GraphQLObjectType) and kind.is_type_of is None:
        return _Plain(read, field.type, non_null, None, kind, None, bare is not None)
    return None


class HubExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor, reading plain fields without a resolver call."""

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> Any:
        manager = self.middleware_manager
        if manager is not None and manager.middlewares:
            # Field middleware (an extension's resolve hook) must see every field.
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context)
        plans = _plans(parent_type)
        slow: GroupedFieldSet = {}
        results: dict[str, Any] = {}
        pending: list[str] = []
        for response_name, details in grouped_field_set.items():
            plan = plans.get(details[0].node.name.value)
            if plan is not None and plan.bare_only and any(d.node.arguments for d in details):
                plan = None
            value = Undefined if plan is None else self._plain(
                plan, parent_type, source_value, path, response_name, details, position_context)
            if value is Undefined:
                slow[response_name] = details
                continue
            results[response_name] = value
            if plan is not None and plan.object_type is not None and self.is_awaitable(value):
                pending.append(response_name)  # a plain object with async fields below
        rest: Any = (super().execute_fields(parent_type, source_value, path, slow,
                                            position_context) if slow else {})
        if pending or self.is_awaitable(rest):
            return self._later(results, pending, rest, grouped_field_set)
        return results if not slow else _in_order(results, rest, grouped_field_set)

    async def _later(self, results: dict[str, Any], pending: list[str], rest: Any,
                     grouped_field_set: GroupedFieldSet) -> dict[str, Any]:
        """Await the plain objects' async parts and graphql-core's fields together."""
        waits = [results[name] for name in pending]
        rest_later = self.is_awaitable(rest)
        if rest_later:
            waits.append(rest)
        done = list(await asyncio.gather(*waits))
        if rest_later:
            rest = done.pop()
        results.update(zip(pending, done, strict=True))
        return _in_order(results, rest, grouped_field_set)

    def _plain(self, plan: _Plain, parent_type: GraphQLObjectType, source: Any,
               path: Path | None, response_name: str, details: Any,
               position_context: Any) -> Any:
        """The completed value, or Undefined to leave the field to graphql-core."""
        try:
            value = plan.read(source)
        except Exception:
            return Undefined  # graphql-core reports it, with its path
        if plan.unchanged is not None and plan.unchanged(value):
            return value
        if value is None:
            return Undefined if plan.non_null else None
        if self.is_awaitable(value):
            # graphql-core reads it again; this one must not linger un-awaited.
            close = getattr(value, "close", None)
            if close is not None:
                close()
            return Undefined
        if plan.leaf is not None:
            try:
                coerced = plan.leaf.coerce_output_value(value)
            except Exception:
                return Undefined
            return Undefined if coerced is None or coerced is Undefined else coerced
        assert plan.object_type is not None
        grouped, defers, forbidden = self.collect_subfields(plan.object_type, details)
        if defers or forbidden:
            return Undefined
        field_path = Path(path, response_name, parent_type.name)
        try:
            sub = self.execute_fields(plan.object_type, value, field_path, grouped,
                                      position_context)
        except Exception as exc:
            # As graphql-core's execute_field: a nullable field absorbs its
            # sub-fields' error (null), a non-null one passes it up.
            self.handle_field_error(exc, plan.return_type, details, field_path)
            return None
        if self.is_awaitable(sub):
            return self._guarded(sub, plan, details, field_path)
        return sub

    async def _guarded(self, sub: Any, plan: _Plain, details: Any, field_path: Path) -> Any:
        try:
            return await sub
        except Exception as exc:
            self.handle_field_error(exc, plan.return_type, details, field_path)
            return None


def _in_order(done: dict[str, Any], rest: dict[str, Any],
              grouped_field_set: GroupedFieldSet) -> dict[str, Any]:
    """Both parts in the order of the query, as graphql-core returns them."""
    out: dict[str, Any] = {}
    for name in grouped_field_set:
        if name in done:
            out[name] = done[name]
        elif name in rest:
            out[name] = rest[name]
    return out
