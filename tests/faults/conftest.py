"""Fixtures of the fault tests: a PostgreSQL of their own, fresh databases, a config."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults._support import Postgres, Setup, write_config


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """Stopped and started by the tests; left running after each."""
    directory = Path(tempfile.mkdtemp(prefix="hub-faults-"))
    server = Postgres(directory)
    yield server
    # Stopped here, not left to the wheel's exit hook: that one stops the
    # server it started, and the tests restarted it.
    with contextlib.suppress(Exception):
        server.stop()
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def setup(postgres: Postgres, tmp_path: Path) -> Iterator[Setup]:
    url = postgres.database(f"hub_fault_{uuid.uuid4().hex[:10]}")
    yield Setup(url=url, config=write_config(tmp_path), directory=tmp_path)
    postgres.start()  # a test that failed half-way may have left it stopped
