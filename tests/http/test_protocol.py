"""hub.http.protocol: each response leaves in one write, and HTTP stays HTTP.

The transport is checked against a recording one (which writes reach the
socket, and when); the protocol runs in a real uvicorn on 127.0.0.1, as
``hub serve`` runs it, against clients that keep connections alive, pipeline,
stream a large answer, are told to close, or send garbage. (The ecosystem and
subscription tests run the whole hub on it too.)
"""

from __future__ import annotations

import asyncio
import random
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from hub.commands.serve import HTTP_PROTOCOL
from hub.http.protocol import FLUSH_BYTES, OneWriteHttpTools, OneWriteTransport


class _Recording:
    """What reached the socket: one entry per write call."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def writelines(self, data: list[bytes]) -> None:
        self.writes.append(b"".join(data))

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 1) if name == "peername" else default


def _wrapped() -> tuple[OneWriteTransport, _Recording]:
    socket_side = _Recording()
    return OneWriteTransport(socket_side, asyncio.get_running_loop()), socket_side  # type: ignore[arg-type]


async def test_the_writes_of_one_pass_reach_the_socket_as_one() -> None:
    transport, socket_side = _wrapped()
    transport.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n")
    transport.write(b"ok")
    assert socket_side.writes == []  # not before the pass ends
    await asyncio.sleep(0)
    assert socket_side.writes == [b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"]
    transport.write(b"next")
    await asyncio.sleep(0)
    assert socket_side.writes[1:] == [b"next"]


async def test_close_sends_what_waits_first_and_nothing_goes_to_a_closed_socket() -> None:
    transport, socket_side = _wrapped()
    transport.write(b"last words")
    transport.close()
    assert socket_side.writes == [b"last words"] and socket_side.closed
    transport.write(b"too late")
    await asyncio.sleep(0)
    assert socket_side.writes == [b"last words"]


async def test_a_large_answer_is_not_held_back() -> None:
    transport, socket_side = _wrapped()
    transport.write(b"head")
    transport.write(b"x" * FLUSH_BYTES)
    assert socket_side.writes == [b"head" + b"x" * FLUSH_BYTES]  # at once, not at the pass's end
    await asyncio.sleep(0)
    assert len(socket_side.writes) == 1


def test_everything_else_is_the_socket_transports() -> None:
    socket_side = _Recording()
    transport = OneWriteTransport(socket_side, asyncio.new_event_loop())  # type: ignore[arg-type]
    assert transport.get_extra_info("peername") == ("127.0.0.1", 1)
    assert uvicorn.importer.import_from_string(HTTP_PROTOCOL) is OneWriteHttpTools


# ---------------------------------------------------------------- a real server

_BIG = 3 * 1024 * 1024


async def _echo(request: Request) -> Response:
    return PlainTextResponse("got " + (await request.body()).decode())


async def _stream(request: Request) -> Response:
    async def chunks() -> AsyncIterator[bytes]:
        for i in range(_BIG // 1024):  # a stream that never suspends
            yield bytes([65 + i % 26]) * 1024

    return StreamingResponse(chunks(), media_type="application/octet-stream")


async def _close(request: Request) -> Response:
    return PlainTextResponse("bye", headers={"connection": "close"})


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    app = Starlette(routes=[Route("/echo", _echo, methods=["POST"]), Route("/stream", _stream),
                            Route("/close", _close)])
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    served = uvicorn.Server(uvicorn.Config(app, http=HTTP_PROTOCOL, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=served.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not served.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        served.should_exit = True
        thread.join(timeout=10)
        sock.close()


def _raw(url: str, data: bytes, done: Callable[[bytes], bool] = lambda _: False) -> bytes:
    """What the server sends back for ``data``, until ``done`` says so or it closes."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(data)
        received = b""
        while chunk := conn.recv(65536):
            received += chunk
            if done(received):
                break
        return received


def test_keep_alive_answers_follow_each_other(server: str) -> None:
    with httpx.Client(base_url=server) as client:
        answers = [client.post("/echo", content=str(i)) for i in range(50)]
    assert [a.text for a in answers] == [f"got {i}" for i in range(50)]


def test_pipelined_requests_are_answered_in_order(server: str) -> None:
    requests = b"".join(
        b"POST /echo HTTP/1.1\r\nhost: x\r\ncontent-length: 1\r\n\r\n%d" % i for i in range(3))
    received = _raw(server, requests, lambda got: got.endswith(b"got 2"))
    assert received.count(b"HTTP/1.1 200 OK") == 3
    assert received.index(b"got 0") < received.index(b"got 1") < received.index(b"got 2")


def test_a_streamed_answer_larger_than_the_buffer_arrives_whole(server: str) -> None:
    with httpx.Client(base_url=server, timeout=30) as client:
        body = client.get("/stream").content
    assert len(body) == _BIG
    assert body[:1024] == b"A" * 1024 and body[-1024:] == bytes([65 + (_BIG // 1024 - 1) % 26]) * 1024


def test_an_answer_that_closes_arrives_whole_before_the_close(server: str) -> None:
    received = _raw(server, b"GET /close HTTP/1.1\r\nhost: x\r\n\r\n")
    assert received.startswith(b"HTTP/1.1 200 OK") and received.endswith(b"\r\n\r\nbye")


@pytest.mark.parametrize("garbage", [
    b"\x00\x01 NOT HTTP\r\n\r\n",
    bytes(random.Random(7).randrange(256) for _ in range(4096)) + b"\r\n\r\n",
    b"GET /\xed\xa0\x80\xff HTTP/1.1\r\nhost: x\r\n\r\n",  # a lone surrogate's bytes, and 0xff
    b"POST /echo HTTP/1.1\r\nhost: x\r\ncontent-length: " + b"9" * 40 + b"\r\n\r\n",
    b"GET / HTTP/1.1\r\nhost: x\r\nx-big: " + b"a" * 200_000 + b"\r\n\r\n",
], ids=["nul", "random", "bad-utf8", "huge-length", "huge-header"])
def test_garbage_gets_a_400_and_a_close(server: str, garbage: bytes) -> None:
    received = _raw(server, garbage)
    assert received.startswith(b"HTTP/1.1 4"), received[:200]
    assert b"x-big" not in received and b"aaaa" not in received  # nothing sent echoed back
    with httpx.Client(base_url=server) as client:  # and the server goes on answering
        assert client.post("/echo", content="after").text == "got after"
