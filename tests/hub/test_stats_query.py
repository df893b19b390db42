"""The two statements of one figures request at once, on two connections.

``hub.stats_query`` lends a second connection for the other cells or the
records' hours; whatever happens to one statement or to the caller, the
other ends before the error or the cancellation goes on, so that both
connections go back to the pool usable. (The figures themselves are
``tests/hub/test_stats.py``'s.)
"""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from hub.stats_query import _both


async def _second_statement(ended: asyncio.Event) -> None:
    """Stands for the statement on the second connection: 0.2 s, then ``ended``."""
    await asyncio.sleep(0.2)
    ended.set()


async def test_when_one_of_two_statements_at_once_fails_the_error_waits_for_the_other() -> None:
    """Two statements on two connections: an error in one reaches the caller
    only once the other has ended, so that both connections can go back to
    the pool (one still busy would be closed rather than reused)."""
    ended = asyncio.Event()
    slow = _second_statement(ended)

    async def failing() -> None:
        await asyncio.sleep(0)
        raise asyncpg.QueryCanceledError("canceling statement due to statement timeout")

    with pytest.raises(asyncpg.QueryCanceledError):
        await _both(failing(), slow)
    assert ended.is_set()


async def test_a_caller_cancelled_during_two_statements_lets_the_second_end() -> None:
    """A request cancelled (its client gone) while two statements run: the
    second is not cancelled mid-statement but waited for, then the
    cancellation goes on."""
    ended = asyncio.Event()
    slow = _second_statement(ended)

    async def first() -> None:
        await asyncio.sleep(0)

    caller = asyncio.ensure_future(_both(first(), slow))
    await asyncio.sleep(0.05)
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    assert ended.is_set()
