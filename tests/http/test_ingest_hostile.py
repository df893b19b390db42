"""``POST /ingest/{code}`` with values PostgreSQL would refuse, as a platform sends them.

Each case is one of issue 17's findings: before, the hub answered 503 ("send
it again") for ever, or 500, and none of the batch landed. Now the record
holding the value is rejected naming its field, kept as a dead letter, and
the rest of its batch lands; a body that cannot be read at all is 400 with
an error code, kept as a dead letter.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from hub.app import create_app
from hub.config import parse_config
from hub.deadletters import replay

FIXTURES = Path(__file__).resolve().parent.parent / "adapters"
TOKEN, SECRET = "tok-sj-hostile", "secret-sj-hostile"
# Where a raw JSON literal goes: json.dumps cannot write all of them (4,301 digits).
SLOT = "@@SLOT@@"


@pytest.fixture
async def client(clean_db: asyncpg.Pool) -> AsyncIterator[httpx.AsyncClient]:
    config = parse_config({"sources": {"shengjing": {"token": TOKEN, "secret": SECRET}}})
    transport = httpx.ASGITransport(app=create_app(config=config, pool=clean_db))
    async with httpx.AsyncClient(transport=transport, base_url="http://hub") as c:
        yield c


async def push(client: httpx.AsyncClient, body: bytes) -> httpx.Response:
    digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return await client.post("/ingest/shengjing", content=body, headers={
        "Authorization": f"Bearer {TOKEN}", "X-Hub-Signature-256": f"sha256={digest}",
        "Content-Type": "application/json"})


def example() -> dict[str, Any]:
    body: dict[str, Any] = json.loads((FIXTURES / "shengjing" / "fixtures" / "example.json").read_text("utf-8"))
    return body


def with_literal(envelope: dict[str, Any], literal: str) -> bytes:
    """The envelope as JSON text, its ``SLOT`` string replaced by ``literal``."""
    text = json.dumps(envelope, ensure_ascii=False)
    assert text.count(f'"{SLOT}"') == 1
    return text.replace(f'"{SLOT}"', literal).encode()


def with_hostile_team(key: str, literal: str) -> bytes:
    """The example (a wish and a team) plus a third record, a team whose ``key`` is ``literal``."""
    envelope = example()
    team = copy.deepcopy(envelope["records"][1])
    team["dwId"] = "T-HOSTILE"
    team[key] = SLOT
    envelope["records"].append(team)
    return with_literal(envelope, literal)


DEEP = "[" * 900 + "]" * 900

HOSTILE_VALUES = {
    "NUL in a name": ("dwName", '"爱心\\u0000服务队"', "dwName"),
    "lone surrogate in a name": ("dwName", '"爱心\\ud800服务队"', "dwName"),
    "1 MB id": ("dwId", '"' + "9" * 1_000_000 + '"', "dwId"),
    "NaN count": ("memberNum", "NaN", "memberNum"),
    "Infinity count": ("memberNum", "Infinity", "memberNum"),
    "overflowing float": ("memberNum", "1e400", "memberNum"),
    "4,301-digit count": ("memberNum", "1" * 4301, "memberNum"),
    "count out of range": ("memberNum", str(2**63), "memberNum"),
    "name 900 levels deep": ("dwName", DEEP, "dwName"),
    "id 900 levels deep": ("dwId", DEEP, "dwId"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_VALUES))
async def test_a_value_postgres_refuses_rejects_its_record_and_the_rest_lands(
    client: httpx.AsyncClient, clean_db: asyncpg.Pool, case: str
) -> None:
    key, literal, field = HOSTILE_VALUES[case]
    r = await push(client, with_hostile_team(key, literal))
    assert r.status_code == 200, r.text[:300]
    report = r.json()
    assert (report["received"], report["accepted"], report["rejected"]) == (3, 2, 1)
    (error,) = report["errors"]
    assert (error["index"], error["field"]) == (2, field)
    assert len(error["message"]) < 300 and len(error["sourceId"] or "") <= 201
    assert await clean_db.fetchval("select count(*) from wishes") == 1
    assert await clean_db.fetchval("select count(*) from teams") == 1
    letter = await clean_db.fetchrow("select field, raw from dead_letters")
    assert letter["field"] == field and letter["raw"] is not None  # kept, replayable
    assert len(letter["raw"]) < 50_000
    # What could not be kept was not altered into something a replay would store.
    (outcome,) = await replay(clean_db)
    assert (outcome.outcome, outcome.source_id) == ("rejected", error["sourceId"])
    assert await clean_db.fetchval("select count(*) from teams") == 1


@pytest.mark.parametrize("literal", ["NaN", '"\\u0000"', '"\\udfff"', DEEP, "-" + "7" * 4301,
                                     '{"\\u0000": 1}'])
async def test_hostile_values_beside_a_bad_field_are_kept_storable(
    client: httpx.AsyncClient, clean_db: asyncpg.Pool, literal: str
) -> None:
    envelope = example()
    team = copy.deepcopy(envelope["records"][1])
    team.update(dwId="T-BAD", memberNum=-1, note=SLOT)  # rejected for its memberNum
    envelope["records"].append(team)
    r = await push(client, with_literal(envelope, literal))
    assert r.status_code == 200, r.text[:300]
    assert (r.json()["accepted"], r.json()["rejected"]) == (2, 1)
    raw = await clean_db.fetchval("select raw from dead_letters")
    kept = json.loads(raw)
    assert kept["dwId"] == "T-BAD" and kept["memberNum"] == -1


async def test_a_4301_digit_integer_in_the_envelope_does_not_fail_the_batch(
    client: httpx.AsyncClient, clean_db: asyncpg.Pool
) -> None:
    envelope = example()
    envelope["pushTime"] = SLOT
    r = await push(client, with_literal(envelope, "9" * 4301))
    assert r.status_code == 200, r.text[:300]
    assert (r.json()["accepted"], r.json()["rejected"]) == (2, 0)


UNREADABLE = {
    "a NUL byte": (b"\x00", "BODY_NOT_JSON"),
    "a NUL byte inside JSON": (b'{"records": [\x00]}', "BODY_NOT_JSON"),
    "not UTF-8": (b'{"records": ["\xff"]}', "BODY_NOT_UTF8"),
    "not JSON": (b"<html>502 Bad Gateway</html>", "BODY_NOT_JSON"),
    "truncated JSON": (b'{"platform": "shengjing", "records": [{"xyId": "SJ', "BODY_NOT_JSON"),
    "nested 100,000 levels": (b'{"records": ' + b"[" * 100_000, "BODY_TOO_DEEP"),
    "not an object": (b"[]", "NOT_ENVELOPE"),
    "no records": (b'{"platform": "shengjing"}', "NOT_ENVELOPE"),
}


@pytest.mark.parametrize("case", sorted(UNREADABLE))
async def test_an_unreadable_body_is_400_with_a_code_and_kept(
    client: httpx.AsyncClient, clean_db: asyncpg.Pool, case: str
) -> None:
    body, code = UNREADABLE[case]
    r = await push(client, body)
    assert r.status_code == 400, r.text[:300]
    answer = r.json()
    assert answer["code"] == code and answer["deadLetter"] is True
    assert answer["error"].startswith("shengjing: ")
    text = await clean_db.fetchval("select raw_text from dead_letters where field = 'body'")
    assert text is not None and "\x00" not in text


async def test_a_record_the_database_itself_refuses_is_found_and_rejected(
    client: httpx.AsyncClient, clean_db: asyncpg.Pool
) -> None:
    """Belt and braces: a refusal no adapter check foresaw (here a CHECK added for
    the test) rejects the records it names, found by bisection; the rest lands."""
    envelope = example()
    for n in range(5):
        team = copy.deepcopy(envelope["records"][1])
        team.update(dwId=f"T-{n}", dwName="REFUSE ME" if n in (1, 4) else f"队伍{n}")
        envelope["records"].append(team)
    await clean_db.execute("alter table teams add constraint test_refuse check (name <> 'REFUSE ME')")
    try:
        r = await push(client, json.dumps(envelope, ensure_ascii=False).encode())
    finally:
        await clean_db.execute("alter table teams drop constraint test_refuse")
    assert r.status_code == 200, r.text[:300]
    report = r.json()
    assert (report["received"], report["accepted"], report["rejected"]) == (7, 5, 2)
    assert [(e["index"], e["sourceId"], e["field"]) for e in report["errors"]] == [
        (3, "T-1", "record"), (6, "T-4", "record")]
    assert "23514" in report["errors"][0]["message"]
    assert await clean_db.fetchval("select count(*) from teams") == 4
    assert await clean_db.fetchval("select count(*) from dead_letters") == 2
    assert await clean_db.fetchval(
        "select accepted from batches where id = $1::uuid", report["batchId"]) == 5
