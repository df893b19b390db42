"""Trusted documents: with ``trusted_documents_only``, the configured roles run
registered documents only, named by SHA-256 in Apollo's persisted-query format."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import asyncpg
import httpx
import pytest

import adapters
from hub.config import Config
from hub.errors import ConfigError
from hub.security.documents import Document, add_documents, sha256_of
from tests.security.conftest import TOKENS, auth, config, hub_client

PAGE = "query Sources { sources { code name } }"
OTHER = "query Regions { regions(level: CITY) { code } }"


def persisted(sha: str, query: str | None = None) -> dict[str, object]:
    body: dict[str, object] = {
        "extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha}}
    }
    if query is not None:
        body["query"] = query
    return body


@pytest.fixture
async def registered(clean_db: asyncpg.Pool) -> asyncpg.Pool:
    async with clean_db.acquire() as conn:
        await conn.execute("delete from trusted_documents")
        await add_documents(conn, [Document(sha256_of(PAGE), PAGE, "Sources")], "test")
    return clean_db


def production() -> Config:
    return config(security={"trusted_documents_only": True,
                            "trusted_documents_roles": ["viewer"],
                            "rate_limit": {"enabled": False}})


def code(response: httpx.Response) -> str:
    return str(response.json()["errors"][0]["extensions"]["code"])


async def test_restricted_roles_run_only_trusted_documents(registered: asyncpg.Pool) -> None:
    async with hub_client(registered, production()) as client:
        for token in (None, TOKENS["viewer"]):
            ok = await client.post("/graphql", json=persisted(sha256_of(PAGE)), headers=auth(token))
            assert ok.status_code == 200 and len(ok.json()["data"]["sources"]) == len(adapters.REGISTRY), ok.text
            free = await client.post("/graphql", json={"query": OTHER}, headers=auth(token))
            assert free.status_code == 400 and code(free) == "TRUSTED_DOCUMENTS_ONLY"
            assert "Free-form queries are refused" in free.json()["errors"][0]["message"]
            unknown = await client.post("/graphql", json=persisted(sha256_of(OTHER)),
                                        headers=auth(token))
            assert unknown.status_code == 400 and code(unknown) == "PERSISTED_QUERY_NOT_IN_LIST"
        # Operators are not restricted here: free-form queries run.
        province = await client.post("/graphql", json={"query": OTHER},
                                     headers=auth(TOKENS["province"]))
        assert "errors" not in province.json()


async def test_apq_registration_cannot_add_a_document(registered: asyncpg.Pool) -> None:
    """Hash and text together is how APQ registers; for a restricted caller it is refused,
    and the hash alone stays unknown afterwards."""
    sha = sha256_of(OTHER)
    async with hub_client(registered, production()) as client:
        register = await client.post("/graphql", json=persisted(sha, OTHER))
        again = await client.post("/graphql", json=persisted(sha))
        # An operator's APQ use does not make it trusted for the public either.
        operator = await client.post("/graphql", json=persisted(sha, OTHER),
                                     headers=auth(TOKENS["province"]))
        after = await client.post("/graphql", json=persisted(sha))
    assert register.status_code == 400 and code(register) == "PERSISTED_QUERY_NOT_IN_LIST"
    assert code(again) == "PERSISTED_QUERY_NOT_IN_LIST"
    assert "errors" not in operator.json(), operator.text
    assert code(after) == "PERSISTED_QUERY_NOT_IN_LIST"


async def test_a_trusted_document_by_get_and_with_its_own_text(registered: asyncpg.Pool) -> None:
    ext = json.dumps({"persistedQuery": {"version": 1, "sha256Hash": sha256_of(PAGE)}})
    async with hub_client(registered, production()) as client:
        by_get = await client.get("/graphql", params={"extensions": ext},
                                  headers={"Accept": "application/json"})
        with_text = await client.post("/graphql", json=persisted(sha256_of(PAGE), PAGE))
        mismatch = await client.post("/graphql", json=persisted(sha256_of(PAGE), OTHER))
    assert by_get.status_code == 200 and by_get.json()["data"]["sources"], by_get.text
    assert "errors" not in with_text.json()
    assert mismatch.status_code == 400


async def test_without_production_mode_a_trusted_hash_still_names_its_document(
    registered: asyncpg.Pool,
) -> None:
    async with hub_client(registered, config()) as client:
        r = await client.post("/graphql", json=persisted(sha256_of(PAGE)))
        free = await client.post("/graphql", json={"query": OTHER})
    assert len(r.json()["data"]["sources"]) == len(adapters.REGISTRY)
    assert "errors" not in free.json()


def hub(*args: str, database_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "HUB_CONFIG": str(cwd / "hub.toml")}
    (cwd / "hub.toml").touch()
    return subprocess.run([sys.executable, "-m", "hub.cli", *args], capture_output=True,
                          text=True, timeout=120, env=env, check=False, cwd=cwd)


async def test_documents_command(tmp_path: Path, database_url: str, pool: asyncpg.Pool) -> None:
    page = tmp_path / "WishList.graphql"
    text = "query WishList($first: Int) {\n  wishes(first: $first) { totalCount }\n}\n"
    page.write_text(text, encoding="utf-8")
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({
        "format": "apollo-persisted-query-manifest", "version": 1,
        "operations": [{"id": sha256_of(OTHER), "name": "Regions", "type": "query", "body": OTHER}],
    }), encoding="utf-8")
    added = hub("documents", "add", str(page), str(manifest), database_url=database_url,
                cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    assert f"{sha256_of(text)}  WishList  added" in added.stdout
    assert f"{sha256_of(OTHER)}  Regions  added" in added.stdout
    again = hub("documents", "add", str(page), database_url=database_url, cwd=tmp_path)
    assert "held already" in again.stdout
    listed = hub("documents", "list", database_url=database_url, cwd=tmp_path)
    assert sha256_of(text) in listed.stdout

    bad = tmp_path / "Bad.graphql"
    bad.write_text("{ wishes { nope } }", encoding="utf-8")
    refused = hub("documents", "add", str(bad), database_url=database_url, cwd=tmp_path)
    assert refused.returncode == 2 and "Cannot query field 'nope'" in refused.stderr
    wrong_id = tmp_path / "wrong.json"
    wrong_id.write_text(json.dumps({"0" * 64: OTHER}), encoding="utf-8")
    refused = hub("documents", "add", str(wrong_id), database_url=database_url, cwd=tmp_path)
    assert refused.returncode == 2 and "is not the SHA-256 of its body" in refused.stderr

    removed = hub("documents", "remove", sha256_of(OTHER), database_url=database_url, cwd=tmp_path)
    assert removed.returncode == 0, removed.stderr
    held = await pool.fetchval("select count(*) from trusted_documents where sha256 = $1",
                               sha256_of(OTHER))
    assert held == 0
    actions = await pool.fetch(
        "select action from audit_log where target = $1 order by id", sha256_of(OTHER))
    assert [a["action"] for a in actions] == ["document.add", "document.remove"]


def test_graphql_codegen_persisted_documents_are_read_in_both_identifier_forms(tmp_path: Path) -> None:
    """The client preset writes `{"sha256:<hex>": doc}` by default, plain hex with a hash function."""
    from hub.security.documents import read_documents

    body = "query WishWall($first: Int!) { wishes(first: $first) { totalCount } }"
    for key in (f"sha256:{sha256_of(body)}", sha256_of(body)):
        path = tmp_path / "persisted-documents.json"
        path.write_text(json.dumps({key: body}), encoding="utf-8")
        (doc,) = read_documents(path)
        assert (doc.sha256, doc.body) == (sha256_of(body), body)
    path.write_text(json.dumps({"sha256:" + "0" * 64: body}), encoding="utf-8")
    with pytest.raises(ConfigError):
        read_documents(path)
