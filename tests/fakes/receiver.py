"""A platform's callback receiver: a real HTTP server on 127.0.0.1.

It records every POST it gets (headers, raw body, the answer it gave) and
answers as ``behave`` says: a status, after a delay, or no answer at all
(the connection is closed: a reset for the hub). A receiver de-duplicates by
``X-Hub-Delivery`` as the contract asks its receivers to: ``accepted`` lists
each event once, in the order first accepted.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

# (the parsed event, how many requests this receiver saw before it) ->
# (status, seconds to wait first); status None closes the connection unanswered.
Behave = Callable[[dict[str, Any], int], tuple[int | None, float]]


def always_ok(event: dict[str, Any], nth: int) -> tuple[int | None, float]:
    return 200, 0.0


@dataclass(frozen=True)
class Received:
    at: float
    headers: dict[str, str]
    body: bytes
    status: int | None  # what the receiver answered; None: no answer

    @property
    def event(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.body)
        return value


class Receiver:
    def __init__(self, secret: str, behave: Behave = always_ok) -> None:
        self.secret = secret
        self.behave = behave
        self.lock = threading.Lock()
        self.received: list[Received] = []
        self._httpd: ThreadingHTTPServer | None = None

    def start(self) -> Self:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                receiver._serve(self)

            def log_message(self, format: str, *args: object) -> None:
                return None

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    @property
    def url(self) -> str:
        assert self._httpd is not None
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/hub-events"

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length", "0"))
        body = handler.rfile.read(length)
        headers = {k.lower(): v for k, v in handler.headers.items()}
        try:
            event = json.loads(body)
        except ValueError:
            event = {}
        with self.lock:
            nth = len(self.received)
        status, delay = self.behave(event, nth)
        if delay:
            time.sleep(delay)
        with self.lock:
            self.received.append(Received(time.monotonic(), headers, body, status))
        if status is None:
            handler.close_connection = True
            handler.connection.close()
            return
        handler.send_response(status)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    # ------------------------------------------------------------ what arrived

    def signed_correctly(self, r: Received) -> bool:
        digest = hmac.new(self.secret.encode(), r.body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(r.headers.get("x-hub-signature-256", ""), f"sha256={digest}")

    @property
    def accepted(self) -> list[dict[str, Any]]:
        """Each event answered 2xx, once (by X-Hub-Delivery), in the order first accepted."""
        seen: set[str] = set()
        out = []
        with self.lock:
            for r in self.received:
                if r.status is not None and 200 <= r.status < 300:
                    key = r.headers["x-hub-delivery"]
                    if key not in seen:
                        seen.add(key)
                        out.append(r.event)
        return out
