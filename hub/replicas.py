"""Read replicas (``DATABASE_REPLICA_URLS``): queries there, writes on the primary.

Each replica's data version (migration 0020's counter, replayed like every
row) is read every ``check_seconds``, with the primary's. A query goes to a
replica, in turn, when:

- it is up: its last check succeeded, and no request has lost it since;
- it keeps up: its version has equalled the primary's at some check within
  the last ``max_lag_seconds`` (a replica that falls behind, or whose
  replay stopped, is skipped until it catches up);
- it has the caller's own writes (read-your-writes): its checked version is
  at least the one the caller's last mutation or push produced. The hub
  remembers that version per key (and per pushing source) in the process
  that took the write, and tells it to the client in ``Hub-Data-Version``;
  a client whose next read may reach another process or host sends it back
  in ``Hub-Min-Version``.

Otherwise the query runs on the primary. A checked version is a lower bound
of the replica's own (replicas only move forward), so the rule holds between
checks. A query that loses its replica mid-way runs again on the primary.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from hub import data_version, db
from hub.config import ReplicaSettings
from hub.data_version import DataVersion

log = logging.getLogger("hub.replicas")

MIN_VERSION_HEADER = "hub-min-version"
VERSION_HEADER = "Hub-Data-Version"
_POOL_SIZE = 5
_MAX_WRITERS = 10_000  # remembered writers (keys and sources), oldest forgotten first


@dataclass(eq=False)
class Replica:
    url: str
    pool: asyncpg.Pool | None = None
    version: int | None = None  # at the last check; None: down
    caught_up_at: float = field(default=-1e18)  # monotonic time it last matched the primary
    warned: bool = False  # its failure was logged (once per outage)

    @property
    def name(self) -> str:
        return db.redact(self.url)


class Replicas:
    def __init__(
        self, urls: Sequence[str], settings: ReplicaSettings, versions: DataVersion
    ) -> None:
        self.settings = settings
        self.versions = versions
        self.replicas = [Replica(url) for url in urls]
        self._turn = itertools.count()
        self._written: dict[str, int] = {}
        self._task: asyncio.Task[None] | None = None

    # ------------------------------------------------------------ choosing

    def choose(self, min_version: int) -> Replica | None:
        """A replica fit to answer a reader who needs ``min_version``, else None."""
        now = time.monotonic()
        fit = [r for r in self.replicas
               if r.pool is not None and r.version is not None and r.version >= min_version
               and now - r.caught_up_at <= self.settings.max_lag_seconds]
        if not fit:
            return None
        return fit[next(self._turn) % len(fit)]

    def lost(self, replica: Replica) -> None:
        """A request could not reach it: skipped until a check reaches it again."""
        if not replica.warned:
            log.warning("replica %s unreachable; reads go elsewhere", replica.name)
        replica.version, replica.warned = None, True

    def wrote(self, writer: str, version: int) -> None:
        """``writer`` (a key, a source) made a write that produced ``version``."""
        self._written.pop(writer, None)
        self._written[writer] = max(version, self._written.get(writer, 0))
        while len(self._written) > _MAX_WRITERS:
            self._written.pop(next(iter(self._written)))

    def needed_by(self, writers: list[str], header: str | None) -> int:
        """The version a reader must see: its own last write's (under any of
        its names), or what it says it saw (``Hub-Min-Version``)."""
        needed = max((self._written.get(w, 0) for w in writers), default=0)
        if header is not None:
            with contextlib.suppress(ValueError):
                needed = max(needed, int(header.strip()))
        return needed

    # ------------------------------------------------------------ checking

    def start(self, primary: asyncpg.Pool) -> None:
        if self.replicas and self._task is None:
            self._task = asyncio.create_task(self._keep_checking(primary), name="replicas")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for replica in self.replicas:
            if replica.pool is not None:
                with contextlib.suppress(Exception):
                    await replica.pool.close()
                replica.pool = None

    async def _keep_checking(self, primary: asyncpg.Pool) -> None:
        while True:
            await self.check(primary)
            await asyncio.sleep(self.settings.check_seconds)

    async def check(self, primary: asyncpg.Pool) -> None:
        """Read the primary's version, then every replica's (in parallel)."""
        with contextlib.suppress(Exception):
            self.versions.saw(await data_version.read(primary))
        await asyncio.gather(*(self._check(r) for r in self.replicas))

    async def _check(self, replica: Replica) -> None:
        try:
            if replica.pool is None:
                replica.pool = await db.create_pool(
                    replica.url, min_size=1, max_size=_POOL_SIZE,
                    max_inactive_connection_lifetime=0)
            async with asyncio.timeout(max(1.0, self.settings.check_seconds * 2)):
                version = await data_version.read(replica.pool)
        except Exception as exc:
            if not replica.warned:
                log.warning("replica %s: check failed (%s); skipped", replica.name,
                            type(exc).__name__)
            replica.version, replica.warned = None, True
            return
        if replica.version is None:
            log.info("replica %s: up at data version %s", replica.name, version)
        replica.version, replica.warned = version, False
        primary = self.versions.latest
        if primary is None or version >= primary:
            replica.caught_up_at = time.monotonic()


def of_app(app: Any) -> Replicas | None:
    found = getattr(app.state, "replicas", None)
    return found if isinstance(found, Replicas) else None
