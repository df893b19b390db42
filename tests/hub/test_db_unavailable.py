"""``hub.db``: every form of "the database cannot be reached" is one DatabaseUnavailable.

On the suite's own server: a connection killed under a statement, a pool that
cannot connect, a pool with no free connection. A query's own error stays what
it is. (The server really stopped and started: ``tests/faults``.)
"""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from hub import db
from hub.errors import DatabaseUnavailable


async def test_a_connection_killed_under_a_statement_is_unavailable(
    database_url: str, pool: asyncpg.Pool
) -> None:
    own = await db.create_pool(database_url, min_size=1, max_size=1)
    try:
        with pytest.raises(DatabaseUnavailable) as caught:
            async with own.acquire() as conn:
                pid = await conn.fetchval("select pg_backend_pid()")
                sleeping = asyncio.create_task(conn.fetchval("select pg_sleep(30)"))
                await asyncio.sleep(0.2)
                await pool.execute("select pg_terminate_backend($1)", pid)
                await sleeping
        assert caught.value.extensions == {"code": "SERVICE_UNAVAILABLE"}
        assert "postgres" not in str(caught.value).lower()  # no URL, no server text
        # The pool replaces the connection by itself.
        assert await own.fetchval("select 1") == 1
    finally:
        await own.close()


async def test_a_query_error_is_not_unavailable(pool: asyncpg.Pool) -> None:
    with pytest.raises(asyncpg.UndefinedTableError):
        await pool.fetch("select * from no_such_table")
    with pytest.raises(asyncpg.DataError):
        async with pool.acquire() as conn:
            await conn.fetchval("select $1::int", "not a number")


async def test_a_deadline_inside_a_block_is_not_unavailable(pool: asyncpg.Pool) -> None:
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.1), pool.acquire() as conn:
            await conn.fetchval("select pg_sleep(5)")


async def test_no_free_connection_in_time_is_unavailable(database_url: str) -> None:
    own = await db.create_pool(database_url, min_size=1, max_size=1)
    try:
        async with own.acquire():
            with pytest.raises(DatabaseUnavailable):
                async with own.acquire(timeout=0.2):
                    pass
    finally:
        await own.close()


async def test_a_server_that_is_not_there_is_unavailable(tmp_path: object) -> None:
    url = f"postgresql://postgres@/hub?host={tmp_path}"  # no socket there
    with pytest.raises(DatabaseUnavailable):
        await db.create_pool(url, min_size=1, max_size=1)
    for error in (FileNotFoundError(2, "No such file"), ConnectionRefusedError(),
                  asyncpg.CannotConnectNowError("starting up"),
                  asyncpg.AdminShutdownError("terminating connection"),
                  asyncpg.InterfaceError("connection is closed"),
                  asyncpg.InternalClientError("cannot switch to state 15")):
        assert isinstance(db.unavailable(error), DatabaseUnavailable)
    assert db.unavailable(TimeoutError()) is None  # a caller's deadline
    assert isinstance(db.unavailable(TimeoutError(), acquiring=True), DatabaseUnavailable)
    assert db.unavailable(asyncpg.QueryCanceledError("statement timeout")) is None
