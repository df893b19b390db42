"""Input text the hub refuses at the door of ``/graphql``, before any SQL.

PostgreSQL cannot take a NUL character in text (22021) and asyncpg cannot
encode a lone surrogate; a value nested hundreds of levels deep exhausts
Python's recursion in whatever walks it next. None of them is a search a
person means to make, so each is a ``BAD_USER_INPUT`` refusal naming where it
is — never quoting what was sent (it may hold personal data).
"""

from __future__ import annotations

from typing import Any

from graphql import DocumentNode, GraphQLError, StringValueNode, Visitor, visit

# Deeper than any input type of the schema nests (a filter holds lists of enums).
MAX_VARIABLE_DEPTH = 16


def _fault(text: str) -> str | None:
    if "\x00" in text:
        return "holds a NUL character (U+0000)"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "holds a lone UTF-16 surrogate, which is not text"
    return None


def variable_problem(variables: dict[str, Any] | None) -> str | None:
    """Why ``variables`` are refused, or None. Walks iteratively: no recursion."""
    if not variables:
        return None
    stack: list[tuple[str, Any, int]] = [(f"${name}", value, 1) for name, value in variables.items()]
    while stack:
        where, value, depth = stack.pop()
        if depth > MAX_VARIABLE_DEPTH:
            root = where.split(".")[0].split("[")[0]
            return f"Variable `{root}` is nested more than {MAX_VARIABLE_DEPTH} levels deep."
        if isinstance(value, str):
            fault = _fault(value)
            if fault is not None:
                return f"Variable `{where}` {fault}; remove it."
        elif isinstance(value, dict):
            for key, item in value.items():
                fault = _fault(key) if isinstance(key, str) else None
                if fault is not None:
                    return f"A field name in variable `{where}` {fault}; remove it."
                stack.append((f"{where}.{key}", item, depth + 1))
        elif isinstance(value, list):
            stack.extend((f"{where}[{i}]", item, depth + 1) for i, item in enumerate(value))
    return None


class _Strings(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.problem: tuple[StringValueNode, str] | None = None

    def enter_string_value(self, node: StringValueNode, *_: object) -> Any:
        fault = _fault(node.value)
        if fault is not None:
            self.problem = (node, fault)
            return self.BREAK
        return None


def literal_errors(document: DocumentNode) -> list[GraphQLError]:
    """A string literal of the document PostgreSQL could not take."""
    strings = _Strings()
    visit(document, strings)
    if strings.problem is None:
        return []
    node, fault = strings.problem
    return [GraphQLError(f"A string in the query {fault}; remove it.", node,
                         extensions={"code": "BAD_USER_INPUT"})]
