"""Automatic persisted queries (Apollo's protocol) and the parse/validation caches."""

from __future__ import annotations

import hashlib
import json

import httpx
import pytest
from strawberry.extensions.parser_cache import _get_parse_cache
from strawberry.extensions.validation_cache import _get_validate_cache

from hub.apq import PersistedQueries, PersistedQueryError

QUERY = 'query CityName { region(code: "210200") { name level } }'
HASH = hashlib.sha256(QUERY.encode()).hexdigest()


def persisted(sha: str = HASH) -> dict[str, object]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha}}


def get_params(sha: str = HASH) -> dict[str, str]:
    return {"extensions": json.dumps(persisted(sha))}


async def test_hash_first_then_hash_and_query_then_get_by_hash(client: httpx.AsyncClient) -> None:
    unknown = hashlib.sha256(b"never sent").hexdigest()
    first = await client.get("/graphql", params=get_params(unknown))
    assert first.status_code == 200
    assert first.json() == {"errors": [{"message": "PersistedQueryNotFound",
                                        "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}]}
    assert first.headers["cache-control"] == "no-store"  # a CDN must not keep the miss
    strict = await client.get("/graphql", params=get_params(unknown),
                              headers={"accept": "application/graphql-response+json"})
    assert strict.status_code == 400

    registered = await client.post("/graphql", json={"query": QUERY, "extensions": persisted()})
    assert registered.json() == {"data": {"region": {"name": "大连市", "level": "CITY"}}}

    again = await client.get("/graphql", params=get_params())
    assert again.status_code == 200
    assert again.json() == registered.json()
    assert again.headers["cache-control"] == "public, max-age=30"
    assert "accept" in again.headers["vary"].lower()
    by_post = await client.post("/graphql", json={"extensions": persisted()})
    assert by_post.json() == registered.json()
    assert by_post.headers["cache-control"] == "no-store"


async def test_a_hash_that_is_not_the_documents_is_refused(client: httpx.AsyncClient) -> None:
    wrong = hashlib.sha256(b"something else").hexdigest()
    response = await client.post("/graphql", json={"query": QUERY, "extensions": persisted(wrong)},
                                 headers={"accept": "application/graphql-response+json"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "provided sha does not match query"
    never = await client.post("/graphql", json={"extensions": persisted(wrong)})
    assert never.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


async def test_documents_that_do_not_validate_are_not_remembered(client: httpx.AsyncClient) -> None:
    bad = "{ noSuchField }"
    sha = hashlib.sha256(bad.encode()).hexdigest()
    first = await client.post("/graphql", json={"query": bad, "extensions": persisted(sha)})
    assert "noSuchField" in first.json()["errors"][0]["message"]
    later = await client.post("/graphql", json={"extensions": persisted(sha)})
    assert later.json()["errors"][0]["message"] == "PersistedQueryNotFound"


async def test_unsupported_versions_and_shapes_are_refused(client: httpx.AsyncClient) -> None:
    for extensions in ({"persistedQuery": {"version": 2, "sha256Hash": HASH}},
                       {"persistedQuery": {"version": 1, "sha256Hash": "xyz"}},
                       {"persistedQuery": "abc"}):
        response = await client.post("/graphql", json={"query": QUERY, "extensions": extensions})
        assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


def test_the_store_is_bounded_least_recently_used_first() -> None:
    store = PersistedQueries(max_entries=2, max_query_bytes=100)
    store.put("a" * 64, "{ a }")
    store.put("b" * 64, "{ b }")
    assert store.get("a" * 64) == "{ a }"  # a is now the most recent
    store.put("c" * 64, "{ c }")
    assert store.get("b" * 64) is None
    assert store.get("a" * 64) == "{ a }" and store.get("c" * 64) == "{ c }"
    store.put("d" * 64, "{ " + "x" * 200 + " }")  # too big to keep
    assert store.get("d" * 64) is None and len(store) == 2
    with pytest.raises(PersistedQueryError):
        store.resolve(None, {"persistedQuery": {"version": 1, "sha256Hash": "e" * 64}})


async def test_a_repeated_document_is_parsed_and_validated_once(client: httpx.AsyncClient) -> None:
    document = '{ repeated: region(code: "210300") { name } }'
    parses, validations = _get_parse_cache(512), _get_validate_cache(512)
    await client.post("/graphql", json={"query": document})
    parse_misses, validate_misses = parses.cache_info().misses, validations.cache_info().misses
    for _ in range(3):
        response = await client.post("/graphql", json={"query": document})
        assert response.json() == {"data": {"repeated": {"name": "鞍山市"}}}
    assert parses.cache_info().misses == parse_misses
    assert validations.cache_info().misses == validate_misses
