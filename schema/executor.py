"""graphql-core's executor with a fast path for plain fields.

A plain field is an attribute of an object already loaded: no resolver, no
arguments, no field extension (strawberry's ``is_basic_field``), of a leaf type
or of an object type (whose ``is_type_of``, if any, accepts the value); or a field
whose metadata names the attribute it reads when asked without arguments
(``PLAIN_WITHOUT_ARGUMENTS``); or a field without arguments whose metadata gives
a synchronous function of the object and the request's context that computes
its value (``PLAIN_FROM_CONTEXT``: a relation already prefetched, a region from
the reference table), which may also be a list of objects. graphql-core
builds a ``GraphQLResolveInfo``, a ``Path`` and a resolver call for every such
field of every item of a list: about 9 µs a field here, so that a year of
daily statistics (365 points of 21 fields) cost 67 ms before a byte was sent.
The fast path reads the attribute and coerces it directly.

Everything else (resolvers, arguments, abstract types, lists, ``@defer``,
``__typename``, a null where none is allowed, an awaitable attribute) goes
through graphql-core unchanged, so errors, paths and nullability behave
exactly as before.

Root fields of a query that the query planner covers (``schema.plan``) are
answered by one SQL statement each, when the transport splices JSON (the HTTP
endpoint); a planned field that cannot be answered so (an argument the
resolver refuses, a row the schema forbids) goes through the resolvers.

A long list is completed a slice at a time, letting the event loop run
between slices: the largest answers the limits allow (a series of 1,000
points, every town's figures) would otherwise hold the worker for tens of
milliseconds at a stretch, and ``/healthz`` and every other request on it
with them. Plain items (no resolver, so no DataLoader) go ``PLAIN_SLICE`` at
a time; others ``SLICE`` at a time, above any page's size, since DataLoaders
batch per slice (such a list costs a statement per slice and level).
"""

from __future__ import annotations

import asyncio
import logging
import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLScalarType,
)
from graphql.execution.collect_fields import GroupedFieldSet
from graphql.language import OperationType
from graphql.pyutils import Path, Undefined
from graphql.pyutils.gather_with_cancel import gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

from hub.errors import QueryError
from schema import plan as planner

log = logging.getLogger("hub.graphql")

__all__ = ["PLAIN_FROM_CONTEXT", "PLAIN_SLICE", "PLAIN_WITHOUT_ARGUMENTS", "SLICE", "HubExecutor"]

# Items of a list completed before the event loop is let go (see the docstring).
SLICE = 250
PLAIN_SLICE = 100

# Field metadata: the attribute a field with a resolver and arguments reads
# when the query passes no arguments (the value its defaults would give,
# loaded with the object). ``metadata={PLAIN_WITHOUT_ARGUMENTS: "_name"}``.
PLAIN_WITHOUT_ARGUMENTS = "hub.plain_without_arguments"

# Field metadata: ``(source, context) -> value``, the resolver's own logic for a
# field without arguments, called directly (no ``Info``, no resolver wrapper).
# When it returns an awaitable (not loaded yet) or raises, graphql-core calls
# the resolver instead, which must compute the same thing.
PLAIN_FROM_CONTEXT = "hub.plain_from_context"


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
    # An object type's ``is_type_of`` (types implementing an interface have one).
    type_of: Callable[[Any, Any], Any] | None = None
    # ``read`` takes the request's context as its second argument.
    with_context: bool = False
    # A list of ``object_type`` (then ``item_non_null`` says whether items may be null).
    is_list: bool = False
    item_non_null: bool = False


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
    computed = metadata.get(PLAIN_FROM_CONTEXT)
    if computed is not None:
        if field.args or definition.extensions:
            return None
        return _computed_plan(field, computed)
    if bare is not None:
        read: Callable[[Any], Any] = operator.attrgetter(bare)
    elif (definition.is_basic_field and not field.args and field.resolve is not None
          and getattr(field.resolve, "_is_default", False)):
        name = definition.python_name
        default = definition.default_resolver
        # The same as getattr (``special_names``: where a default resolver is
        # not), without a Python frame.
        if default is getattr or name not in getattr(default, "special_names", (name,)):
            read = operator.attrgetter(name)
        else:
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
    if isinstance(kind, GraphQLObjectType):
        return _Plain(read, field.type, non_null, None, kind, None, bare is not None,
                      kind.is_type_of)
    return None


