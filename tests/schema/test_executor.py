"""The executor's fast path answers exactly what graphql-core's own path does.

Each query runs on the same strawberry schema twice, once with
``HubExecutor`` and once with strawberry's stock executor; data, errors and
their paths must be equal.
"""

from __future__ import annotations

import asyncio
import warnings
from dataclasses import dataclass
from typing import Any

import pytest
import strawberry
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.executor import PLAIN_FROM_CONTEXT, PLAIN_WITHOUT_ARGUMENTS, HubExecutor


@strawberry.type
class Leaf:
    n: int
    x: float
    s: str
    maybe: int | None
    must: int  # set to None by some rows: a non-null error in a plain field

    @strawberry.field
    def twice(self, k: int = 2) -> int:
        if k < 0:
            raise ValueError("k must not be negative")
        return self.n * k

    # What ``scaled`` gives with its default argument, loaded with the object.
    scaled_default: strawberry.Private[int]

    @strawberry.field(metadata={PLAIN_WITHOUT_ARGUMENTS: "scaled_default"})
    def scaled(self, k: int = 2) -> int:
        return self.n * k

    @strawberry.field
    async def later(self) -> int:
        await asyncio.sleep(0)
        return self.n + 1


@strawberry.interface
class Named:
    label: str


@strawberry.type
class Tag(Named):
    """A type in an interface: graphql-core checks its values with ``is_type_of``."""

    weight: int


@strawberry.type
class Middle:
    leaf: Leaf
    optional_leaf: Leaf | None
    tags: list[str]
    tag: Tag
    wrong_tag: Tag | None  # not a Tag in one row: is_type_of says no


async def _pals_later(i: int) -> list[Tag]:
    await asyncio.sleep(0)
    return [Tag(label=f"late{i}", weight=i)]


def _pals(row: Any, ctx: dict[str, bool]) -> Any:
    """A row's pals as the request's context has them: loaded (a list), not yet
    (an awaitable), failing, or with a null item where none may be."""
    i = int(row.name[1:])
    if i == 1 and ctx.get("late"):
        return _pals_later(i)
    if i == 2 and ctx.get("broken"):
        raise ValueError("no pals")
    if i == 3 and ctx.get("hole"):
        return [Tag(label="h", weight=0), None]
    return [Tag(label=f"p{i}", weight=i), Tag(label="q", weight=0)]


def _best_pal(row: Any, ctx: dict[str, bool]) -> Any:
    pals = _pals(row, ctx)
    return pals[0] if isinstance(pals, list) else pals


@strawberry.type
class Row:
    name: str
    middle: Middle

    @strawberry.field(metadata={PLAIN_FROM_CONTEXT: _pals})
    def pals(self, info: strawberry.Info) -> list[Tag]:
        return _pals(self, info.context)  # type: ignore[no-any-return]

    @strawberry.field(metadata={PLAIN_FROM_CONTEXT: _best_pal})
    def best_pal(self, info: strawberry.Info) -> Tag | None:
        return _best_pal(self, info.context)  # type: ignore[no-any-return]


@dataclass
class _Impostor:
    label: str
    weight: int


def _rows() -> list[Row]:
    out = []
    for i in range(4):
        leaf = Leaf(n=i, x=i / 3, s=f"s{i}", maybe=None if i % 2 else i,
                    must=None if i == 3 else i, scaled_default=i * 2)  # type: ignore[arg-type]
        tag = Tag(label=f"t{i}", weight=i)
        # Has every field a Tag has, yet is no Tag.
        wrong: Any = _Impostor(label="x", weight=0) if i == 1 else tag
        out.append(Row(name=f"r{i}", middle=Middle(leaf=leaf, optional_leaf=leaf, tags=["a"],
                                                   tag=tag, wrong_tag=wrong)))
    return out


@strawberry.type
class Query:
    @strawberry.field
    async def rows(self) -> list[Row]:
        return _rows()

    @strawberry.field
    def one(self) -> Row:
        return _rows()[0]


def _run(executor: Any, query: str, variables: dict[str, Any] | None = None,
         context: dict[str, bool] | None = None) -> Any:
    schema = strawberry.Schema(query=Query, execution_context_class=executor)
    result = asyncio.run(schema.execute(query, variable_values=variables,
                                        context_value=context if context is not None else {}))
    errors = sorted(((e.path, e.message) for e in result.errors or []), key=repr)
    return result.data, errors


