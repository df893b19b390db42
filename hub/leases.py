"""Leases: a background job's work done by one process at a time, across every
``hub serve`` process and host that share the database.

A lease is a row of ``job_leases`` (migration 0021) held until a time on
PostgreSQL's clock. Two uses:

* ``holding``: for the length of a run (a source's sync). Renewed in the
  background while the run goes on, released at its end; a holder that dies
  lets it run out, and another process takes over then (the same process at
  once: it knows its run ended). A run that could not renew in time is told
  (``Lease.lost``) and should stop.
* ``claim_period``: at most one claim per period across processes (a pass of
  the escalation rule, pruning, prewarming); never released, it runs out.

Why not PostgreSQL's advisory locks: a session lock belongs to a server
session, and behind a transaction-pooling PgBouncer the hub's next
transaction may run on another session (the unlock then misses, the lock
stays with a session someone else is handed). Leases are plain rows written
by single statements, so they work through any pooler.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg

from hub.errors import DatabaseError
from hub.sql import leases as q

log = logging.getLogger("hub.leases")

RUN_SECONDS = 60.0  # a run's lease; renewed every third of it
_ERRORS = (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, DatabaseError)


def _process_tag() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:"


def holder_tag() -> str:
    """Who holds a lease: host and pid (for an operator reading the table, and
    to know this process's own) and a random tag (each claim is its own holder)."""
    return _process_tag() + secrets.token_hex(4)


# The runs this process holds now (``holding``), by lease name.
_running_here: set[str] = set()


async def claim_period(pool: asyncpg.Pool, name: str, seconds: float) -> bool:
    """Whether this process takes ``name`` for the next ``seconds``: across all
    processes, at most one claim succeeds per ``seconds``."""
    return await pool.fetchval(q.CLAIM, name, holder_tag(), seconds, None) is not None


@dataclass(slots=True)
class Lease:
    name: str
    holder: str
    lost: bool = False


@contextlib.asynccontextmanager
async def holding(
    pool: asyncpg.Pool, name: str, *, seconds: float = RUN_SECONDS
) -> AsyncIterator[Lease | None]:
    """The lease ``name`` for as long as the block runs, or None when another
    process holds it. Database errors of the claim are the caller's."""
    if name in _running_here:  # a run of this process has it
        yield None
        return
    _running_here.add(name)
    try:
        lease = Lease(name, holder_tag())
        # A lease a finished run of this process could not release (the
        # database was gone at its end) is this process's to take again at once.
        if await pool.fetchval(q.CLAIM, name, lease.holder, seconds, _process_tag()) is None:
            yield None
            return
        keeper = asyncio.create_task(_keep(pool, lease, seconds), name=f"lease {name}")
        try:
            yield lease
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
            with contextlib.suppress(*_ERRORS):
                await pool.execute(q.RELEASE, name, lease.holder)
    finally:
        _running_here.discard(name)


async def _keep(pool: asyncpg.Pool, lease: Lease, seconds: float) -> None:
    """Renew every third of ``seconds``; ``lost`` once another holder has it, or
    once no renewal succeeded for ``seconds`` (another may have it by now)."""
    renewed = time.monotonic()
    while not lease.lost:
        await asyncio.sleep(seconds / 3)
        try:
            mine = await pool.fetchval(q.RENEW, lease.name, lease.holder, seconds)
        except _ERRORS as exc:
            log.warning("lease %s: renewing failed (%s)", lease.name, type(exc).__name__)
            mine = None if time.monotonic() - renewed >= seconds else True
        else:
            renewed = time.monotonic()
        if mine is None:
            lease.lost = True
            log.warning("lease %s: lost; the run stops", lease.name)