def _computed_plan(field: Any, read: Callable[[Any, Any], Any]) -> _Plain | None:
    kind = field.type
    non_null = isinstance(kind, GraphQLNonNull)
    if non_null:
        kind = kind.of_type
    if isinstance(kind, GraphQLList):
        item = kind.of_type
        item_non_null = isinstance(item, GraphQLNonNull)
        if item_non_null:
            item = item.of_type
        if not isinstance(item, GraphQLObjectType):
            return None
        return _Plain(read, field.type, non_null, None, item, None, False, item.is_type_of,
                      with_context=True, is_list=True, item_non_null=item_non_null)
    if isinstance(kind, GraphQLScalarType | GraphQLEnumType):
        return _Plain(read, field.type, non_null, kind, None, _UNCHANGED.get(kind.name),
                      with_context=True)
    if isinstance(kind, GraphQLObjectType):
        return _Plain(read, field.type, non_null, None, kind, None, False, kind.is_type_of,
                      with_context=True)
    return None


def _is_type_of(type_of: Callable[[Any, Any], Any] | None, value: Any) -> bool:
    """Whether ``value`` passes its object type's ``is_type_of``, asked without
    an info: strawberry's own and ours never read it. One that does, and fails
    without, or says no (or answers later: an awaitable), leaves the value to
    graphql-core, which asks with one and reports a mismatch as usual."""
    if type_of is None:
        return True
    try:
        return type_of(value, None) is True
    except Exception:
        return False


@dataclass(frozen=True, slots=True)
class _Template:
    """A selection set made only of plain fields, down to its leaves: an object
    (or each item of a list) is built in one loop, without graphql-core."""

    fields: tuple[tuple[str, _Plain, _Template | None], ...]


class HubExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor, reading plain fields without a resolver call."""

    _templates: dict[tuple[GraphQLObjectType, int], tuple[Any, _Template | None]]

    def _template(self, object_type: GraphQLObjectType, details: Any) -> _Template | None:
        """The template of ``details``' selections on ``object_type``, if all are plain.

        Memoized, as graphql-core's ``collect_subfields``, on the identity of
        the field details (kept alive with the value, so that ids are not reused).
        """
        try:
            memo = self._templates
        except AttributeError:
            memo = self._templates = {}
        key = (object_type, id(details))
        cached = memo.get(key)
        if cached is not None:
            return cached[1]
        template = None
        grouped, defers, forbidden = self.collect_subfields(object_type, details)
        if not defers and not forbidden:
            plans = _plans(object_type)
            fields = []
            for name, sub in grouped.items():
                plan = plans.get(sub[0].node.name.value)
                if plan is None or (plan.bare_only and any(d.node.arguments for d in sub)):
                    break
                child = None
                if plan.object_type is not None:
                    child = self._template(plan.object_type, sub)
                    if child is None:
                        break
                fields.append((name, plan, child))
            else:
                template = _Template(tuple(fields))
        memo[key] = (details, template)
        return template

    def _build(self, template: _Template, source: Any) -> Any:
        """The completed object, or Undefined when anything is irregular (an
        error, a null where none may be, an awaitable): the caller then takes
        graphql-core's path, which reports it exactly."""
        out: dict[str, Any] = {}
        for name, plan, child in template.fields:
            try:
                value = (plan.read(source, self.context_value) if plan.with_context
                         else plan.read(source))
            except Exception:
                return Undefined
            if plan.unchanged is not None and plan.unchanged(value):
                out[name] = value
                continue
            if value is None:
                if plan.non_null:
                    return Undefined
                out[name] = None
                continue
            if self.is_awaitable(value):
                close = getattr(value, "close", None)
                if close is not None:
                    close()
                return Undefined
            if child is not None:
                if plan.is_list:
                    built = self._build_items(child, plan, value)
                    if built is Undefined:
                        return Undefined
                    out[name] = built
                    continue
                if not _is_type_of(plan.type_of, value):
                    return Undefined
                built = self._build(child, value)
                if built is Undefined:
                    return Undefined
                out[name] = built
                continue
            assert plan.leaf is not None
            try:
                coerced = plan.leaf.coerce_output_value(value)
            except Exception:
                return Undefined
            if coerced is None or coerced is Undefined:
                return Undefined
            out[name] = coerced
        return out

    def _build_items(self, template: _Template, plan: _Plain, value: Any) -> Any:
        """The completed items of a plain list field, or Undefined (as ``_build``)."""
        if not isinstance(value, list | tuple):
            return Undefined
        out: list[Any] = []
        for item in value:
            if item is None:
                if plan.item_non_null:
                    return Undefined
                out.append(None)
                continue
            if not _is_type_of(plan.type_of, item):
                return Undefined
            built = self._build(template, item)
            if built is Undefined:
                return Undefined
            out.append(built)
        return out

    def complete_list_value(
        self,
        return_type: GraphQLList[Any],
        field_details_list: Any,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        """A list of objects with only plain fields below, built in one loop."""
        built = self._plain_list(return_type, field_details_list, info, path, result,
                                 position_context)
        if built is not Undefined:
            return built
        return super().complete_list_value(
            return_type, field_details_list, info, path, result, position_context)

    def _plain_list(self, return_type: GraphQLList[Any], field_details_list: Any,
                    info: GraphQLResolveInfo[Any], path: Path, result: Any,
                    position_context: Any) -> Any:
        manager = self.middleware_manager
        if (manager is not None and manager.middlewares) or not isinstance(result, list | tuple):
            return Undefined
        item_type = return_type.of_type
        non_null = isinstance(item_type, GraphQLNonNull)
        if non_null:
            item_type = item_type.of_type
        if not isinstance(item_type, GraphQLObjectType):
            return Undefined
        type_of = item_type.is_type_of
        if self.get_stream_usage(field_details_list, path) is not None:
            return Undefined
        template = self._template(item_type, field_details_list)
        if template is None:
            return Undefined
        if len(result) > PLAIN_SLICE:
            return self._plain_list_sliced(template, type_of, non_null, return_type,
                                           field_details_list, info, path, result,
                                           position_context)
        return self._plain_items(template, type_of, non_null, result)

    def _plain_items(self, template: _Template, type_of: Any, non_null: bool,
                     items: Any) -> Any:
        out: list[Any] = []
        for item in items:
            if item is None:
                if non_null:
                    return Undefined
                out.append(None)
                continue
            if not _is_type_of(type_of, item):
                return Undefined
            value = self._build(template, item)
            if value is Undefined:
                return Undefined
            out.append(value)
        return out

    async def _plain_list_sliced(self, template: _Template, type_of: Any, non_null: bool,
                                 return_type: GraphQLList[Any], field_details_list: Any,
                                 info: GraphQLResolveInfo[Any], path: Path, result: Any,
                                 position_context: Any) -> Any:
        out: list[Any] = []
        for start in range(0, len(result), PLAIN_SLICE):
            await asyncio.sleep(0)
            built = self._plain_items(template, type_of, non_null,
                                      result[start:start + PLAIN_SLICE])
            if built is Undefined:
                # Irregular: graphql-core's path reports it exactly (it is sliced too).
                done = self.complete_iterable_value(
                    return_type.of_type, field_details_list, info, path, result,
                    position_context)
                return await done if self.is_awaitable(done) else done
            out.extend(built)
        return out

    def complete_iterable_value(
        self,
        item_type: Any,
        field_details_list: Any,
        info: GraphQLResolveInfo[Any],
        path: Path,
        items: Any,
        position_context: Any,
    ) -> Any:
        if (isinstance(items, list | tuple) and len(items) > SLICE
                and self.get_stream_usage(field_details_list, path) is None):
            return self._sliced_items(item_type, field_details_list, info, path, items,
                                      position_context)
        return super().complete_iterable_value(
            item_type, field_details_list, info, path, items, position_context)

    async def _sliced_items(self, item_type: Any, field_details_list: Any,
                            info: GraphQLResolveInfo[Any], path: Path, items: Any,
                            position_context: Any) -> list[Any]:
        """graphql-core's ``complete_iterable_value``, a slice at a time."""
        completed: list[Any] = []
        pending: list[int] = []
        for index, item in enumerate(items):
            if index % SLICE == 0:
                await asyncio.sleep(0)
            item_path = path.add_key(index, None)
            if self.is_awaitable(item):
                completed.append(self.complete_awaitable_list_item_value(
                    item, item_type, field_details_list, info, item_path, position_context))
                pending.append(index)
            elif self.complete_list_item_value(item, completed, item_type, field_details_list,
                                               info, item_path, position_context):
                pending.append(index)
        if pending:
            done = await gather_with_cancel(*(completed[i] for i in pending))
            for index, value in zip(pending, done, strict=True):
                completed[index] = value
        return completed

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> Any:
        if path is None and self._may_plan(parent_type):
            plans = {name: plan for name, details in grouped_field_set.items()
                     if (plan := self._root_plan(parent_type, details)) is not None}
            if plans:
                return self._planned_root(plans, parent_type, source_value, grouped_field_set,
                                          position_context)
        return self._fields(parent_type, source_value, path, grouped_field_set, position_context)

    # ------------------------------------------------------------ planned root fields

    def _may_plan(self, parent_type: GraphQLObjectType) -> bool:
        """Root fields of a query may be planned (``schema.plan``) when the
        transport splices JSON and no field middleware must see each field."""
        manager = self.middleware_manager
        return (getattr(self.context_value, "splice_json", False)
                and self.operation.operation is OperationType.QUERY
                and parent_type is self.schema.query_type
                and not (manager is not None and manager.middlewares))

    def _root_plan(self, parent_type: GraphQLObjectType, details: Any) -> Any:
        if len(details) != 1 or details[0].defer_usage is not None \
                or details[0].fragment_variable_values is not None:
            return None
        node = details[0].node
        field_def = parent_type.fields.get(node.name.value)
        if field_def is None:
            return None
        return planner.root_plan(
            field_def, node, lambda: {n: f.definition for n, f in self.fragments.items()})

    def _planned_root(self, plans: dict[str, Any], parent_type: GraphQLObjectType,
                      source_value: Any, grouped_field_set: GroupedFieldSet,
                      position_context: Any) -> Any:
        rest_set = {n: d for n, d in grouped_field_set.items() if n not in plans}
        rest: Any = (self._fields(parent_type, source_value, None, rest_set, position_context)
                     if rest_set else {})
        jobs = {name: self._answer_planned(plan, parent_type, source_value, name,
                                           grouped_field_set[name], position_context)
                for name, plan in plans.items()}
        return self._later_root(jobs, rest, grouped_field_set)

    async def _later_root(self, jobs: dict[str, Any], rest: Any,
                          grouped_field_set: GroupedFieldSet) -> dict[str, Any]:
        waits = list(jobs.values())
        rest_later = self.is_awaitable(rest)
        if rest_later:
            waits.append(rest)
        done = list(await asyncio.gather(*waits))
        if rest_later:
            rest = done.pop()
        return _in_order(dict(zip(jobs, done, strict=True)), rest, grouped_field_set)

    async def _answer_planned(self, plan: Any, parent_type: GraphQLObjectType, source_value: Any,
                              name: str, details: Any, position_context: Any) -> Any:
        """The planned answer, or, when it cannot be given (an argument the
        resolver refuses, a row the schema forbids, the database), the
        resolver path's, which reports it exactly as without the planner."""
        try:
            value = await planner.answer(plan, self.context_value, self.variable_values,
                                         self.schema._strawberry_schema)  # type: ignore[attr-defined]
        except Exception as exc:  # the resolver path reports it
            planner.COUNTS.fell_back += 1
            if not isinstance(exc, QueryError):
                log.debug("planned field %s handed to the resolvers: %s", name,
                          type(exc).__name__)
        else:
            planner.COUNTS.answered += 1
            return value
        done = self._fields(parent_type, source_value, None, {name: details}, position_context)
        if self.is_awaitable(done):
            done = await done
        return done[name]

    # ------------------------------------------------------------ plain fields

    def _fields(
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
            value = plan.read(source, self.context_value) if plan.with_context else plan.read(source)
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
        if plan.is_list:
            items = self._template(plan.object_type, details)
            return Undefined if items is None else self._build_items(items, plan, value)
        if not _is_type_of(plan.type_of, value):
            return Undefined
        template = self._template(plan.object_type, details)
        if template is not None:
            built = self._build(template, value)
            if built is not Undefined:
                return built
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
