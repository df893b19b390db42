"""Which relations a query asks for below a list field (look-ahead).

A list resolver that knows its rows' ``claims`` will be read can load them
for the whole page in one statement before graphql-core walks the rows, so
that every row's ``claims`` is then a plain value rather than an awaitable.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

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


def beyond(selections: Iterable[Selection], above: Sequence[str], path: Sequence[str]) -> bool:
    """True when, below the fields at ``above``, the selection set asks for a
    field off ``path`` (``__typename`` aside); what lies below ``path``'s end
    is ``path``'s own. Through fragments and aliases alike."""
    if above:
        return any(beyond(sel.selections, above[1:], path)
                   for sel in _fields(selections) if sel.name == above[0])
    for sel in _fields(selections):
        if sel.name == "__typename":
            continue
        if not path or sel.name != path[0]:
            return True
        if len(path) > 1 and beyond(sel.selections, (), path[1:]):
            return True
    return False


def _fields(selections: Iterable[Selection]) -> Iterator[SelectedField]:
    """The fields of a selection set, those of its fragments included."""
    for sel in selections:
        if isinstance(sel, SelectedField):
            yield sel
        elif isinstance(sel, InlineFragment | FragmentSpread):
            yield from _fields(sel.selections)
