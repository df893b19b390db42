"""``POST /ingest/{code}`` through ASGI, as a platform sees it."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from starlette.applications import Starlette

from hub.app import create_app
from hub.config import parse_config

FIXTURES = Path(__file__).resolve().parent.parent / "adapters"
TOKEN, SECRET = "tok-sj-1", "s3cret-sj"
LIMIT = 64 * 1024


def make_app(pool: asyncpg.Pool) -> Starlette:
    """The hub as served, with two sources configured and a small body limit."""
    config = parse_config({
        "sources": {
            "shengjing": {"token": TOKEN, "secret": SECRET},
            "huludao": {"token": "tok-hld", "secret": "s-hld"},
        },
        "ingest": {"max_body_bytes": LIMIT},
    })
    return create_app(config=config, pool=pool)


@pytest.fixture
async def client(clean_db: asyncpg.Pool) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=make_app(clean_db))
    async with httpx.AsyncClient(transport=transport, base_url="http://hub") as c:
        yield c


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def headers(body: bytes, *, token: str = TOKEN, secret: str = SECRET) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "X-Hub-Signature-256": sign(body, secret),
            "Content-Type": "application/json"}


async def push(client: httpx.AsyncClient, body: bytes, code: str = "shengjing",
               **kw: str) -> httpx.Response:
    return await client.post(f"/ingest/{code}", content=body, headers=headers(body, **kw))


def example() -> bytes:
    return (FIXTURES / "shengjing" / "fixtures" / "example.json").read_bytes()


async def test_a_signed_push_is_stored_and_reported(client: httpx.AsyncClient,
                                                    clean_db: asyncpg.Pool) -> None:
    r = await push(client, example())
    assert r.status_code == 200
    report = r.json()
    assert report["received"] == report["accepted"] > 0
    assert (report["duplicates"], report["rejected"], report["errors"]) == (0, 0, [])
    assert await clean_db.fetchval(
        "select count(*) from batches where id = $1::uuid and via = 'push'", report["batchId"]
    ) == 1
    again = (await push(client, example())).json()
    assert (again["accepted"], again["duplicates"]) == (0, report["received"])
    assert again["batchId"] != report["batchId"]


async def test_rejected_records_are_reported_and_kept_without_personal_data(
    client: httpx.AsyncClient, clean_db: asyncpg.Pool
) -> None:
    body = (FIXTURES / "shengjing" / "fixtures" / "bad_records.json").read_bytes()
    r = await push(client, body)
    assert r.status_code == 200
    report = r.json()
    assert report["received"] == report["accepted"] + report["duplicates"] + report["rejected"]
    assert report["rejected"] >= 2
    assert {e["sourceId"] for e in report["errors"]} >= {"SJ-BAD-STATUS", "SJ-BAD-CITY"}
    letters = await clean_db.fetch("select * from dead_letters order by record_index")
    assert [x["record_index"] for x in letters] == [e["index"] for e in report["errors"]]
    kept = json.dumps([dict(x) for x in letters], default=str, ensure_ascii=False)
    assert "13912345678" not in kept and "21010219800101123X" not in kept
    assert "王建国" not in kept and "王某某" in kept
    assert "王建国" not in r.text


async def test_a_body_that_is_not_json_is_400_and_kept_scrubbed(
    client: httpx.AsyncClient, clean_db: asyncpg.Pool
) -> None:
    body = '{"records": [{"objName": "王建国", "objPhone": "13912345678", oops'.encode()
    r = await push(client, body)
    assert r.status_code == 400
    assert "error" in r.json()
    letter = await clean_db.fetchrow("select * from dead_letters")
    assert letter["raw_text"] is not None and letter["reason"]
    assert "13912345678" not in letter["raw_text"] and "王建国" not in letter["raw_text"]
    assert "王某某" in letter["raw_text"]
    src = await clean_db.fetchrow("select * from sources where code = 'shengjing'")
    assert src["last_failure_at"] is not None and src["last_received_at"] is not None


async def test_a_json_body_that_is_not_the_envelope_is_400(client: httpx.AsyncClient,
                                                          clean_db: asyncpg.Pool) -> None:
    r = await push(client, b'{"events": []}')
    assert r.status_code == 400
    assert await clean_db.fetchval("select count(*) from dead_letters") == 1


async def test_unknown_code_is_404(client: httpx.AsyncClient) -> None:
    assert (await push(client, b"{}", code="nowhere")).status_code == 404


@pytest.mark.parametrize("token", ["", "wrong", "tok-hld"])
async def test_an_unknown_token_is_401(client: httpx.AsyncClient, clean_db: asyncpg.Pool,
                                       token: str) -> None:
    r = await push(client, example(), token=token)
    assert r.status_code == 401
    assert await clean_db.fetchval("select count(*) from wishes") == 0


async def test_a_missing_or_wrong_signature_is_401(client: httpx.AsyncClient,
                                                   clean_db: asyncpg.Pool) -> None:
    body = example()
    r = await client.post("/ingest/shengjing", content=body,
                          headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 401
    assert (await push(client, body, secret="other")).status_code == 401
    tampered = headers(body)
    r = await client.post("/ingest/shengjing", content=body + b" ", headers=tampered)
    assert r.status_code == 401
    assert await clean_db.fetchval("select count(*) from dead_letters") == 0
    assert await clean_db.fetchval("select count(*) from wishes") == 0


async def test_a_body_over_the_limit_is_413(client: httpx.AsyncClient) -> None:
    big = b'{"records": [' + b" " * LIMIT + b"]}"
    assert (await push(client, big)).status_code == 413

    async def chunks() -> AsyncIterator[bytes]:
        # No Content-Length: the limit is enforced while reading.
        for _ in range(LIMIT // 1024 + 2):
            yield b" " * 1024

    r = await client.post("/ingest/shengjing", content=chunks(), headers=headers(b""))
    assert r.status_code == 413


async def test_blue_cards_pushed_before_their_pink_are_applied(
    client: httpx.AsyncClient, clean_db: asyncpg.Pool
) -> None:
    events = json.loads((FIXTURES / "huludao" / "fixtures" / "example.json").read_bytes())["events"]
    blue = [e for e in events if e["type"] == "blue"]
    pink = [e for e in events if e["type"] == "pink"]
    for part in (blue, pink):
        body = json.dumps({"events": part}).encode()
        r = await push(client, body, code="huludao", token="tok-hld", secret="s-hld")
        assert r.status_code == 200 and r.json()["accepted"] == 1
    row = await clean_db.fetchrow("select status, claimed_at from wishes")
    assert row["status"] == "CLAIMED" and row["claimed_at"] is not None
