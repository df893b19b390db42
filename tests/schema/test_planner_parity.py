"""The query planner answers exactly as the resolver path does.

Every GraphQL document written in the tests (and the benchmarks) that reads
``wishes``, ``teams``, ``stations`` or ``wish`` is sent, with variables drawn
from the data, by every role, to two apps on one database: one with the
planner (``[graphql] planner``, the default; a document seen before answered
without strawberry's execution, ``schema.plan.direct``) and one without. Status and
answer (data and errors) must be the same, byte for byte. The hand-written
documents below add what the collected ones may miss: aliases,
fragments, ``__typename``, cursors, both orders, villages, and requests the
resolvers refuse.
"""

from __future__ import annotations

import ast
import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from graphql import OperationDefinitionNode, OperationType, parse

from hub.app import create_app
from hub.ids import encode_cursor, encode_id
from schema import plan
from tests.http.conftest import push_items, wenhuayun_items
from tests.security.conftest import TOKENS, config

ROOT = Path(__file__).resolve().parents[2]
PLANNED_ROOTS = {"wishes", "teams", "stations", "wish"}
VILLAGE, TOWN = "210521100201", "210521100"
ROLES = (None, "viewer", "city", "province")

HAND_WRITTEN = [
    """{ wishes(first: 5) { __typename totalCount
         pageInfo { __typename hasNextPage hasPreviousPage startCursor endCursor }
         edges { __typename cursor node { __typename id title kind category beneficiaryGroup
           beneficiaryName status submittedAt claimedAt fulfilledAt handlingLevel sourceId
           region { id code name level parent { code name parent { name } } }
           station { id level sourceId name region { code name } }
           claims { claimantKind claimantName claimedAt
                    team { id name category memberCount sourceId region { code name }
                           station { name level region { code } } } } } } } }""",
    """query($after: String, $order: WishOrder) { a: wishes(first: 3, after: $after, orderBy: $order) {
         edges { c: cursor n: node { ...W ... on Wish { t: title } ... on Node { id } } }
         pageInfo { endCursor } }
       b: teams(first: 2) { edges { node { ...T } } } }
       fragment W on Wish { id status region { ...R } }
       fragment T on Team { id name region { ...R } station { name } }
       fragment R on Region { code name }""",
    """query($r: String) { wishes(first: 10, filter: {regionCode: $r}) { totalCount
         edges { node { id region { code name } station { name region { code } } } } } }""",
    """query($id: ID!) { wish(id: $id) { id title submittedAt region { code name }
         claims { claimantName team { name station { name } } } } }""",
    """{ wishes(first: 0) { totalCount pageInfo { hasNextPage startCursor endCursor } edges { cursor } } }""",
    """query($f: Int) { wishes(first: $f) { totalCount edges { node { id } } } }""",
    """query($r: String) { teams(first: 4, filter: {regionCode: $r}) { totalCount
         pageInfo { hasNextPage endCursor } edges { cursor node { id name memberCount
         region { name } station { id name } } } } }""",
    """query($after: String) { teams(first: 2, after: $after) { edges { node { id } } } }""",
    """{ wishes(first: 3) { edges { node { id } } } regions(level: CITY) { code } }""",
    """{ w: wish(id: "V2lzaDo5OTk5OTk=") { id } x: wish(id: "VGVhbTox") { id } }""",
    """{ wishes(first: 3, filter: {search: "书包", status: [CLAIMED, OPEN]}) { edges { node { title } } } }""",
    """query($after: String) { stations(first: 3, after: $after) { totalCount pageInfo { hasNextPage
         endCursor } edges { cursor node { __typename id level sourceId name region { code name } } } } }""",
    """{ stations(filter: {level: [STATION]}) { edges { node { name } } } }""",
]


