"""Fuzz ``POST /ingest/{code}`` of every registered adapter, signed, as a platform would.

Three kinds of body per adapter: the adapter's own example envelope with
hostile values put into its records (NUL, lone surrogates, NaN, 4,301-digit
integers, 900-deep arrays, 1 MB strings, phone and ID numbers written every
way), arbitrary JSON, and arbitrary bytes. Whatever arrives:

* the answer is 200 with a consistent report or 400 with an error code,
  never a 5xx, and never quotes database text, a path or a stack trace;
* the delivery is all or nothing: a 200 adds exactly one batch row and one
  dead letter per rejected record, a 400 exactly one dead letter and no batch;
* no phone or ID number planted in a body is in the database or the logs.

A few dozen examples per adapter and kind by default (well under a minute in
all); ``HUB_FUZZ_EXAMPLES=5000`` runs that many each.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import importlib
import json
import logging
import os
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import adapters
from hub.app import create_app
from hub.config import parse_config

FIXTURES = Path(__file__).resolve().parent.parent / "adapters"
CODES = sorted(adapters.REGISTRY)
# Sources whose bodies are JSON envelopes (the others, 盘锦's workbooks, get bytes).
JSON_CODES = [code for code in CODES if adapters.REGISTRY[code].text_bodies]
SOURCES = {code: {"token": f"fuzz-{code}-token", "secret": f"fuzz-{code}-secret"} for code in CODES}
EXAMPLES = int(os.environ.get("HUB_FUZZ_EXAMPLES", "25"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 100,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])

# Phone and ID numbers as people write them, each with the digits that must not be kept.
WRITTEN_NUMBERS = ["+8613912345678", "+86 139 1234 5678", "139-1234-5678", "139 1234 5678",
                   "139.1234.5678", "１３９１２３４５６７８", "ID21010219800101123X",
                   "身份证:210102198001011234", "210102800101123", "024-88881234"]
CORES = ["13912345678", "21010219800101123X", "210102198001011234", "210102800101123",
         "02488881234"]

# Raw JSON literals json.dumps cannot write (or should not be asked to), by placeholder.
LITERALS = {
    "@@NAN@@": "NaN",
    "@@INF@@": "-Infinity",
    "@@HUGE_INT@@": "4" * 4301,
    "@@DEEP@@": "[" * 900 + "]" * 900,
    "@@DEEP_OBJECT@@": '{"a":' * 900 + "1" + "}" * 900,
    "@@BIG_FLOAT@@": "1e400",
    "@@MB_STRING@@": '"' + "长" * 300_000 + '"',
}
HOSTILE_STRINGS = ["\x00", "a\x00b", "\ud800", "x\udfffy", "", " ", "0", "-1", "2022-02-30 10:00:00",
                   "2022-03-12T02:00:00", "9999-12-31T23:59:59+14:00", "210000", "999999999999",
                   "\u202e反转", "' or 1=1 --", "$1", "%s%s", "\\", "王建国", "王建国***"]
# Envelope keys whose value a hostile one may replace: codes and ids matter most.
_LEAK_MARKS = ("Traceback", "asyncpg", 'File "', "/work/", ".py", "DETAIL", "violates",
               "invalid input", "syntax error", "psycopg", "postgres")


def _written(text: str) -> str:
    return f"联系{text}，谢谢"


scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20) | st.sampled_from(HOSTILE_STRINGS) | st.sampled_from(sorted(LITERALS))
    | st.sampled_from(WRITTEN_NUMBERS).map(_written)
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


def dumps(value: object, ascii_only: bool = True) -> bytes:
    text = json.dumps(value, ensure_ascii=ascii_only)
    for mark, literal in LITERALS.items():
        text = text.replace(f'"{mark}"', literal)
    return text.encode("utf-8", errors="surrogatepass")


def example(code: str) -> tuple[dict[str, Any], str]:
    """The adapter's example envelope and the key of its list of records."""
    envelope: dict[str, Any] = json.loads((FIXTURES / code / "fixtures" / "example.json").read_text("utf-8"))
    key = next(k for k, v in envelope.items() if isinstance(v, list))
    return envelope, key


def _replace(target: Any, path: list[int], value: object) -> None:
    """Put ``value`` somewhere inside ``target``, walking ``path`` as far as it leads."""
    for step in path:
        if isinstance(target, dict) and target:
            key = sorted(target)[step % len(target)]
            inner = target[key]
            if not isinstance(inner, dict | list) or not inner:
                target[key] = value
                return
            target = inner
        elif isinstance(target, list) and target:
            index = step % len(target)
            inner = target[index]
            if not isinstance(inner, dict | list) or not inner:
                target[index] = value
                return
            target = inner
    if isinstance(target, dict):
        target[f"k{len(path)}"] = value
    elif isinstance(target, list):
        target.append(value)


@st.composite
def hostile_envelopes(draw: st.DrawFn, code: str) -> bytes:
    envelope, key = example(code)
    envelope = copy.deepcopy(envelope)
    records = envelope[key]
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.lists(st.integers(0, 50), min_size=1, max_size=4))
        value = draw(json_values)
        if draw(st.booleans()):
            _replace(records, path, value)
        else:
            records.append(copy.deepcopy(records[path[0] % len(records)]))
            _replace(records[-1], path[1:] or [0], value)
    if draw(st.integers(0, 9)) == 0:
        _replace(envelope, draw(st.lists(st.integers(0, 9), max_size=2)), draw(json_values))
    return dumps(envelope, draw(st.booleans()))


