"""Which statements PostgreSQL plans once, and which with their values.

The hub's connections leave the choice to PostgreSQL (``plan_cache_mode =
auto``, ``hub.db.SERVER_SETTINGS``): after five runs on a connection a
prepared statement keeps its generic plan only when that is no dearer than
the custom ones. A point lookup must then stop being planned at every
request; the query planner's list, written for the filters it was given
(``hub.sql.read.Shape``), too, with a plan that uses their index; and a list
with optional filters (the resolvers') must keep the custom plans that use
the index of the filter it was given. The statistics run every statement
with custom plans (``hub.db.custom_plans``).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import asyncpg
from graphql import OperationDefinitionNode, get_operation_ast, parse
from graphql.execution.values import get_variable_values

from hub import db
from hub import read as hub_read
from hub import stats as hub_stats
from hub.ids import encode_id
from hub.models import WishCategory, WishStatus
from hub.security.roles import ANONYMOUS
from hub.stats_query import StatsFilter
from schema import plan as planner
from schema.schema import schema
from tests.http.conftest import CITY_COUNTIES, push_items, wenhuayun_items

DETAIL = """query Detail($id: ID!) {
  wish(id: $id) { id title status region { name } claims { claimantName team { name } } }
}"""
LIST = """query List($region: String!) {
  wishes(first: 50, filter: {regionCode: $region, status: [CLAIMED]}) {
    edges { node { id title submittedAt region { name } } }
  }
}"""
RUNS = 8
_EXPLAIN_GENERIC = """
create function pg_temp.explain_generic(statement text) returns setof text language plpgsql as $$
begin
  return query execute 'explain (generic_plan) ' || statement;
end $$"""


async def _answer(conn: asyncpg.Connection, query: str, variables: dict[str, Any]) -> str:
    """The planner's answer to ``query`` (one root field), run on ``conn``."""
    document = parse(query)
    operation = get_operation_ast(document)
    assert isinstance(operation, OperationDefinitionNode)
    node = operation.selection_set.selections[0]
    field = schema._schema.query_type.fields[node.name.value]  # type: ignore[union-attr, attr-defined]
    plan = planner.root_plan(field, node, dict)  # type: ignore[arg-type]
    assert plan is not None
    coerced = get_variable_values(schema._schema, operation.variable_definitions or (), variables)
    assert not isinstance(coerced, list), coerced
    answer = await planner.answer(plan, SimpleNamespace(pool=conn, caller=ANONYMOUS), coerced,
                                  schema)
    assert isinstance(answer, planner.SplicedJson)
    return answer.text


async def _plans(conn: asyncpg.Connection, table_clause: str) -> tuple[int, int]:
    """(generic, custom) plans of the statement prepared on ``conn`` that reads ``table_clause``."""
    rows = await conn.fetch(
        "select generic_plans, custom_plans from pg_prepared_statements "
        "where strpos(statement, $1) > 0", table_clause)
    assert len(rows) == 1, rows
    return rows[0]["generic_plans"], rows[0]["custom_plans"]


async def test_point_lookups_and_planned_lists_are_planned_once_and_filtered_lists_with_their_values(
    database_url: str, clean_db: asyncpg.Pool,
) -> None:
    await push_items(clean_db, wenhuayun_items(3000))
    ids = [r["id"] for r in await clean_db.fetch("select id from wishes order by id limit $1", RUNS)]
    conn = await db.connect(database_url)
    try:
        await conn.execute("analyze wishes, claims, teams, regions")
        for n, key in enumerate(ids):
            county = CITY_COUNTIES[n % len(CITY_COUNTIES)]
            text = await _answer(conn, DETAIL, {"id": encode_id("Wish", key)})
            assert f'"id":"{encode_id("Wish", key)}"' in text
            text = await _answer(conn, LIST, {"region": county})
            assert text.count('"node"') == 50
            query = hub_read.WishQuery(scope=hub_read.RegionScope(county=county),
                                       status=[WishStatus.CLAIMED])
            assert len((await hub_read.page(conn, query, 50, None)).items) == 50
        # Five custom plans, then the generic one for every later run.
        assert await _plans(conn, "from wishes w where w.id = $1") == (RUNS - 5, 5)
        # The planner's list, written for its filters: its generic plan may be
        # chosen (whether it is depends on estimates of a few thousand rows) ...
        assert sum(await _plans(conn, "(w.county_code = $2::text)")) == RUNS
        # (the text as a parameter: a literal would match this statement too)
        statement = await conn.fetchval("select statement from pg_prepared_statements "
                                        "where strpos(statement, $1) > 0",
                                        "(w.county_code = $2::text)")
        # Its plan for any values (EXPLAIN's of the text, no values bound).
        await conn.execute(_EXPLAIN_GENERIC)
        generic = "\n".join(r[0] for r in await conn.fetch(
            "select * from pg_temp.explain_generic($1)", statement))
        # ... and uses an index of a filter given (county $2, status $5), not a
        # walk of the dates.
        conditions = [line for line in generic.splitlines() if "Index Cond" in line]
        assert any("$2" in c or "$5" in c for c in conditions), generic
        assert await _plans(conn, "($2::text is null or w.county_code = $2)") == (0, RUNS)
    finally:
        await conn.close()


async def test_statistics_are_planned_with_their_values_on_every_run(
    database_url: str, clean_db: asyncpg.Pool,
) -> None:
    # Their statements take many optional filters; a generic plan kept after
    # five cheap runs cost a province's random filter 250 ms instead of 20.
    await push_items(clean_db, wenhuayun_items(3000))
    conn = await db.connect(database_url)
    try:
        await conn.execute("analyze")
        for n in range(RUNS):
            county = CITY_COUNTIES[n % len(CITY_COUNTIES)]
            for f in (StatsFilter(), StatsFilter(region_code=county),
                      StatsFilter(region_code=county[:4] + "00", category=WishCategory.STUDY_SUPPLIES)):
                result = await hub_stats.stats(conn, f, flow=True)
                assert result.wishes.submitted >= 0
        rows = await conn.fetch(
            "select statement, generic_plans, custom_plans from pg_prepared_statements "
            "where strpos(statement, $1) > 0", "is null or")  # a literal would match itself
        assert rows, "no statistics statement with optional filters was prepared"
        generic = [(r["generic_plans"], r["statement"][:200]) for r in rows if r["generic_plans"]]
        assert not generic, generic
        assert max(r["custom_plans"] for r in rows) >= RUNS
        assert not conn.is_in_transaction()
    finally:
        await conn.close()