def _documents() -> Iterator[str]:
    """String constants in the tests and the benchmarks that are query
    documents reading a planned root field."""
    files = [*sorted((ROOT / "tests").rglob("*.py")), *sorted((ROOT / "bench").glob("*.py"))]
    for path in files:
        if path.name == Path(__file__).name:
            continue
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
                continue
            text = node.value
            if "{" not in text or not any(r in text for r in PLANNED_ROOTS):
                continue
            try:
                document = parse(text)
            except Exception:  # not GraphQL
                continue
            operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
            if len(operations) != 1 or operations[0].operation is not OperationType.QUERY:
                continue
            roots = {s.name.value for s in operations[0].selection_set.selections
                     if hasattr(s, "name")}
            if roots & PLANNED_ROOTS:
                yield text


def _samples(type_name: str, var: str, ids: dict[str, Any]) -> list[Any] | None:
    """Values to try for a variable of this type; None when none are known."""
    by_type: dict[str, list[Any]] = {
        "Int": [3, 101],
        "ID": [ids["wish"], ids["team"]],
        "WishStatus": ["CLAIMED"],
        "[WishStatus!]": [["CLAIMED", "OPEN"]],
        "WishOrder": ["SUBMITTED_ASC", "SUBMITTED_DESC"],
        "WishFilter": [{"regionCode": TOWN}, {"regionCode": VILLAGE}, {"status": ["OPEN"]}],
        "TeamFilter": [{"regionCode": "210106"}],
        "StationFilter": [{"regionCode": TOWN}, {"level": ["STATION"]}],
        "Boolean": [True],
    }
    if type_name == "String":
        if "after" in var.lower() or "cursor" in var.lower():
            return [ids["wish_cursor"], ids["team_cursor"], ids["station_cursor"], "bm90IGEgY3Vyc29y"]
        return ["210106", TOWN, VILLAGE, "999999"]
    return by_type.get(type_name)


def _variable_sets(text: str, ids: dict[str, Any]) -> list[dict[str, Any]] | None:
    operation = next(d for d in parse(text).definitions if isinstance(d, OperationDefinitionNode))
    choices: list[list[tuple[str, Any]]] = []
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        type_text = _type_text(definition.type)
        required = type_text.endswith("!") and definition.default_value is None
        samples = _samples(type_text.rstrip("!"), name, ids)
        if samples is None:
            if required:
                return None
            samples = []
        options = [(name, v) for v in samples]
        if not required:
            options.append((name, None))
        choices.append(options)
    sets = [dict(c) for c in itertools.product(*choices)] if choices else [{}]
    return sets[:4]


def _type_text(node: Any) -> str:
    kind = type(node).__name__
    if kind == "NonNullTypeNode":
        return _type_text(node.type) + "!"
    if kind == "ListTypeNode":
        return "[" + _type_text(node.type) + "]"
    return str(node.name.value)


@pytest.fixture
async def data(clean_db: asyncpg.Pool) -> dict[str, Any]:
    """Wishes in counties, a town and a village, claims by teams, stations in villages."""
    items = wenhuayun_items(wishes=14, teams=4, stations=4)
    for item in items:
        if item["entity"] == "wish" and item["wish_id"] in ("WS-0001", "WS-0002", "WS-0003"):
            item["division_code"] = VILLAGE
        if item["entity"] == "wish" and item["wish_id"] == "WS-0004":
            item["division_code"] = TOWN
        if item["entity"] == "station" and item["station_id"] == "ST-1":
            item["division_code"], item["name"] = VILLAGE, "安泰村新时代文明实践站"
        if item["entity"] == "team" and item["team_id"] == "T-1":
            item["division_code"] = VILLAGE
        if item["entity"] == "wish" and item["wish_id"] == "WS-0005":
            item["claimers"] = []
            item["state"] = "待认领"
    await push_items(clean_db, items)
    # Instants with microseconds (Python writes them only when there are any).
    await clean_db.execute(
        "update wishes set submitted_at = submitted_at + interval '123456 microseconds' "
        "where source_id = 'WS-0006'")
    await clean_db.execute("update wishes set claimed_at = claimed_at + interval '500 milliseconds' "
                           "where source_id = 'WS-0013'")  # the newest
    await clean_db.execute("update claims set claimed_at = claimed_at + interval '7 microseconds' "
                           "where ordinal = 1")
    wish = await clean_db.fetchrow("select id, submitted_at from wishes order by id limit 1")
    team = await clean_db.fetchval("select min(id) from teams")
    station = await clean_db.fetchval("select min(id) from stations")
    return {
        "wish": encode_id("Wish", wish["id"]), "team": encode_id("Team", team),
        "wish_cursor": encode_cursor("wish-desc", wish["submitted_at"], wish["id"]),
        "team_cursor": encode_cursor("team", team),
        "station_cursor": encode_cursor("station", station),
    }