QUERIES = [
    # Aliases, fragments, directives and __typename in plain objects.
    """query($skip: Boolean!) { one { name ...M m2: middle { leaf { __typename n } } } }
       fragment M on Row { middle { tags leaf { n x s maybe } alias: leaf { s @skip(if: $skip) n } } }""",
    # Resolvers and async resolvers under plain fields, in a list.
    "{ rows { name middle { leaf { n twice later t3: twice(k: 3) } } } }",
    # An error in a non-null field under a nullable plain object: that object is null.
    "{ rows { name middle { optionalLeaf { n twice(k: -1) } } } }",
    # An error in a non-null field all the way up: the list item is null.
    "{ rows { name middle { leaf { n twice(k: -1) } } } }",
    # A field read as an attribute without arguments, resolved with them.
    "{ rows { middle { leaf { scaled s3: scaled(k: 3) s2: scaled(k: 2) } } } }",
    # A null in a non-null plain field.
    "{ rows { middle { leaf { n must } optionalLeaf { must } } } }",
    # Lists whose items are plain all the way down (built in one loop), with
    # aliases and a repeated field; then one item breaking a non-null field.
    "{ rows { name middle { leaf { n x s maybe scaled n } o: optionalLeaf { n s } } } }",
    "{ rows { name middle { leaf { n must } } } }",
    "{ rows { name middle { optionalLeaf { n must } } } }",
    # Objects of a type in an interface, plain; and a value of the wrong type.
    "{ rows { name middle { tag { label weight } leaf { n } } } }",
    "{ rows { name middle { wrongTag { label weight } } } }",
    "{ one { middle { wrongTag { label } } } rows { middle { wrongTag { weight } } } }",
]


@pytest.mark.parametrize("query", QUERIES)
def test_fast_path_equals_graphql_cores(query: str) -> None:
    fast = _run(HubExecutor, query, {"skip": True})
    stock = _run(StrawberryGraphQLCoreExecutionContext, query, {"skip": True})
    assert fast == stock
    assert fast[0] is not None or fast[1]


CONTEXT_QUERIES = [
    "{ rows { name pals { label weight } bestPal { label } } }",
    "{ rows { name pals { label ... on Named { label } } } one { bestPal { weight } } }",
]
CONTEXTS = [{}, {"late": True}, {"broken": True}, {"hole": True},
            {"late": True, "hole": True}]


@pytest.mark.parametrize("query", CONTEXT_QUERIES)
@pytest.mark.parametrize("context", CONTEXTS, ids=lambda c: "+".join(c) or "loaded")
def test_fields_computed_from_the_context_equal_graphql_cores(
        query: str, context: dict[str, bool]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no coroutine of ours left un-awaited
        fast = _run(HubExecutor, query, context=context)
    with warnings.catch_warnings():
        # graphql-core leaves a pending sibling un-awaited when an error nulls the list.
        warnings.simplefilter("ignore", RuntimeWarning)
        stock = _run(StrawberryGraphQLCoreExecutionContext, query, context=context)
    assert fast == stock
    assert fast[0] is not None or fast[1]


def test_fields_computed_from_the_context_skip_resolvers(monkeypatch: pytest.MonkeyPatch) -> None:
    built = _count_calls(monkeypatch, "build_resolve_info")
    data, errors = _run(HubExecutor, "{ rows { name pals { label } bestPal { weight } } }")
    # Only the root field: every row, its pals and best pal are built in one loop.
    assert built["n"] == 1
    assert not errors
    assert data["rows"][2] == {"name": "r2", "pals": [{"label": "p2"}, {"label": "q"}],
                               "bestPal": {"weight": 2}}


def test_errors_keep_their_paths() -> None:
    _, errors = _run(HubExecutor, "{ rows { middle { optionalLeaf { twice(k: -1) } } } }")
    assert [path for path, _ in errors] == [
        ["rows", i, "middle", "optionalLeaf", "twice"] for i in range(4)]


def _count_calls(monkeypatch: pytest.MonkeyPatch, method: str) -> dict[str, int]:
    """Calls to one of graphql-core's executor methods, counted in ``["n"]``."""
    calls = {"n": 0}
    original = getattr(StrawberryGraphQLCoreExecutionContext, method)

    def counting(self: Any, *args: Any) -> Any:
        calls["n"] += 1
        return original(self, *args)

    monkeypatch.setattr(StrawberryGraphQLCoreExecutionContext, method, counting)
    return calls


def test_plain_fields_skip_graphql_cores_field_machinery(monkeypatch: pytest.MonkeyPatch) -> None:
    built = _count_calls(monkeypatch, "build_resolve_info")
    query = "{ rows { name middle { tags leaf { n x s maybe scaled } } } }"
    _run(StrawberryGraphQLCoreExecutionContext, query)
    stock = built["n"]
    built["n"] = 0
    _run(HubExecutor, query)
    # The root field and each row's list of tags; every other field is plain.
    assert (stock, built["n"]) == (1 + 4 * 9, 1 + 4)


def test_lists_of_plain_objects_are_built_in_one_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    completed = _count_calls(monkeypatch, "complete_object_value")
    query = "{ rows { name middle { leaf { n x s scaled } tag { label } } } }"
    data, errors = _run(HubExecutor, query)
    # graphql-core completes no object of the list: each row is built at once,
    # a type in an interface too (its is_type_of asked in the loop).
    assert completed["n"] == 0
    assert not errors
    assert data["rows"][2] == {"name": "r2", "middle": {"leaf": {
        "n": 2, "x": 2 / 3, "s": "s2", "scaled": 4}, "tag": {"label": "t2"}}}
    _run(StrawberryGraphQLCoreExecutionContext, query)
    assert completed["n"] == 4 * 4  # each row, middle, leaf and tag
