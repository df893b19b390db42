"""The data version: what one process knows of migration 0020's counter.

Every committed transaction that changed what queries answer adds one to
``data_version.version`` and notifies ``hub_data_version`` with the new value
at commit. A process learns the version three ways:

- ``confirmed()``: a read of the counter that began after the call, shared by
  every caller waiting at that moment (one statement in flight per process,
  however many requests arrive together). Whatever committed before the call
  is counted: the bound the response cache gives by default.
- notifications, through the process's one listening connection
  (``hub.events``): ``latest`` follows them while ``listening`` is true; it
  may trail a commit elsewhere by the notification's delay.
- its own writes: ``saw(v)`` after a commit that read the counter.

Listeners (the response cache) hear every increase once, in order of arrival.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

import asyncpg

from hub.sql import data_version as q

CHANNEL = q.CHANNEL


class DataVersion:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self.latest: int | None = None  # the highest version seen, by any way
        self.listening = False  # notifications arrive (the listener is connected)
        self._on_change: list[Callable[[int], None]] = []
        self._waiting: asyncio.Future[int] | None = None
        self._reading: asyncio.Task[None] | None = None

    def on_change(self, callback: Callable[[int], None]) -> None:
        self._on_change.append(callback)

    def saw(self, version: int) -> None:
        """A version read or notified; listeners hear it when it is newer."""
        if self.latest is not None and version <= self.latest:
            return
        self.latest = version
        for callback in self._on_change:
            callback(version)

    def heard(self, payload: str) -> None:
        """A notification's payload (the version a commit produced)."""
        with contextlib.suppress(ValueError):
            self.saw(int(payload))

    def listening_from(self, version: int | None) -> None:
        """The listener (re)connected having read ``version``, or (None) lost its connection."""
        self.listening = version is not None
        if version is not None:
            self.saw(version)

    def notified(self) -> int | None:
        """The version as notifications tell it, None while not listening."""
        return self.latest if self.listening else None

    async def confirmed(self) -> int:
        """The committed version, from a read that began after this call.

        Callers that arrive while a read is running wait for the next one
        (which begins after they arrived); they share it.
        """
        waiting = self._waiting
        if waiting is None:
            waiting = self._waiting = asyncio.get_running_loop().create_future()
            waiting.add_done_callback(_retrieve)
            if self._reading is None:
                self._reading = asyncio.create_task(self._read_while_waited(), name="data-version")
        return await asyncio.shield(waiting)

    async def _read_while_waited(self) -> None:
        try:
            while self._waiting is not None:
                waiting, self._waiting = self._waiting, None
                try:
                    version = int(await self._pool.fetchval(q.CURRENT))
                except Exception as exc:
                    waiting.set_exception(exc)
                    continue
                self.saw(version)
                waiting.set_result(version)
        finally:
            self._reading = None


def _retrieve(future: asyncio.Future[Any]) -> None:
    """A failed read nobody awaits any more is not an "exception never retrieved"."""
    if not future.cancelled():
        future.exception()


async def read(conn: asyncpg.Connection | asyncpg.Pool) -> int:
    """The committed version, read now on ``conn``."""
    return int(await conn.fetchval(q.CURRENT))


def of_app(app: Any, pool: asyncpg.Pool) -> DataVersion:
    """The application's ``DataVersion`` (one per process), made on first use."""
    found = getattr(app.state, "data_version", None)
    if not isinstance(found, DataVersion):
        found = app.state.data_version = DataVersion(pool)
    return found
