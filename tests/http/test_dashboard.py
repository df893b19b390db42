"""``/dashboard`` through the ASGI app: signing in, the session cookie, CSRF,
who sees what, and the export's refusals. The page itself is driven in a
browser by tests/browser/test_dashboard_page.py."""

from __future__ import annotations

import html
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest

from hub.app import create_app
from hub.config import Config, parse_config
from hub.dashboard import session as ses
from hub.dashboard.operations import OPERATIONS_DIR, manifest
from hub.dashboard.routes import ECHARTS_VERSION, STATIC
from hub.security.documents import (
    Document,
    TrustedDocuments,
    add_documents,
    check_documents,
    sha256_of,
)
from hub.security.keys import hash_token
from schema.schema import schema

PROVINCE_TOKEN = "lnhub_province-token-for-the-dashboard-tests-0001"
CITY_TOKEN = "lnhub_shenyang-token-for-the-dashboard-tests-00002"
VIEWER_TOKEN = "lnhub_viewer-token-for-the-dashboard-tests-000003"
KEYS = {
    "province-office": {"role": "province", "sha256": hash_token(PROVINCE_TOKEN)},
    "shenyang-office": {"role": "city", "region": "210100", "sha256": hash_token(CITY_TOKEN)},
    "frontend": {"role": "viewer", "sha256": hash_token(VIEWER_TOKEN)},
}


def config(public: bool) -> Config:
    return parse_config({"public": {"enabled": public}, "keys": KEYS,
                         "security": {"rate_limit": {"enabled": False}}})


async def _client(pool: asyncpg.Pool, public: bool) -> httpx.AsyncClient:
    app = create_app(config=config(public), pool=pool)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub.test")


@pytest.fixture
async def closed(clean_db: asyncpg.Pool) -> AsyncIterator[httpx.AsyncClient]:
    async with await _client(clean_db, public=False) as c:
        yield c


@pytest.fixture
async def open_hub(clean_db: asyncpg.Pool) -> AsyncIterator[httpx.AsyncClient]:
    async with await _client(clean_db, public=True) as c:
        yield c


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found is not None, page[:500]
    return found.group(1)


async def sign_in(client: httpx.AsyncClient, token: str, next_: str = "/dashboard") -> httpx.Response:
    page = await client.get("/dashboard")
    return await client.post("/dashboard/signin", data={
        "csrf": _csrf(page.text), "key": token, "next": next_})


def _page_csrf(page: str) -> str | None:
    found = re.search(r'data-config="([^"]+)"', page)
    assert found is not None
    value: str | None = json.loads(html.unescape(found.group(1)))["csrf"]
    return value


async def test_signing_in_sets_a_signed_httponly_samesite_cookie_and_never_shows_the_key(
    closed: httpx.AsyncClient,
) -> None:
    page = await closed.get("/dashboard")
    assert page.status_code == 200 and "粘贴省级或市级密钥" in page.text
    assert "Content-Security-Policy" in page.headers
    answer = await sign_in(closed, PROVINCE_TOKEN, "/dashboard?region=210100")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/dashboard?region=210100"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{ses.COOKIE}=") and "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "samesite=strict" in cookie.lower()
    assert PROVINCE_TOKEN not in cookie and PROVINCE_TOKEN not in answer.headers["location"]
    board = await closed.get("/dashboard")
    assert "省级 · province-office" in board.text and PROVINCE_TOKEN not in board.text
    assert "localStorage" not in board.text and "sessionStorage" not in board.text


async def test_a_wrong_key_a_viewer_key_or_a_missing_csrf_token_does_not_sign_in(
    closed: httpx.AsyncClient,
) -> None:
    for token, error in (("lnhub_nonsense", "key"), (VIEWER_TOKEN, "role"), ("", "key")):
        answer = await sign_in(closed, token)
        assert answer.status_code == 303 and answer.headers["location"].endswith(f"error={error}")
        assert ses.COOKIE not in answer.headers.get("set-cookie", "")
    forged = await closed.post("/dashboard/signin", data={"csrf": "x", "key": PROVINCE_TOKEN})
    assert forged.headers["location"].endswith("error=csrf")
    assert ses.COOKIE not in forged.headers.get("set-cookie", "")
    # An address elsewhere is never where signing in leads.
    answer = await sign_in(closed, PROVINCE_TOKEN, "https://evil.example/dashboard")
    assert answer.headers["location"] == "/dashboard"


async def test_the_cookie_reads_graphql_only_with_the_sessions_csrf_header(
    closed: httpx.AsyncClient,
) -> None:
    query = {"query": "{ sourceFailures { source { code } } }"}
    assert (await closed.post("/graphql", json=query)).status_code == 401
    await sign_in(closed, PROVINCE_TOKEN)
    # The cookie alone (a form another site posts, say) is no caller.
    assert (await closed.post("/graphql", json=query)).status_code == 401
    board = await closed.get("/dashboard")
    token = _page_csrf(board.text)
    assert token is not None
    wrong = await closed.post("/graphql", json=query, headers={ses.CSRF_HEADER: "nope"})
    assert wrong.status_code == 401
    right = await closed.post("/graphql", json=query, headers={ses.CSRF_HEADER: token})
    assert right.status_code == 200 and "errors" not in right.json(), right.text
    # Signing out ends it, and needs the token too.
    refused = await closed.post("/dashboard/signout", data={"csrf": "nope"})
    assert refused.headers["location"].endswith("error=csrf")
    out = await closed.post("/dashboard/signout", data={"csrf": token})
    assert out.status_code == 303
    closed.cookies.delete(ses.COOKIE)
    assert (await closed.post("/graphql", json=query,
                              headers={ses.CSRF_HEADER: token})).status_code == 401


