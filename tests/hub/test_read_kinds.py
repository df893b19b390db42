"""The four list kinds' declarations agree with their queries (``hub.read``)."""

from __future__ import annotations

import pytest

from hub import read

QUERIES = [read.WishQuery(), read.WishQuery(ascending=True), read.TeamQuery(), read.StationQuery(),
           read.ActivityQuery()]


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: f"{type(q).__name__}:{q.order}")
def test_a_query_gives_a_value_to_each_condition_of_its_kind_and_names_an_order(
    query: read.ListQuery[object],
) -> None:
    kind = query.kind
    assert set(query.values()) == {c.name for c in kind.sql.conditions}
    assert query.order in kind.orders
    # The statement's parameters: the filter's, one per key of the order, the limit.
    statement = kind.orders[query.order].statement
    n = len(kind.sql.conditions) + len(kind.orders[query.order].keys) + 1
    assert f"${n}" in statement and f"${n + 1}" not in statement
