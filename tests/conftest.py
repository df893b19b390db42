"""Test fixtures: a real PostgreSQL for every run, never a mock of it.

Each test run creates its own fresh database, on ``DATABASE_URL``'s server
when that is set, else on an embedded server under ``HUB_TEST_DATA_DIR``
(default: a folder in the system temp dir), and drops it at the end.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from hypothesis import settings

from hub import db
from hub.bootstrap import prepare_database

# Property tests judge behaviour, not speed: a per-example deadline only
# measures how busy the machine is (two cores shared with PostgreSQL).
settings.register_profile("hub", deadline=None)
settings.load_profile("hub")

# Tables holding platform data; emptied by ``clean_db`` between tests that
# count things. Regions and sources are reference data and stay.
_DATA_TABLES = (
    "claims, claim_cards, wishes, teams, stations, activities, "
    "batches, dead_letters, sync_cursors, outbox, wish_transfers, wish_dispatches, job_leases"
)


def _server_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    directory = Path(
        os.environ.get("HUB_TEST_DATA_DIR") or Path(tempfile.gettempdir()) / "hub-test-data"
    )
    return db.start_embedded(directory)


@pytest.fixture(scope="session")
async def database_url() -> AsyncIterator[str]:
    server = _server_url()
    name = f"hub_test_{uuid.uuid4().hex[:12]}"
    await db.ensure_database(server, name)
    url = db.with_database(server, name)
    conn = await db.connect(url)
    try:
        await prepare_database(conn)
    finally:
        await conn.close()
    yield url
    admin = await db.connect(server)
    try:
        await admin.execute(f'drop database if exists "{name}" with (force)')
    finally:
        await admin.close()


@pytest.fixture(scope="session")
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    p = await db.create_pool(database_url, min_size=2, max_size=8)
    yield p
    await p.close()


@pytest.fixture
async def clean_db(pool: asyncpg.Pool) -> asyncpg.Pool:
    """The pool, with every platform record removed first."""
    async with pool.acquire() as conn:
        await conn.execute(f"truncate {_DATA_TABLES} restart identity cascade")
        await conn.execute("delete from regions where level in ('TOWN', 'VILLAGE')")
        await conn.execute(
            "update sources set last_received_at = null, last_success_at = null, "
            "last_failure_at = null, last_failure = null, last_rejected_at = null, records_accepted = 0, "
            "records_rejected = 0"
        )
    return pool


@pytest.fixture
async def scratch_url(database_url: str, request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """An empty database of its own on the same server (never migrated), dropped
    after the test: for what a fresh database does, leaving the session's alone."""
    server = db.with_database(database_url, "postgres")
    name = f"hub_scratch_{request.node.name[:40].lower()}"

    async def run(sql: str) -> None:
        admin = await db.connect(server)
        try:
            await admin.execute(sql)
        finally:
            await admin.close()

    await run(f'drop database if exists "{name}" with (force)')
    await run(f'create database "{name}"')
    try:
        yield db.with_database(database_url, name)
    finally:
        await run(f'drop database if exists "{name}" with (force)')