async def test_a_forged_or_tampered_cookie_is_no_session(closed: httpx.AsyncClient) -> None:
    await sign_in(closed, CITY_TOKEN)
    value = closed.cookies[ses.COOKIE]
    body, mac = value.split(".")
    closed.cookies.set(ses.COOKIE, body[:-2] + "xx." + mac, domain="hub.test")
    assert "粘贴省级或市级密钥" in (await closed.get("/dashboard")).text


async def test_a_city_key_exports_its_own_region_and_below_only(closed: httpx.AsyncClient) -> None:
    assert (await closed.get("/dashboard/export.xlsx?region=210100")).status_code == 401
    await sign_in(closed, CITY_TOKEN)
    own = await closed.get("/dashboard/export.xlsx?region=210100&from=2022-03-01&to=2022-04-01")
    assert own.status_code == 200, own.text
    assert own.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "%E6%B2%88%E9%98%B3%E5%B8%82-2022-03.xlsx" in own.headers["content-disposition"]
    assert own.content[:2] == b"PK"
    county = await closed.get("/dashboard/export.xlsx?region=210106")
    assert county.status_code == 200
    for other in ("210200", "210000", ""):
        refused = await closed.get(f"/dashboard/export.xlsx?region={other}")
        assert refused.status_code == 403, other


async def test_the_public_sees_the_page_and_exports_when_public_access_is_on(
    open_hub: httpx.AsyncClient,
) -> None:
    page = await open_hub.get("/dashboard?region=210200")
    assert page.status_code == 200 and "公开数据" in page.text
    assert _page_csrf(page.text) is None
    assert (await open_hub.get("/dashboard/export.xlsx?region=210200")).status_code == 200


@pytest.mark.parametrize("query", [
    "region=999999", "region=210106002", "from=2022-13-01", "from=2022-03-02&to=2022-03-01",
    "region=%00%ff",
])
async def test_bad_export_parameters_are_a_400_with_a_reason(
    open_hub: httpx.AsyncClient, query: str,
) -> None:
    answer = await open_hub.get(f"/dashboard/export.xlsx?{query}")
    assert answer.status_code == 400 and "class=\"error\"" in answer.text


async def test_hostile_form_posts_get_an_answer_not_an_error(open_hub: httpx.AsyncClient) -> None:
    posts: list[dict[str, Any]] = [
        {"content": b"\xff\xfe" * 10, "headers": {"content-type": "application/x-www-form-urlencoded"}},
        {"content": b"key=" + b"a" * 20000,
         "headers": {"content-type": "application/x-www-form-urlencoded"}},
        {"json": {"key": PROVINCE_TOKEN}},
    ]
    for post in posts:
        answer = await open_hub.post("/dashboard/signin", **post)
        assert answer.status_code == 303 and "error=" in answer.headers["location"]


def test_the_pages_operations_are_valid_documents_named_by_their_hash() -> None:
    docs = manifest()["operations"]
    assert {d["name"] for d in docs} == {"Board", "Categories", "Cities", "Counties", "Groups",
                                         "Wish"}
    parsed = [Document(d["id"], d["body"], d["name"]) for d in docs]
    assert all(sha256_of(d.body) == d.sha256 for d in parsed)
    assert check_documents(parsed, schema._schema) == []
    # The script runs these and nothing else.
    script = (OPERATIONS_DIR.parent / "dashboard.js").read_text("utf-8")
    assert set(re.findall(r'gql\("(\w+)"', script)) == {d["name"] for d in docs}
    for inline in ("regions(", "stats(filter", "statsByRegion(", "wish(id", "{ wishes"):
        assert inline not in script, inline


async def test_with_trusted_documents_only_the_public_page_runs_once_they_are_registered(
    clean_db: asyncpg.Pool,
) -> None:
    raw = {"public": {"enabled": True}, "keys": KEYS,
           "security": {"trusted_documents_only": True, "rate_limit": {"enabled": False}}}
    app = create_app(config=parse_config(raw), pool=clean_db)
    board = next(d for d in manifest()["operations"] if d["name"] == "Cities")
    request = {"query": board["body"], "operationName": "Cities",
               "extensions": {"persistedQuery": {"version": 1, "sha256Hash": board["id"]}}}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://hub.test") as client:
        served = await client.get("/dashboard/operations.json")
        assert served.json() == manifest()
        refused = await client.post("/graphql", json=request)
        assert refused.status_code == 400, refused.text
        assert refused.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_IN_LIST"
        async with clean_db.acquire() as conn:
            docs = [Document(d["id"], d["body"], d["name"]) for d in manifest()["operations"]]
            await add_documents(conn, docs, "test")
        app.state.security.documents = TrustedDocuments()  # forget the cached list
        try:
            answer = await client.post("/graphql", json=request)
            assert answer.status_code == 200 and len(answer.json()["data"]["regions"]) == 14
        finally:
            async with clean_db.acquire() as conn:
                await conn.execute("delete from trusted_documents where added_by = 'test'")


async def test_echarts_is_served_by_the_hub_with_its_licence(open_hub: httpx.AsyncClient) -> None:
    folder = STATIC / "echarts" / f"echarts@{ECHARTS_VERSION}"
    assert "Apache License" in (folder / "LICENSE").read_text("utf-8")
    assert (folder / "NOTICE").exists()
    page = (await open_hub.get("/dashboard")).text
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert all(src.startswith("/dashboard/assets/") for src in scripts)
    for src in scripts:
        answer = await open_hub.get(src)
        assert answer.status_code == 200 and "javascript" in answer.headers["content-type"], src
