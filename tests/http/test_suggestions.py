"""``Wish.suggestedTeams``: the ranking, its reasons, who may ask, and its cost."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx

from tests.http.conftest import counting_client, push_items
from tests.security.conftest import TOKENS, config, hub_client, post

_T = "2022-03-01T08:00:00+08:00"


def _team(team_id: str, label: str, division: str, members: int) -> dict[str, Any]:
    return {"entity": "team", "team_id": team_id, "name": f"{team_id}志愿服务队",
            "service_type": label, "station_id": None, "division_code": division,
            "member_count": members, "updated_at": _T, "deleted": False}


def _wish(wish_id: str, wish_type: str, division: str, *, claimed_by: str | None = None,
          ) -> dict[str, Any]:
    return {
        "entity": "wish", "wish_id": wish_id, "title": f"心愿{wish_id}", "wish_type": wish_type,
        "goods_or_service": "服务", "target_group": "老人", "target_name": "王某某",
        "division_code": division, "station_id": None,
        "state": "已认领" if claimed_by else "待认领",
        "submit_time": "2022-03-02T08:00:00+08:00",
        "claim_time": "2022-03-03T08:00:00+08:00" if claimed_by else None, "done_time": None,
        "claimers": [{"kind": "队伍", "name": claimed_by, "team_id": claimed_by}]
        if claimed_by else [],
        "origin": None, "updated_at": _T, "deleted": False,
    }


# 沈阳: a town of 和平区 (210102001) and its village 210102001001; 铁西区 210106.
ITEMS = [
    _team("relief-town", "扶危帮困", "210102001", 10),
    _team("edu-county", "助学支教", "210102", 20),
    _team("relief-city", "扶危帮困", "210106", 10),
    _team("general-city", "其他", "210106", 5),
    _team("law-county", "法律服务", "210102", 10),
    _team("relief-dalian", "扶危帮困", "210202", 50),
    # 生活求助 is served by relief teams (扶危帮困).
    _wish("W", "生活求助", "210102001001"),
    _wish("D", "生活求助", "210202"),  # in 大连
    *[_wish(f"busy-{i}", "生活求助", "210102", claimed_by="relief-town") for i in range(3)],
    _wish("to-dispatch", "生活求助", "210106"),
]

SUGGEST = """
query($id: ID!, $first: Int) {
  node(id: $id) { ... on Wish { sourceId suggestedTeams(first: $first) {
    team { sourceId } score reasons } } }
}"""

LIST = """
{ wishes(first: 20) { edges { node { sourceId
    suggestedTeams(first: 2) { team { sourceId } score } } } } }"""


async def _setup(pool: asyncpg.Pool) -> dict[str, str]:
    await push_items(pool, ITEMS)
    rows = await pool.fetch("select id, source_id from wishes")
    from hub import ids

    return {r["source_id"]: ids.encode_id("Wish", r["id"]) for r in rows}


async def _suggest(client: httpx.AsyncClient, wish: str, token: str | None,
                   first: int | None = None) -> Any:
    response = await post(client, SUGGEST, token, id=wish, first=first)
    assert response.status_code == 200, response.text
    return response.json()


async def test_teams_ranked_by_fit_nearness_and_load_with_reasons(clean_db: asyncpg.Pool) -> None:
    wishes = await _setup(clean_db)
    async with hub_client(clean_db, config()) as client:
        body = await _suggest(client, wishes["W"], TOKENS["province"], first=5)
    assert "errors" not in body, body
    got = body["data"]["node"]["suggestedTeams"]
    assert [(s["team"]["sourceId"], s["score"]) for s in got] == [
        # 40 fit + 30 same town - 15 for 3 open claims among 10 members
        ("relief-town", 55),
        ("relief-city", 50),  # 40 fit + 10 same city
        ("edu-county", 20),  # no fit, same county; 20 members
        ("law-county", 20),  # the same, 10 members
        ("general-city", 20),  # a general team (10) in the same city (10)
    ]
    assert got[0]["reasons"] == ["扶危帮困队伍", "同一乡镇", "当前认领 3 个", "队员 10 人"]
    assert got[1]["reasons"] == ["扶危帮困队伍", "同一城市", "当前无未完成认领", "队员 10 人"]
    assert got[4]["reasons"][0] == "综合类队伍"
    # 大连's team is not a candidate while the county handles the wish.
    assert "relief-dalian" not in {s["team"]["sourceId"] for s in got}


async def test_default_is_five_and_first_is_bounded(clean_db: asyncpg.Pool) -> None:
    wishes = await _setup(clean_db)
    async with hub_client(clean_db, config()) as client:
        default = await _suggest(client, wishes["W"], TOKENS["province"])
        two = await _suggest(client, wishes["W"], TOKENS["province"], first=2)
        too_many = await _suggest(client, wishes["W"], TOKENS["province"], first=21)
    assert len(default["data"]["node"]["suggestedTeams"]) == 5
    assert len(two["data"]["node"]["suggestedTeams"]) == 2
    assert too_many["data"]["node"]["suggestedTeams"] is None
    assert "between 0 and 20" in too_many["errors"][0]["message"]


async def test_escalated_to_the_province_any_city_may_take_it(clean_db: asyncpg.Pool) -> None:
    wishes = await _setup(clean_db)
    await clean_db.execute("update wishes set handling_level = 'PROVINCE' where source_id = 'W'")
    async with hub_client(clean_db, config()) as client:
        body = await _suggest(client, wishes["W"], TOKENS["province"], first=3)
    got = body["data"]["node"]["suggestedTeams"]
    assert [(s["team"]["sourceId"], s["score"]) for s in got] == [
        ("relief-town", 55), ("relief-city", 50), ("relief-dalian", 40)]
    assert got[2]["reasons"][:2] == ["扶危帮困队伍", "省内其他城市"]


async def test_open_dispatches_count_as_load(clean_db: asyncpg.Pool) -> None:
    wishes = await _setup(clean_db)
    await clean_db.execute(
        "update wishes set dispatch_team_id = (select id from teams where source_id = 'relief-city')"
        " where source_id = 'to-dispatch'")
    async with hub_client(clean_db, config()) as client:
        body = await _suggest(client, wishes["W"], TOKENS["province"], first=2)
    second = body["data"]["node"]["suggestedTeams"][1]
    assert second["team"]["sourceId"] == "relief-city"
    assert second["score"] == 45  # 50 - 5 for one open wish among 10 members
    assert "已派单 1 个" in second["reasons"]


async def test_only_operators_of_the_wishs_region_may_ask(clean_db: asyncpg.Pool) -> None:
    wishes = await _setup(clean_db)
    async with hub_client(clean_db, config()) as client:
        city = await _suggest(client, wishes["W"], TOKENS["city"])  # 沈阳's key, 沈阳's wish
        other_city = await _suggest(client, wishes["D"], TOKENS["city"])  # a 大连 wish
        viewer = await _suggest(client, wishes["W"], TOKENS["viewer"])
        public = await _suggest(client, wishes["W"], None)
    assert len(city["data"]["node"]["suggestedTeams"]) == 5
    for body in (other_city, viewer, public):
        # An error on the field; the rest of the answer is intact.
        assert body["data"]["node"]["suggestedTeams"] is None
        assert body["data"]["node"]["sourceId"] in ("W", "D")
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert body["errors"][0]["path"][-1] == "suggestedTeams"


async def test_a_list_of_wishes_costs_one_statement_for_all_suggestions(
    database_url: str, clean_db: asyncpg.Pool
) -> None:
    await _setup(clean_db)
    async with counting_client(database_url, config()) as (client, log):
        response = await post(client, LIST, TOKENS["province"])
    body = response.json()
    assert "errors" not in body, body
    nodes = [e["node"] for e in body["data"]["wishes"]["edges"]]
    assert len(nodes) == 6
    # 大连 has one team; 沈阳's wishes have two each.
    assert {n["sourceId"]: len(n["suggestedTeams"]) for n in nodes} == {
        "W": 2, "D": 1, "busy-0": 2, "busy-1": 2, "busy-2": 2, "to-dispatch": 2}
    by_wish = {n["sourceId"]: n["suggestedTeams"][0]["team"]["sourceId"] for n in nodes}
    assert by_wish["W"] == "relief-town" and by_wish["D"] == "relief-dalian"
    assert sum("with k as" in s for s in log.statements) == 1
