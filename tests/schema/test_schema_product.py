"""The schema as a product: committed, compatible with its last version, described."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    specified_scalar_types,
)

from schema import sdl
from schema.descriptions import is_bilingual
from schema.schema import schema

ACCEPTED = Path(sdl.SDL_PATH).with_name("accepted-breaks.txt")
# Federation's own machinery (strawberry names and describes these).
_FEDERATION = {"_Any", "_Entity", "_Service", "_FieldSet", "Query._service", "Query._entities"}


def test_the_committed_sdl_is_the_served_one() -> None:
    assert sdl.committed_sdl() == sdl.served_sdl(), (
        "schema/schema.graphql is not the served schema: run `hub schema --write` and commit it"
    )


def test_the_committed_sdl_breaks_nothing_of_its_previous_version() -> None:
    previous = sdl.previous_committed()
    if previous is None:
        pytest.skip("no earlier committed schema/schema.graphql in this clone's history")
    revision, text = previous
    accepted = {
        line.strip() for line in ACCEPTED.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    found = sdl.changes(sdl.load(text), sdl.load(sdl.committed_sdl()))
    breaks = [f"{c.type.name}: {c.description}" for c in found.breaking]
    assert [b for b in breaks if b not in accepted] == [], (
        f"breaking changes since {revision}; list deliberate ones in {ACCEPTED.name}"
    )


def test_diff_names_additions_removals_and_breaks() -> None:
    old = sdl.load('type Query { a: Int, b(x: Int): String }\nenum E { X Y }')
    new = sdl.load('type Query { a: Int, c: Int, b(x: Int, y: Int!): String }\nenum E { X Y Z }')
    found = sdl.changes(old, new)
    assert found.added == ["E.Z", "Query.b(y:)", "Query.c"]
    assert found.removed == []
    assert [c.type.name for c in found.breaking] == ["REQUIRED_ARG_ADDED"]
    assert [c.type.name for c in found.dangerous] == ["VALUE_ADDED_TO_ENUM"]
    assert "BREAKING REQUIRED_ARG_ADDED: A required argument Query.b(y:) was added." in found.lines()
    gone = sdl.changes(new, old)
    assert gone.removed == ["E.Z", "Query.b(y:)", "Query.c"]
    assert "FIELD_REMOVED" in {c.type.name for c in gone.breaking}


def test_every_type_field_argument_and_enum_value_is_described_in_chinese_and_english() -> None:
    missing = []
    for name, type_ in schema._schema.type_map.items():
        if name.startswith(("__", "link__", "federation__")) or name in specified_scalar_types:
            continue
        if name in _FEDERATION:
            continue
        if not is_bilingual(type_.description):
            missing.append(name)
        if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            for field_name, field in type_.fields.items():
                where = f"{name}.{field_name}"
                if where in _FEDERATION:
                    continue
                if not is_bilingual(field.description):
                    missing.append(where)
                missing += [f"{where}({arg}:)" for arg, a in getattr(field, "args", {}).items()
                            if not is_bilingual(a.description)]
        if isinstance(type_, GraphQLEnumType):
            missing += [f"{name}.{v}" for v, value in type_.values.items()
                        if not is_bilingual(value.description)]
    assert missing == [], "describe these (at the definition, or in schema/descriptions.py)"
