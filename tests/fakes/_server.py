"""A real HTTP server on 127.0.0.1 for platform fakes, with injectable faults.

Each fake subclasses ``FakeServer`` and implements ``answer``. The server
runs ``http.server`` in a daemon thread on an ephemeral port; the hub's code
talks to it over real sockets exactly as to the platform.

Faults are queued with ``inject`` and consumed one per request, in order,
by the first request they apply to (``path`` narrows them). ``dead`` makes
every request fail until it is cleared. ``after_answer`` hooks run after a
page has been computed, before the next request: that is where tests change
the platform's data "while the hub pages".
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Fault:
    """One injected misbehaviour.

    ``status`` other than 200 answers that status (``retry_after`` sets the
    header); ``body`` replaces the answer (e.g. 文化云's code 5003 with HTTP
    200); ``raw`` answers these exact bytes as ``content_type`` (an HTML error
    page, JSON cut short); ``reset`` closes the connection with a TCP reset
    and no answer; ``delay`` sleeps before answering (a slow platform); with
    only a delay the normal page follows it.
    """

    status: int = 200
    retry_after: str | None = None
    body: Any = None
    raw: bytes | None = None
    content_type: str = "text/html; charset=utf-8"
    reset: bool = False
    delay: float = 0.0
    path: str | None = None


@dataclass(frozen=True)
class Seen:
    """One request as the fake saw it."""

    at: float  # time.monotonic()
    path: str
    query: dict[str, str]
    status: int
    faulted: bool


Answer = tuple[int, Any]
Hook = Callable[[str, dict[str, str], Any], None]


class FakeServer:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.faults: deque[Fault] = deque()
        self.seen: list[Seen] = []
        self.dead: int | None = None  # a status every request gets, when set
        self.after_answer: list[Hook] = []
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------ lifecycle

    def start(self) -> Self:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake._serve(self)

            def log_message(self, format: str, *args: object) -> None:
                return None

        httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        httpd.daemon_threads = True
        httpd.block_on_close = False
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._httpd is not None, "start() the fake first"
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    # ------------------------------------------------------------ knobs

    def inject(self, *faults: Fault) -> None:
        with self.lock:
            self.faults.extend(faults)

    def requests(self, path: str | None = None, *, ok: bool | None = None) -> list[Seen]:
        with self.lock:
            return [
                s
                for s in self.seen
                if (path is None or s.path == path)
                and (ok is None or (s.status == 200 and not s.faulted) == ok)
            ]

    # ------------------------------------------------------------ serving

    def answer(self, path: str, query: dict[str, str]) -> Answer:
        raise NotImplementedError

    def _take_fault(self, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.path is None or path.startswith(fault.path):
                    self.faults.remove(fault)
                    return fault
        return None

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        split = urlsplit(handler.path)
        query = {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        path = split.path
        headers: dict[str, str] = {}
        fault = self._take_fault(path)
        faulted = fault is not None and (
            fault.status != 200 or fault.body is not None or fault.raw is not None or fault.reset
        )
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        if fault is not None and (fault.reset or fault.raw is not None):
            with self.lock:
                self.seen.append(Seen(time.monotonic(), path, query, fault.status, True))
            if fault.reset:
                _reset(handler)
            else:
                _send(handler, fault.status, fault.raw or b"", fault.content_type, headers)
            return
        with self.lock:
            if self.dead is not None:
                status, doc = self.dead, {"error": "service unavailable"}
                faulted = True
            elif fault is not None and fault.status != 200:
                status, doc = fault.status, {"error": "busy"}
                if fault.retry_after is not None:
                    headers["Retry-After"] = fault.retry_after
            elif fault is not None and fault.body is not None:
                status, doc = 200, fault.body
            else:
                status, doc = self.answer(path, query)
                if status == 200:
                    for hook in list(self.after_answer):
                        hook(path, query, doc)
            self.seen.append(Seen(time.monotonic(), path, query, status, faulted))
        payload = json.dumps(doc, ensure_ascii=False).encode()
        _send(handler, status, payload, "application/json; charset=utf-8", headers)


def _send(handler: BaseHTTPRequestHandler, status: int, payload: bytes, content_type: str,
          headers: dict[str, str]) -> None:
    # The client may have given up on a slow answer: that is its right.
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(payload)


def _reset(handler: BaseHTTPRequestHandler) -> None:
    """Abort the connection: SO_LINGER 0 makes close() send a TCP RST."""
    handler.close_connection = True
    with contextlib.suppress(OSError):
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        handler.connection.close()
