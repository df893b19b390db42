"""Reading a request body within a limit: the one reader of ``/graphql``, its gate and ``/ingest``.

``Content-Length`` is checked first (a stranger cannot make the hub wait for
10 MiB it will refuse), then the chunks as they arrive: reading stops as soon
as they pass the limit, whatever ``Content-Length`` said.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import Receive


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the body is larger than {limit} bytes")
        self.limit = limit


class BadContentLength(Exception):
    """``Content-Length`` is not a number."""


class ClientGone(Exception):
    """The client disconnected before its body arrived whole."""


async def read_body(headers: Iterable[tuple[bytes, bytes]], receive: Receive, limit: int) -> bytes:
    """The body of an ASGI HTTP request, at most ``limit`` bytes.

    Raises ``BadContentLength``, ``BodyTooLarge`` (from the header, or once
    the chunks pass ``limit``) and ``ClientGone``.
    """
    declared = next((value for key, value in headers if key.lower() == b"content-length"), None)
    if declared is not None:
        if not declared.strip().isdigit():
            raise BadContentLength
        if int(declared) > limit:
            raise BodyTooLarge(limit)
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)
