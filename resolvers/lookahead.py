"""Which relations a query asks for below a list field (look-ahead).

A list resolver that knows its rows' ``claims`` will be read can load them
for the whole page in one statement before graphql-core walks the rows, so
that every row's ``claims`` is then a plain value rather than an awaitable.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection


def selects(selections: Iterable[Selection], path: Sequence[str]) -> bool:
    """True when the selection set reaches ``path`` (field names), through
    fragments and aliases alike."""
    if not path:
        return True
    head, rest = path[0], path[1:]
    for sel in selections:
        if isinstance(sel, SelectedField):
            if sel.name == head and selects(sel.selections, rest):
                return True
        elif isinstance(sel, InlineFragment | FragmentSpread) and selects(sel.selections, path):
            return True
    return False
