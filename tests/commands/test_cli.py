"""The ``hub`` command as a person runs it: subprocesses, real databases."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from hub import migrate


def _hub(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hub.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_unreachable_database_is_one_clear_line_and_exit_2() -> None:
    result = _hub("migrate", env={"DATABASE_URL": "postgresql://hub:secret@127.0.0.1:1/hub"})
    assert result.returncode == 2
    announced, *lines = result.stderr.strip().splitlines()
    # Which database first (before anything is tried), then the one line of the failure.
    assert announced == "hub: database: postgresql://hub:***@127.0.0.1:1/hub (DATABASE_URL)"
    assert len(lines) == 1, result.stderr
    assert "cannot connect to PostgreSQL" in lines[0]
    assert "secret" not in lines[0]  # the password is not echoed
    assert "Traceback" not in result.stderr


def test_malformed_database_url_is_one_clear_line_and_exit_2() -> None:
    result = _hub("migrate", env={"DATABASE_URL": "not a url"})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("hub: database: ")
    assert len(lines) == 2, result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("level", ["verbose", "warn", "\x1b[31m" + "x" * 500])
def test_an_unknown_log_level_is_refused_at_start(level: str) -> None:
    # Before any database is touched: the unreachable URL would say so otherwise.
    result = _hub("migrate", env={"HUB_LOG_LEVEL": level,
                                  "DATABASE_URL": "postgresql://hub@127.0.0.1:1/hub"})
    assert result.returncode == 2
    assert result.stderr.startswith("hub: HUB_LOG_LEVEL must be one of DEBUG, INFO, WARNING")
    assert len(result.stderr.strip().splitlines()) == 1 and len(result.stderr) < 200
    assert "\x1b" not in result.stderr and "Traceback" not in result.stderr


def test_a_log_level_in_any_case_is_taken() -> None:
    result = _hub("schema", env={"HUB_LOG_LEVEL": " warning "})
    assert result.returncode == 0 and "type Query" in result.stdout


def test_a_command_says_which_embedded_database_it_creates(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "HUB_DATA_DIR", "HUB_CONFIG")}
    result = subprocess.run(
        [sys.executable, "-m", "hub.cli", "migrate"], cwd=tmp_path, env=env,
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"hub: database: the embedded PostgreSQL in {tmp_path.resolve() / '.hub-data' / 'pg'}")
    assert "HUB_DATA_DIR not set" in first and "creating a new one" in first


async def test_migrate_is_idempotent_and_refuses_a_newer_database(scratch_url: str) -> None:
    url = scratch_url
    first = _hub("migrate", env={"DATABASE_URL": url})
    assert first.returncode == 0, first.stderr
    assert "applied 0001_init" in first.stdout
    second = _hub("migrate", env={"DATABASE_URL": url})
    assert second.returncode == 0, second.stderr
    assert "nothing to do" in second.stdout

    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "insert into schema_migrations (version, name) values ($1, 'from_the_future')",
            migrate.latest_shipped() + 1,
        )
    finally:
        await conn.close()
    refused = _hub("migrate", env={"DATABASE_URL": url})
    assert refused.returncode == 2
    assert "newer hub" in refused.stderr


def test_schema_command_prints_the_served_sdl() -> None:
    result = _hub("schema")
    assert result.returncode == 0, result.stderr
    assert "type Query" in result.stdout
    assert "wishes(" in result.stdout


@pytest.mark.parametrize("args", [["--help"], ["serve", "--help"], ["demo", "--help"]])
def test_help(args: list[str]) -> None:
    result = _hub(*args)
    assert result.returncode == 0
    assert "usage: hub" in result.stdout
