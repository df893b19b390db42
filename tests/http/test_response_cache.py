"""The response cache (hub.response_cache) as a client of /graphql sees it."""

from __future__ import annotations

import dataclasses

import asyncpg
import httpx

from hub.config import CacheSettings
from hub.ids import encode_id
from hub.response_cache import ResponseCache
from hub.security.roles import ANONYMOUS, Caller, Role
from tests.http.conftest import OPEN_CONFIG, counting_client, push_items, wenhuayun_items
from tests.security.conftest import TOKENS, config, hub_client, post

LIST = "query($s: [WishStatus!]) { wishes(first: 5, filter: {status: $s}) { totalCount edges { node { title } } } }"
VILLAGE, TOWN = "210521100201", "210521100"


async def total_count(client: httpx.AsyncClient, query: str = LIST, **variables: object) -> int:
    """``totalCount`` of the ``wishes`` that ``query`` asks for (a 200 without errors)."""
    r = await client.post("/graphql", json={"query": query, "variables": variables})
    assert r.status_code == 200, r.text
    assert "errors" not in r.json(), r.text
    total: int = r.json()["data"]["wishes"]["totalCount"]
    return total


async def test_a_repeated_query_is_answered_from_the_cache_until_any_write_commits(
    database_url: str, clean_db: asyncpg.Pool,
) -> None:
    await push_items(clean_db, wenhuayun_items(wishes=3))
    async with counting_client(database_url, OPEN_CONFIG) as (client, log):
        assert await total_count(client) == 3
        log.reset()
        assert await total_count(client) == 3
        assert log.statements == []  # the version's read aside, nothing ran
        # Other variables are another answer.
        assert await total_count(client, s=["FULFILLED"]) == 0
        assert log.statements

        # Any writer (here psql-like SQL, no hub code): the next answer has it.
        await clean_db.execute("update wishes set deleted = true where id = "
                               "(select min(id) from wishes)")
        log.reset()
        assert await total_count(client) == 2
        assert log.statements
        # A push through the hub likewise.
        await push_items(clean_db, wenhuayun_items(wishes=5))
        assert await total_count(client) == 4


async def test_an_operator_answer_with_villages_is_never_served_to_another_role(
    clean_db: asyncpg.Pool,
) -> None:
    items = wenhuayun_items(wishes=2)
    for item in items:
        if item["entity"] == "wish":
            item["division_code"] = VILLAGE
    await push_items(clean_db, items)
    query = "{ wishes { edges { node { region { code } } } } }"
    async with hub_client(clean_db, config()) as client:
        seen: dict[str | None, set[str]] = {}
        for caller in ("province", None, "viewer", "city", "province", None):
            r = await post(client, query, TOKENS[caller] if caller else None)
            seen.setdefault(caller, set()).update(
                e["node"]["region"]["code"] for e in r.json()["data"]["wishes"]["edges"])
    assert seen == {"province": {VILLAGE}, "city": {VILLAGE}, None: {TOWN}, "viewer": {TOWN}}


async def test_mutations_and_answers_with_errors_are_not_cached(clean_db: asyncpg.Pool) -> None:
    await push_items(clean_db, wenhuayun_items(wishes=1, teams=0))  # OPEN
    wish = await clean_db.fetchval("select id from wishes")
    mutation = ('mutation($id: ID!) { escalateWish(id: $id, level: CITY, reason: "县级无法解决") '
                "{ handlingLevel } }")
    async with hub_client(clean_db, config()) as client:
        cache = client._transport.app.state.response_cache  # type: ignore[attr-defined]
        refused = await post(client, "{ auditLog(first: 5) { action } }", None)
        assert refused.json()["errors"]
        r = await post(client, mutation, TOKENS["province"], id=encode_id("Wish", wish))
        assert r.json()["data"]["escalateWish"]["handlingLevel"] == "CITY", r.text
        assert len(cache) == 0
        ok = await post(client, "{ auditLog(first: 5) { action } }", TOKENS["province"])
        assert "errors" not in ok.json()
        assert len(cache) == 1


async def test_cache_off_runs_every_query(database_url: str, clean_db: asyncpg.Pool) -> None:
    await push_items(clean_db, wenhuayun_items(wishes=2))
    off = dataclasses.replace(OPEN_CONFIG, cache=CacheSettings(responses=False))
    async with counting_client(database_url, off) as (client, log):
        await total_count(client)
        log.reset()
        await total_count(client)
        assert log.statements
        assert not any("data_version" in s for s in log.statements)


def test_memory_is_bounded_by_entries_and_bytes() -> None:
    cache = ResponseCache(CacheSettings(max_entries=3, max_bytes=8000))
    caller = Caller(Role.CITY, region="210100")

    def key(i: int) -> tuple[bytes, str, bytes, str, str]:
        return (b"doc", "", str(i).encode(), caller.role.value, caller.region or "")

    for i in range(10):
        cache.put(key(i), 7, b"x" * 100, "op")
    assert len(cache) == 3
    assert cache.get(key(9), 7) is not None and cache.get(key(0), 7) is None
    for i in range(10):
        cache.put(key(i), 7, b"y" * 900, "op")  # an eighth of max_bytes at most
    assert cache.size_bytes <= 8000 and len(cache) == 3
    cache.put(key(99), 7, b"z" * 1001, "op")  # larger than an eighth: not kept
    assert cache.get(key(99), 7) is None
    # A newer version empties it; an older one finds nothing.
    assert cache.get(key(9), 8) is None and len(cache) == 0
    cache.put(key(1), 7, b"old", "op")
    assert cache.get(key(1), 8) is None


def test_keys_differ_by_role_region_variables_and_operation() -> None:
    from hub.response_cache import cache_key

    doc = "query A { regions { code } } query B { regions { name } }"
    city = Caller(Role.CITY, region="210100")
    keys = {
        cache_key(doc, "A", None, ANONYMOUS),
        cache_key(doc, "B", None, ANONYMOUS),
        cache_key(doc, "A", {"x": 1}, ANONYMOUS),
        cache_key(doc, "A", None, Caller(Role.VIEWER)),
        cache_key(doc, "A", None, city),
        cache_key(doc, "A", None, Caller(Role.CITY, region="210200")),
        cache_key(doc, "A", None, Caller(Role.PROVINCE)),
    }
    assert len(keys) == 7 and None not in keys
    # Same variables in another order: the same answer.
    assert cache_key(doc, "A", {"a": 1, "b": 2}, city) == cache_key(doc, "A", {"b": 2, "a": 1}, city)
    assert cache_key("mutation { x }", None, None, city) is None
    assert cache_key("{ regions {", None, None, city) is None
