#!/usr/bin/env python3
"""Fail on an import circle between the project's own modules, or an import against the layers.

Every ``import`` counts, inside functions too (an import deferred into a
function still means the two modules need each other); imports under
``if TYPE_CHECKING:`` do not (they never run). Importing ``a.b.c`` also
imports the packages ``a`` and ``a.b``, unless the importer lives inside
them. Prints each circle found and exits 1, else prints a summary and exits 0.

The layers point one way: schema -> resolvers -> hub (the store) and
adapters. Resolvers import no schema module; hub and adapters import neither
(but for ``LAYER_EXCEPTIONS``: the server's wiring, which builds the schema).

    python scripts/import_cycles.py [PACKAGE ...]   (default: hub schema resolvers adapters)
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("hub", "schema", "resolvers", "adapters")
# Importer package -> the packages it may not import.
LAYERS = {
    "resolvers": ("schema",),
    "hub": ("schema", "resolvers"),
    "adapters": ("schema", "resolvers"),
}
# The composition root: serving and printing the schema.
LAYER_EXCEPTIONS = ("hub.app", "hub.http.graphql", "hub.http.subscriptions", "hub.commands.")


def modules(packages: tuple[str, ...]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in packages:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _type_checking(node):
            for child in node.orelse:
                yield from _imports_in(child)
            continue
        yield from _imports_in(node)


def _imports_in(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield node
    else:
        yield from _imports(node)


def imported(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The project modules ``name`` imports (directly, or as a package around them)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in _imports(tree):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
            continue
        base = node.module or ""
        if node.level:
            anchor = package.split(".")
            anchor = anchor[: len(anchor) - node.level + 1]
            base = ".".join([*anchor, base] if base else anchor)
        for alias in node.names:
            full = f"{base}.{alias.name}"
            targets.add(full if full in known else base)
    edges: set[str] = set()
    for target in targets:
        parts = target.split(".")
        for i in range(1, len(parts) + 1):
            candidate = ".".join(parts[:i])
            inside = name == candidate or name.startswith(candidate + ".")
            if candidate in known and candidate != name and (i == len(parts) or not inside):
                edges.add(candidate)
    return edges


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each as a path."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(_path(graph, set(component)))

    sys.setrecursionlimit(10_000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _path(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """One circle through the component, for the message."""
    start = min(component)
    path = [start]
    seen = {start}
    while True:
        nxt = sorted(w for w in graph[path[-1]] if w in component)
        back = [w for w in nxt if w == start]
        if back and len(path) > 1:
            return [*path, start]
        fresh = [w for w in nxt if w not in seen]
        if not fresh:
            return [*path, *(back or [start])]
        path.append(fresh[0])
        seen.add(fresh[0])


def against_layers(graph: dict[str, set[str]]) -> list[str]:
    out = []
    for name, targets in sorted(graph.items()):
        forbidden = LAYERS.get(name.partition(".")[0], ())
        if name.startswith(LAYER_EXCEPTIONS) or name in LAYER_EXCEPTIONS:
            continue
        out += [f"{name} -> {t}" for t in sorted(targets) if t.partition(".")[0] in forbidden]
    return out


def main(argv: list[str]) -> int:
    known = modules(tuple(argv) or PACKAGES)
    graph = {name: imported(name, path, known) for name, path in known.items()}
    found = cycles(graph)
    for circle in found:
        print("import circle: " + " -> ".join(circle))
    wrong = against_layers(graph)
    for line in wrong:
        print("import against the layers: " + line)
    if found or wrong:
        return 1
    print(f"no import circle among {len(graph)} modules ({sum(map(len, graph.values()))} imports)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
