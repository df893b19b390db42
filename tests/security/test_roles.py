"""The role matrix: each caller × each kind of operation, allowed or refused.

Callers: the three key roles, no key with public reads on and off, a
source's ingest token and an unknown token. Operations: a public read,
operator data and a mutation in the city key's region (沈阳) and outside it
(葫芦岛), a push to the ingest endpoint, introspection.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

import adapters
from hub import ids
from tests.http.conftest import push_items, wenhuayun_items
from tests.security.conftest import TOKENS, auth, config, hub_client, post, signed

FIXTURES = Path(__file__).resolve().parents[1] / "adapters"

CALLERS: dict[str, str | None] = {
    "province": TOKENS["province"],
    "city": TOKENS["city"],
    "viewer": TOKENS["viewer"],
    "anonymous": None,  # [public] enabled = true
    "no key, public off": None,
    "source token": "src-shengjing-token",
    "unknown token": "lnhub_not-a-key-of-this-hub",
}

OPERATIONS = (
    "public read", "operator read", "operator read elsewhere", "mutation", "mutation elsewhere",
    "ingest", "introspection",
)

OK, DENIED = "ok", "denied"
# What each caller gets; DENIED is a GraphQL error on the field (or, for
# introspection, the request), 401/403 are the HTTP statuses.
EXPECTED: dict[str, tuple[str, ...]] = {
    "province":           (OK, OK, OK, OK, OK, "401", OK),
    "city":               (OK, OK, DENIED, OK, DENIED, "401", OK),
    "viewer":             (OK, DENIED, DENIED, DENIED, DENIED, "401", OK),
    "anonymous":          (OK, DENIED, DENIED, DENIED, DENIED, "401", DENIED),
    "no key, public off": ("401", "401", "401", "401", "401", "401", "401"),
    "source token":       ("403", "403", "403", "403", "403", OK, "403"),
    "unknown token":      ("401", "401", "401", "401", "401", "401", "401"),
}

MATRIX = [
    pytest.param(caller, op, EXPECTED[caller][i], id=f"{caller}-{op}")
    for caller in CALLERS
    for i, op in enumerate(OPERATIONS)
]


async def wish_ids(pool: asyncpg.Pool) -> dict[str, str]:
    """An OPEN wish in 沈阳 (210102) and one in 葫芦岛 (211421), by global id."""
    rows = await pool.fetch(
        "select id, county_code from wishes where county_code in ('210102', '211421') "
        "and status = 'OPEN' order by id desc"
    )
    found = {r["county_code"]: ids.encode_id("Wish", r["id"]) for r in rows}
    return {"shenyang": found["210102"], "huludao": found["211421"]}


def outcome(response: httpx.Response, field: str | None) -> str:
    if response.status_code in (401, 403):
        body = response.json()
        assert body["errors"][0]["message"], body  # GraphQL's error shape
        return str(response.status_code)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    errors = body.get("errors") or []
    if not errors:
        return OK
    error = errors[0]
    introspection_off = "introspection has been disabled" in error["message"]
    forbidden = error.get("extensions", {}).get("code") == "FORBIDDEN"
    assert introspection_off or forbidden, errors
    if forbidden:
        # An error on the field, not an empty value that looks like data.
        assert error["path"] == [field] and body["data"][field] is None, body
    return DENIED


async def run(
    client: httpx.AsyncClient, op: str, token: str | None, wishes: dict[str, str]
) -> str:
    if op == "public read":
        r = await post(client, "{ wishes(first: 5) { totalCount edges { node { title } } } }", token)
        return outcome(r, "wishes")
    if op.startswith("operator read"):
        source = "huludao" if op.endswith("elsewhere") else "shengjing"
        r = await post(client, "query($s: String) { deadLetters(source: $s) { id reason } }",
                       token, s=source)
        return outcome(r, "deadLetters")
    if op.startswith("mutation"):
        wish = wishes["huludao" if op.endswith("elsewhere") else "shenyang"]
        r = await post(
            client, 'mutation($id: ID!) { escalateWish(id: $id, level: CITY, reason: "县级无法解决") '
            "{ id handlingLevel } }",
            token, id=wish,
        )
        result = outcome(r, "escalateWish")
        if result == OK:
            assert r.json()["data"]["escalateWish"]["handlingLevel"] == "CITY"
        return result
    if op == "ingest":
        body = (FIXTURES / "shengjing" / "fixtures" / "example.json").read_bytes()
        headers = signed("shengjing", body, token=token) if token else signed("shengjing", body)
        if token is None:
            headers.pop("Authorization")
        r = await client.post("/ingest/shengjing", content=body, headers=headers)
        return OK if r.status_code == 200 else str(r.status_code)
    assert op == "introspection"
    r = await post(client, "{ __schema { queryType { name } } }", token)
    return outcome(r, "__schema")


@pytest.mark.parametrize(("caller", "op", "expected"), MATRIX)
async def test_role_matrix(clean_db: asyncpg.Pool, caller: str, op: str, expected: str) -> None:
    await push_items(clean_db, wenhuayun_items(wishes=12, teams=0))  # OPEN wishes
    cfg = config(
        public=caller != "no key, public off",
        security={"introspection": ["province", "city", "viewer"]},
    )
    async with hub_client(clean_db, cfg) as client:
        got = await run(client, op, CALLERS[caller], await wish_ids(clean_db))
    assert got == expected


async def test_a_refused_field_leaves_the_rest_of_the_answer(clean_db: asyncpg.Pool) -> None:
    async with hub_client(clean_db, config()) as client:
        r = await post(client, "{ sources { code } deadLetters { id } auditLog { id } }",
                       TOKENS["viewer"])
    body = r.json()
    assert len(body["data"]["sources"]) == len(adapters.REGISTRY)
    assert body["data"]["deadLetters"] is None and body["data"]["auditLog"] is None
    assert sorted(e["path"][0] for e in body["errors"]) == ["auditLog", "deadLetters"]
    assert all("province key or a city key" in e["message"] for e in body["errors"])


async def test_missing_and_wrong_keys_are_401_with_a_graphql_error_body(
    clean_db: asyncpg.Pool,
) -> None:
    async with hub_client(clean_db, config(public=False)) as client:
        missing = await post(client, "{ sources { code } }")
        wrong = await post(client, "{ sources { code } }", "lnhub_nope")
        basic = await client.post("/graphql", json={"query": "{ sources { code } }"},
                                  headers={"Authorization": "Basic dXNlcjpwdw=="})
    for r in (missing, wrong, basic):
        assert r.status_code == 401
        assert r.headers["www-authenticate"].startswith("Bearer")
        assert r.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "lnhub_nope" not in wrong.text


async def test_a_city_key_sees_operator_data_of_its_own_sources_only(
    clean_db: asyncpg.Pool,
) -> None:
    from hub.ingest import ingest

    for code in ("shengjing", "huludao"):
        body = (FIXTURES / code / "fixtures" / "bad_records.json").read_bytes()
        await ingest(clean_db, code, body)
    query = "{ deadLetters(first: 100) { sourceCode } sourceFailures { source { code } } }"
    async with hub_client(clean_db, config()) as client:
        city = (await post(client, query, TOKENS["city"])).json()["data"]
        province = (await post(client, query, TOKENS["province"])).json()["data"]
    assert {d["sourceCode"] for d in city["deadLetters"]} == {"shengjing"}
    assert {d["sourceCode"] for d in province["deadLetters"]} == {"shengjing", "huludao"}
    assert [s["source"]["code"] for s in city["sourceFailures"]] == ["shengjing"]
    assert len(province["sourceFailures"]) == len(adapters.REGISTRY)


async def test_the_source_token_cannot_read_and_a_reader_key_cannot_push(
    clean_db: asyncpg.Pool,
) -> None:
    body = json.dumps({"platform": "shengjing", "records": []}).encode()
    async with hub_client(clean_db, config()) as client:
        read = await post(client, "{ sources { code } }", "src-shengjing-token")
        pushes = [
            await client.post("/ingest/shengjing", content=body,
                              headers={**signed("shengjing", body), **auth(token)})
            for token in TOKENS.values()
        ]
    assert read.status_code == 403
    assert "may only push" in read.json()["errors"][0]["message"]
    assert [p.status_code for p in pushes] == [401, 401, 401]