@st.composite
def mangled_bytes(draw: st.DrawFn, code: str) -> bytes:
    body = bytearray(dumps(example(code)[0]))
    choice = draw(st.integers(0, 3))
    if choice == 0:
        return draw(st.binary(max_size=300))
    if choice == 1:
        return bytes(body[: draw(st.integers(0, len(body)))])  # truncated
    for _ in range(draw(st.integers(1, 5))):
        at = draw(st.integers(0, len(body)))
        body[at:at] = draw(st.binary(min_size=1, max_size=4))
    return bytes(body)


@st.composite
def mangled_files(draw: st.DrawFn, code: str) -> bytes:
    """A non-JSON source's own sample body (盘锦: a workbook) cut short or with
    bytes put in: a broken upload."""
    bodies, _ = importlib.import_module(f"tests.adapters.{code}.samples").personal_data()
    body = bytearray(bodies[0])
    if draw(st.booleans()):
        return bytes(body[: draw(st.integers(0, len(body)))])
    for _ in range(draw(st.integers(1, 5))):
        at = draw(st.integers(0, len(body)))
        body[at:at] = draw(st.binary(min_size=1, max_size=4))
    return bytes(body)


@pytest.fixture
async def client(clean_db: asyncpg.Pool) -> AsyncIterator[httpx.AsyncClient]:
    config = parse_config({"sources": SOURCES})
    transport = httpx.ASGITransport(app=create_app(config=config, pool=clean_db))
    async with httpx.AsyncClient(transport=transport, base_url="http://hub") as c:
        yield c


_FOLD = str.maketrans("０１２３４５６７８９Ｘ", "0123456789X")
_SEPARATORS = re.compile(r"[\s\-.+():，]")


def leaked(text: str) -> list[str]:
    flat = _SEPARATORS.sub("", text.translate(_FOLD)).upper()
    return [core for core in CORES if core in flat]


# Every text column a delivery can write to.
ALL_TEXT = """
select coalesce(string_agg(t, E'\\n'), '') from (
    select title || ' ' || coalesce(beneficiary_name, '') as t from wishes
    union all select claimant_name from claims
    union all select claimant_name from claim_cards
    union all select name from teams
    union all select name from stations
    union all select title from activities
    union all select concat_ws(' ', source_id, field, reason, raw::text, raw_text) from dead_letters
    union all select coalesce(last_failure, '') from sources
    union all select detail::text from audit_log
) texts
"""


async def counts(pool: asyncpg.Pool) -> tuple[int, int]:
    row = await pool.fetchrow(
        "select (select count(*) from batches) as b, "
        "(select coalesce(sum(times), 0) from dead_letters) as d")
    return row["b"], row["d"]


async def deliver_and_check(client: httpx.AsyncClient, pool: asyncpg.Pool, code: str,
                            body: bytes, caplog: pytest.LogCaptureFixture) -> None:
    batches, letters = await counts(pool)
    secret = SOURCES[code]["secret"].encode()
    headers = {"Authorization": f"Bearer {SOURCES[code]['token']}",
               "X-Hub-Signature-256": "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()}
    r = await client.post(f"/ingest/{code}", content=body, headers=headers)
    assert r.status_code in (200, 400), (r.status_code, r.text[:500])
    assert not [m for m in _LEAK_MARKS if m in r.text], r.text[:500]
    answer = r.json()
    after = await counts(pool)
    if r.status_code == 200:
        rejected = answer["rejected"]
        assert answer["received"] == answer["accepted"] + answer["duplicates"] + rejected
        assert len(answer["errors"]) == rejected
        assert after == (batches + 1, letters + rejected)
        stored = await pool.fetchrow(
            "select received, accepted, duplicates, rejected from batches where id = $1::uuid",
            answer["batchId"])
        assert tuple(stored) == (answer["received"], answer["accepted"], answer["duplicates"],
                                 rejected)
    else:
        assert answer["code"] and answer["error"] and answer["deadLetter"] is True
        assert after == (batches, letters + 1)
    assert leaked(r.text) == []
    assert leaked(await pool.fetchval(ALL_TEXT)) == []
    assert leaked(caplog.text) == []


@pytest.mark.parametrize("code", JSON_CODES)
@FUZZ
@given(data=st.data())
async def test_hostile_values_in_each_adapters_envelope(
    client: httpx.AsyncClient, clean_db: asyncpg.Pool, caplog: pytest.LogCaptureFixture,
    code: str, data: st.DataObject,
) -> None:
    caplog.set_level(logging.DEBUG)
    body = data.draw(hostile_envelopes(code), label="body")
    await deliver_and_check(client, clean_db, code, body, caplog)


@pytest.mark.parametrize("code", CODES)
@FUZZ
@given(data=st.data())
async def test_arbitrary_json_and_bytes(
    client: httpx.AsyncClient, clean_db: asyncpg.Pool, caplog: pytest.LogCaptureFixture,
    code: str, data: st.DataObject,
) -> None:
    caplog.set_level(logging.DEBUG)
    if code not in JSON_CODES:
        body = data.draw(st.one_of(st.binary(max_size=300), mangled_files(code)), label="body")
        await deliver_and_check(client, clean_db, code, body, caplog)
        return
    _, key = example(code)
    body = data.draw(st.one_of(
        st.builds(dumps, json_values, st.booleans()),
        st.builds(dumps, st.lists(json_values, max_size=5).map(lambda rs: {key: rs, "code": 0}),
                  st.booleans()),
        mangled_bytes(code),
    ), label="body")
    await deliver_and_check(client, clean_db, code, body, caplog)
