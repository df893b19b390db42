"""The HTTP protocol ``hub serve`` runs: uvicorn's httptools protocol, each
response leaving in one write.

uvicorn writes a response's status line and headers as soon as the app sends
``http.response.start``, and its body at ``http.response.body``: two socket
writes, and the first wakes the client for a response it cannot use yet. On a
loaded machine that wake-up often hands the CPU to the client while the worker
holds every other request of its event loop: the list page of
``bench/compare.py`` (32 connections, 2 workers, 2 cores) had a p99 of 178 ms
with two writes and 83 ms with one (medians of 8 runs; docs/scaling.md, "The
tail"). So the writes
made in one pass of the event loop leave together at its end, in one
``writelines`` (no copy); a response of ``FLUSH_BYTES`` or more, or a
streamed one, leaves as it comes.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

# Beyond this much waiting, write at once: buffering is for small responses,
# and a stream that never yields must still meet the transport's flow control.
FLUSH_BYTES = 64 * 1024


class OneWriteTransport:
    """A transport whose writes in one event-loop pass reach the socket together.

    Everything but ``write`` and ``close`` is the wrapped transport's.
    """

    __slots__ = ("_loop", "_pending", "_size", "transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self.transport = transport
        self._loop = loop
        self._pending: list[bytes] = []
        self._size = 0

    def write(self, data: bytes) -> None:
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending.append(data)
        self._size += len(data)
        if self._size >= FLUSH_BYTES:
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        pending, self._pending, self._size = self._pending, [], 0
        if not self.transport.is_closing():
            self.transport.writelines(pending)

    def close(self) -> None:
        self.flush()
        self.transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.transport, name)


class OneWriteHttpTools(HttpToolsProtocol):
    """uvicorn's ``httptools`` protocol over a ``OneWriteTransport``."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.transport = OneWriteTransport(transport, self.loop)  # type: ignore[assignment]

    def handle_websocket_upgrade(self) -> None:
        # The WebSocket protocol writes to the socket itself.
        wrapper = self.transport
        if isinstance(wrapper, OneWriteTransport):
            wrapper.flush()
            self.transport = wrapper.transport
        super().handle_websocket_upgrade()