def _pairs(text: str) -> Any:
    """The JSON with every object as its list of pairs: key order counts."""
    return json.loads(text, object_pairs_hook=list)


async def test_planned_answers_equal_the_resolvers(
    clean_db: asyncpg.Pool, data: dict[str, Any]
) -> None:
    documents = list(dict.fromkeys([*HAND_WRITTEN, *_documents()]))
    assert len(documents) >= 20, len(documents)
    planned = create_app(config=config(), pool=clean_db)
    resolved = create_app(config=config(graphql={"planner": False}), pool=clean_db)
    before, direct_before = plan.COUNTS.answered, plan.COUNTS.direct
    compared = 0
    fractions: set[bytes] = set()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=planned),
                                 base_url="http://hub.test") as with_plan, \
            httpx.AsyncClient(transport=httpx.ASGITransport(app=resolved),
                              base_url="http://hub.test") as without:
        for text in documents:
            sets = _variable_sets(text, data)
            if sets is None:
                continue
            for variables, role in itertools.product(sets, ROLES):
                headers = {"Authorization": f"Bearer {TOKENS[role]}"} if role else {}
                body = {"query": text, "variables": variables}
                a = await with_plan.post("/graphql", json=body, headers=headers)
                b = await without.post("/graphql", json=body, headers=headers)
                where = f"{text}\n{variables} as {role}"
                assert a.status_code == b.status_code, where
                assert _pairs(a.text) == _pairs(b.text), f"{where}\n{a.text}\n{b.text}"
                assert a.content == b.content, where  # byte for byte
                compared += 1
                fractions |= {f for f in (b".123456+08:00", b".500000+08:00", b".000007+08:00")
                              if f in a.content}
    assert len(fractions) == 3, fractions  # microseconds written as Python writes them
    answered = plan.COUNTS.answered - before
    # Most requests were answered by the planner (the rest: refused before it runs).
    assert answered >= compared // 2, (answered, compared)
    # And most of those without strawberry's execution (a document seen
    # before: schema.plan.direct), refusals on that path included.
    direct = plan.COUNTS.direct - direct_before
    assert direct >= compared // 3, (direct, compared)


async def test_uncovered_selections_and_refusals_fall_back(
    clean_db: asyncpg.Pool, data: dict[str, Any]
) -> None:
    app = create_app(config=config(), pool=clean_db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://hub.test") as client:
        before = (plan.COUNTS.answered, plan.COUNTS.fell_back)
        uncovered = await client.post("/graphql", json={
            "query": "{ wishes(first: 2) { edges { node { source { code } } } } }"})
        assert uncovered.json()["data"]["wishes"]["edges"][0]["node"]["source"]["code"]
        assert (plan.COUNTS.answered, plan.COUNTS.fell_back) == before
        refused = await client.post("/graphql", json={
            "query": "{ wishes(first: 101) { totalCount } }"})
        assert "between 0 and 100" in refused.json()["errors"][0]["message"]
        assert plan.COUNTS.fell_back == before[1] + 1
