"""``[server] keepalive_requests``: a connection is told to close after its share of requests."""

from __future__ import annotations

import itertools

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from hub.config import Config, parse_config
from hub.errors import ConfigError
from hub.http.keepalive import KeepAliveLimit


async def _ok(request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


def _app(limit: int) -> KeepAliveLimit:
    return KeepAliveLimit(Starlette(routes=[Route("/", _ok)]), max_requests=limit)


async def _closes_after(app: KeepAliveLimit, port: int, limit: int) -> list[int]:
    """The request numbers (1-based) whose answers said Connection: close."""
    transport = httpx.ASGITransport(app=app, client=("10.0.0.1", port))
    async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
        closed = []
        for n in range(1, 2 * limit + 1):
            r = await client.get("/")
            assert r.status_code == 200
            if r.headers.get("connection") == "close":
                closed.append(n)
    return closed


async def test_each_connection_is_closed_between_half_the_limit_and_the_limit() -> None:
    app = _app(10)
    firsts = set()
    for port in range(40000, 40040):
        closed = await _closes_after(app, port, 10)
        assert closed, "a connection was never told to close"
        first = closed[0]
        assert 5 <= first <= 10
        assert all(b - a <= 10 for a, b in itertools.pairwise(closed))
        firsts.add(first)
    assert len(firsts) > 1  # connections opened together are not closed together


async def test_zero_turns_it_off() -> None:
    assert await _closes_after(_app(0), 40000, 50) == []


def test_the_setting_is_checked() -> None:
    assert Config().server.keepalive_requests == 1000
    assert parse_config({"server": {"keepalive_requests": 0}}).server.keepalive_requests == 0
    with pytest.raises(ConfigError, match=r"\[server\] keepalive_requests must be a whole number >= 0"):
        parse_config({"server": {"keepalive_requests": -1}})
