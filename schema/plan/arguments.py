"""A root field's arguments as its resolver receives them, converted by a
function compiled once per field.

strawberry's ``convert_arguments`` works out every input field's type again
on each call: about 0.8 ms for a ``WishFilter`` here, more than the rest of
a planned page. The compiled converter does the same conversion
(``strawberry.types.arguments.convert_argument``: graphql-core has already
coerced scalars and enums; input objects become their classes, fields not
sent left to their defaults, nullable ones without a default set to None,
lists copied) for the types it knows; for any other (``Maybe``, a global id,
an input building itself) it is not compiled and strawberry's function runs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from strawberry.relay.types import GlobalID
from strawberry.types.arguments import StrawberryArgument, _is_leaf_type
from strawberry.types.base import (
    StrawberryList,
    StrawberryMaybe,
    StrawberryOptional,
    has_object_definition,
)
from strawberry.types.enum import StrawberryEnumDefinition, has_enum_definition
from strawberry.types.lazy_type import LazyType
from strawberry.types.unset import UNSET

Convert = Callable[[Any], Any]


class NotCompiled(Exception):
    """A type this module leaves to strawberry."""


def compile_arguments(arguments: list[StrawberryArgument], schema: Any
                      ) -> Callable[[Mapping[str, Any]], dict[str, Any]] | None:
    """``convert_arguments`` for these arguments, or None when not compiled
    (``schema``: the strawberry schema, whose naming and scalars apply)."""
    config = schema.config
    scalars = schema.schema_converter.scalar_registry
    try:
        steps = [(config.name_converter.from_argument(a), a.python_name,
                  _converter(a.type, config, scalars)) for a in arguments]
    except NotCompiled:
        return None

    def convert(raw: Mapping[str, Any]) -> dict[str, Any]:
        return {python: step(raw[name]) for name, python, step in steps if name in raw}
    return convert


def _converter(type_: Any, config: Any, scalars: Any) -> Convert:
    if isinstance(type_, StrawberryMaybe) or type_ is GlobalID:
        raise NotCompiled
    if isinstance(type_, StrawberryOptional):
        return _converter(type_.of_type, config, scalars)
    if isinstance(type_, StrawberryList):
        item = type_.of_type
        if (_is_leaf_type(item, scalars) or (isinstance(item, StrawberryOptional)
                                              and _is_leaf_type(item.of_type, scalars))):
            if item is GlobalID or getattr(item, "of_type", None) is GlobalID:
                raise NotCompiled
            return _nullable(list)
        inner = _converter(item, config, scalars)
        return _nullable(lambda value: [inner(x) for x in value])
    if isinstance(type_, LazyType):
        return _converter(type_.resolve_type(), config, scalars)
    if _is_leaf_type(type_, scalars) or isinstance(type_, StrawberryEnumDefinition) \
            or has_enum_definition(type_):
        return _nullable(_same)
    if has_object_definition(type_):
        return _nullable(_input(type_, config, scalars))
    raise NotCompiled


def _input(cls: Any, config: Any, scalars: Any) -> Convert:
    definition = cls.__strawberry_definition__
    if definition.from_input is not None or not definition.is_input:
        raise NotCompiled
    defaults = tuple(f.python_name for f in definition.fields
                     if f.default_value is dataclasses.MISSING
                     and f.default_factory is dataclasses.MISSING)
    fields = [(config.name_converter.from_field(f), f.python_name,
               _converter(f.resolve_type(type_definition=definition), config, scalars))
              for f in definition.fields]

    def build(value: Mapping[str, Any]) -> Any:
        kwargs: dict[str, Any] = dict.fromkeys(defaults)
        for name, python, step in fields:
            if name in value:
                kwargs[python] = step(value[name])
        return cls(**kwargs)
    return build


def _same(value: Any) -> Any:
    return value


def _nullable(step: Convert) -> Convert:
    def convert(value: Any) -> Any:
        if value is None:
            return None
        if value is UNSET:
            return UNSET
        return step(value)
    return convert
