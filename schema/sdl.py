"""The schema as a product: the committed SDL, and what changed between two versions.

``schema/schema.graphql`` is the served SDL (``hub schema --write`` writes
it); CI fails when the served schema differs from it, and when it breaks
the previous committed version (``tests/schema/test_schema_product.py``).
``hub schema --diff REF`` shows the changes since a git revision.

The SDL is the subgraph's: it carries federation's ``@key`` and ``@link``,
which plain SDL parsers do not know, so ``load`` skips SDL validation (the
text is our own printer's).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from graphql import (
    BreakingChange,
    DangerousChange,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    build_schema,
    find_breaking_changes,
    find_dangerous_changes,
)

from hub.errors import HubError

SDL_PATH = Path(__file__).resolve().parent / "schema.graphql"


class SchemaHistoryError(HubError):
    """A git revision of the committed SDL that cannot be read."""


def served_sdl() -> str:
    from schema.schema import schema

    return schema.as_str() + "\n"


def committed_sdl() -> str:
    return SDL_PATH.read_text(encoding="utf-8")


def load(sdl: str) -> GraphQLSchema:
    return build_schema(sdl, assume_valid_sdl=True)


def at_revision(ref: str) -> str:
    """``schema/schema.graphql`` as git revision ``ref`` has it."""
    try:
        done = subprocess.run(
            ["git", "show", f"{ref}:./{SDL_PATH.name}"],
            cwd=SDL_PATH.parent, capture_output=True, text=True, timeout=30, check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise SchemaHistoryError(f"cannot run git: {exc}") from exc
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["unknown revision"])[-1]
        raise SchemaHistoryError(f"no schema/schema.graphql at {ref!r}: {reason}")
    return done.stdout


def previous_committed() -> tuple[str, str] | None:
    """(revision, SDL) of the committed version before the current one; None
    without git history (a shallow clone, a tarball)."""
    current = committed_sdl()
    try:
        head = at_revision("HEAD")
    except SchemaHistoryError:
        head = None
    if head is not None and head != current:
        return "HEAD", head  # an uncommitted change: compare with the last commit
    log = subprocess.run(
        ["git", "log", "-n", "2", "--format=%H", "--", f"./{SDL_PATH.name}"],
        cwd=SDL_PATH.parent, capture_output=True, text=True, timeout=30, check=False,
    )
    revisions = log.stdout.split() if log.returncode == 0 else []
    if len(revisions) < 2:
        return None
    return revisions[1], at_revision(revisions[1])


@dataclass
class Changes:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    breaking: list[BreakingChange] = field(default_factory=list)
    dangerous: list[DangerousChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.breaking or self.dangerous)

    def lines(self) -> list[str]:
        out = [f"+ {c}" for c in self.added] + [f"- {c}" for c in self.removed]
        out += [f"BREAKING {c.type.name}: {c.description}" for c in self.breaking]
        out += [f"DANGEROUS {c.type.name}: {c.description}" for c in self.dangerous]
        return out


def changes(old: GraphQLSchema, new: GraphQLSchema) -> Changes:
    before, after = coordinates(old), coordinates(new)
    return Changes(
        added=sorted(after - before),
        removed=sorted(before - after),
        breaking=find_breaking_changes(old, new),
        dangerous=find_dangerous_changes(old, new),
    )


def coordinates(schema: GraphQLSchema) -> set[str]:
    """Schema coordinates: ``Type``, ``Type.field``, ``Type.field(arg:)``, ``Enum.VALUE``."""
    out: set[str] = set()
    for name, type_ in schema.type_map.items():
        if name.startswith("__"):
            continue
        out.add(name)
        if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            for field_name, f in type_.fields.items():
                out.add(f"{name}.{field_name}")
                out.update(f"{name}.{field_name}({arg}:)" for arg in getattr(f, "args", {}))
        elif isinstance(type_, GraphQLEnumType):
            out.update(f"{name}.{value}" for value in type_.values)
    return out
