"""``subscription { wishEvents }`` over graphql-transport-ws on /graphql, as a
client sees it: two real server processes on the test run's database, a
subscription on one and pushes through the other."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import websockets
from starlette.websockets import WebSocket
from websockets.asyncio.client import ClientConnection

from hub.commands.serve import HTTP_PROTOCOL
from hub.config import Config
from hub.http.subscriptions import SubscriptionContext, SubscriptionEndpoint, _Refused
from hub.security.documents import Document, add_documents, sha256_of
from hub.security.roles import Role
from hub.security.runtime import Security
from schema.schema import schema
from tests.http.conftest import wenhuayun_items
from tests.security.conftest import KEY_TABLES, SOURCES, TOKENS, config, signed

ROOT = Path(__file__).resolve().parents[2]
PROTOCOL = "graphql-transport-ws"

EVENTS = """
subscription($region: String) {
  wishEvents(regionCode: $region) { kind at wish { sourceId title status region { code } } }
}"""


def _toml() -> str:
    lines = ["[public]", "enabled = true", "", "[security.rate_limit]", "enabled = false", "",
             "[security.subscriptions]", "per_connection = 2", "per_address = 3", "",
             "[statistics]", "refresh_medians_seconds = 0", ""]
    for name, table in KEY_TABLES.items():
        lines.append(f"[keys.{name}]")
        lines += [f'{k} = "{v}"' for k, v in table.items()]
    for code, table in SOURCES.items():
        lines.append(f"[sources.{code}]")
        lines += [f'{k} = "{v}"' for k, v in table.items()]
    return "\n".join(lines) + "\n"


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _spawn(database_url: str, directory: Path) -> Server:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "hub.toml").write_text(_toml(), encoding="utf-8")
    env = {**os.environ, "DATABASE_URL": database_url,
           "HUB_CONFIG": str(directory / "hub.toml"), "HUB_LOG_LEVEL": "warning"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    with (directory / "server.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "hub.app:factory", "--factory", "--host",
             "127.0.0.1", "--port", str(port), "--no-access-log", "--http", HTTP_PROTOCOL],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    return Server(port, process, directory / "server.log")


def _wait(server: Server) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(server.log.read_text())
        try:
            if httpx.get(f"{server.http}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    server.process.kill()
    raise RuntimeError(f"the hub did not start:\n{server.log.read_text()}")


@pytest.fixture(scope="module")
def servers(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Server]]:
    """Two server processes on one database: as two workers or two hosts."""
    started = [_spawn(database_url, tmp_path_factory.mktemp(f"hub-{n}")) for n in "ab"]
    try:
        for server in started:  # starting side by side
            _wait(server)
        yield started[0], started[1]
    finally:
        for server in started:
            server.process.terminate()
            server.process.wait(timeout=10)


async def _connect(server: Server, token: str | None = None) -> ClientConnection:
    ws = await websockets.connect(server.ws, subprotocols=[PROTOCOL])  # type: ignore[list-item]
    payload = {"Authorization": f"Bearer {token}"} if token else {}
    await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
    ack = json.loads(await asyncio.wait_for(ws.recv(), 10))
    assert ack["type"] == "connection_ack", ack
    return ws


async def _subscribe(ws: ClientConnection, sid: str, query: str = EVENTS,
                     **variables: Any) -> None:
    await ws.send(json.dumps({"id": sid, "type": "subscribe",
                              "payload": {"query": query, "variables": variables}}))


async def _message(ws: ClientConnection, timeout: float = 15.0) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), timeout))
    return found


async def _push(server: Server, items: list[dict[str, Any]]) -> None:
    body = json.dumps({"code": 0, "items": items}, ensure_ascii=False).encode()
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{server.http}/ingest/wenhuayun", content=body,
                                     headers=signed("wenhuayun", body))
    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == len(items), response.text


def _wishes(*divisions: str, prefix: str = "WS") -> list[dict[str, Any]]:
    items = wenhuayun_items(len(divisions), teams=0, stations=0)
    for item, division in zip(items, divisions, strict=True):
        item["division_code"] = division
        item["wish_id"] = f"{prefix}-{item['wish_id']}"
    return items


async def test_a_push_through_one_server_reaches_a_subscriber_of_another(
    servers: tuple[Server, Server], clean_db: asyncpg.Pool
) -> None:
    a, b = servers
    ws = await _connect(a)  # public: no key
    try:
        await _subscribe(ws, "wall", region="210102")
        # Nothing tells a client that the server's listener has started (the
        # protocol has no "subscribed" message); it takes milliseconds.
        await asyncio.sleep(1.0)
        # A village of 和平区, and a wish in 铁西区 that this subscriber does not want.
        village, other = _wishes("210102001001", "210106", prefix="x")
        await _push(b, [village, other])
        got = await _message(ws)
        assert got["type"] == "next" and got["id"] == "wall"
        event = got["payload"]["data"]["wishEvents"]
        assert event["kind"] == "SUBMITTED" and event["wish"]["sourceId"] == "x-WS-0000"
        # Public subscribers see the town, never the beneficiary's village.
        assert event["wish"]["region"]["code"] == "210102001"

        claimed = {**village, "state": "已认领", "claim_time": "2022-03-30T08:00:00+08:00",
                   "updated_at": "2022-04-01T08:00:00+08:00"}
        await _push(a, [claimed])  # through the subscriber's own server too
        got = await _message(ws)
        event = got["payload"]["data"]["wishEvents"]
        assert (event["kind"], event["wish"]["status"]) == ("CLAIMED", "CLAIMED")
        with pytest.raises(TimeoutError):  # 铁西区's wish never came
            await _message(ws, timeout=1.0)
    finally:
        await ws.close()


async def test_operators_see_villages_and_public_fields_stay_public(
    servers: tuple[Server, Server], clean_db: asyncpg.Pool
) -> None:
    a, b = servers
    query = """subscription { wishEvents(regionCode: "210102001001") {
        wish { region { code } suggestedTeams { score } } } }"""
    public, city = await _connect(a), await _connect(a, TOKENS["city"])
    try:
        await _subscribe(public, "v", query)
        refused = await _message(public)
        assert refused["type"] == "error"
        assert refused["payload"][0]["extensions"]["code"] == "FORBIDDEN"

        await _subscribe(city, "v", query)
        await _subscribe(public, "town", """subscription { wishEvents(regionCode: "210102001") {
            wish { sourceId suggestedTeams { score } } } }""")
        await asyncio.sleep(1.0)
        await _push(b, _wishes("210102001001", prefix="y"))
        seen = (await _message(city))["payload"]
        assert seen["data"]["wishEvents"]["wish"]["region"]["code"] == "210102001001"
        assert seen["data"]["wishEvents"]["wish"]["suggestedTeams"] == []  # no teams yet
        # A public subscriber gets the event, and an error on the operator field.
        other = (await _message(public))["payload"]
        assert other["data"]["wishEvents"]["wish"]["sourceId"] == "y-WS-0000"
        assert other["data"]["wishEvents"]["wish"]["suggestedTeams"] is None
        assert other["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    finally:
        await public.close()
        await city.close()


async def test_keys_are_checked_at_connection_init(servers: tuple[Server, Server]) -> None:
    a, _ = servers
    viewer = await _connect(a, TOKENS["viewer"])
    await viewer.close()
    for token in ("not-a-key", SOURCES["wenhuayun"]["token"]):
        ws = await websockets.connect(a.ws, subprotocols=[PROTOCOL])  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init",
                                  "payload": {"Authorization": f"Bearer {token}"}}))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
    # Without connection_init no subscription runs (the protocol's own rule).
    ws = await websockets.connect(a.ws, subprotocols=[PROTOCOL])  # type: ignore[list-item]
    await _subscribe(ws, "early")
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await asyncio.wait_for(ws.recv(), 10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


async def test_garbage_frames_close_that_socket_only(servers: tuple[Server, Server]) -> None:
    """Random bytes, text that is not JSON, NUL, lone surrogates, JSON nested 1,000
    deep, a 2 MB frame, a message without an id: each closes its own socket with a
    4xxx code (or is answered with an error); the server keeps serving."""
    a, _ = servers
    frames: list[str | bytes] = [
        b"\x00\xff\xfe" * 10,
        "not json at all",
        r'{"type": "connection_init", "payload": "\u0000\ud800"}',
        "[" * 100_000 + "]" * 100_000,
        json.dumps({"type": "subscribe", "payload": {"query": EVENTS}}),
        json.dumps({"id": "big", "type": "subscribe", "payload": {"query": "x" * 2_000_000}}),
        '{"id": "n", "type": "subscribe", "payload": {"query": "subscription { wishEvents { kind } }", '
        '"variables": {"x": 1' + "0" * 4300 + '}}}',
    ]
    for frame in frames:
        ws = await _connect(a)
        try:
            await ws.send(frame)
            try:
                answer = json.loads(await asyncio.wait_for(ws.recv(), 10))
                assert answer["type"] == "error", answer
                assert "Traceback" not in json.dumps(answer)
            except websockets.ConnectionClosed as closed:
                code = closed.rcvd.code if closed.rcvd is not None else None
                assert code is not None and (4000 <= code < 5000 or code in (1002, 1003, 1007, 1009)), code
        finally:
            await ws.close()
    ws = await _connect(a, TOKENS["province"])  # the server still answers
    await ws.close()
    async with httpx.AsyncClient() as client:
        assert (await client.get(f"{a.http}/healthz")).status_code == 200


async def test_subscriptions_only_and_the_limits_apply(servers: tuple[Server, Server]) -> None:
    a, _ = servers
    ws = await _connect(a)
    try:
        await _subscribe(ws, "q", "{ __typename }")
        answer = await _message(ws)
        assert answer["type"] == "error" and answer["id"] == "q"
        await _subscribe(ws, "deep", "subscription { wishEvents { wish { region { parent { parent "
                         "{ parent { parent { parent { parent { parent { parent { parent { code "
                         "} } } } } } } } } } } } }")
        answer = await _message(ws)
        assert answer["type"] == "error" and "levels deep" in answer["payload"][0]["message"]
    finally:
        await ws.close()


async def test_subscriptions_are_capped_per_connection_and_per_address(
    servers: tuple[Server, Server]
) -> None:
    _, b = servers
    first, second = await _connect(b), await _connect(b, TOKENS["viewer"])
    try:
        await _subscribe(first, "1")
        await _subscribe(first, "2")
        await _subscribe(first, "3")  # per_connection = 2
        refused = await _message(first)
        assert refused["id"] == "3" and refused["type"] == "error"
        assert refused["payload"][0]["extensions"]["code"] == "TOO_MANY_SUBSCRIPTIONS"
        assert "connection" in refused["payload"][0]["message"]

        await _subscribe(second, "1")
        await _subscribe(second, "2")  # per_address = 3, whatever the key
        refused = await _message(second)
        assert refused["id"] == "2"
        assert refused["payload"][0]["extensions"]["code"] == "TOO_MANY_SUBSCRIPTIONS"
        assert "address" in refused["payload"][0]["message"]

        await first.send(json.dumps({"id": "1", "type": "complete"}))
        await asyncio.sleep(0.3)
        await _subscribe(second, "2")  # room again
        with pytest.raises(TimeoutError):
            await _message(second, timeout=1.0)
    finally:
        await first.close()
        await second.close()


# ---------------------------------------------------------------- the checks themselves


def _socket(headers: dict[str, str] | None = None) -> WebSocket:
    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    async def send(message: dict[str, Any]) -> None:
        pass

    raw = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    return WebSocket({"type": "websocket", "path": "/graphql", "headers": raw,
                      "client": ("203.0.113.9", 5000)}, receive, send)


def _endpoint(cfg: Config) -> SubscriptionEndpoint:
    return SubscriptionEndpoint(schema, Security.from_config(cfg))


def test_who_may_connect() -> None:
    open_hub, closed_hub = _endpoint(config()), _endpoint(config(public=False))
    assert open_hub.identify(_socket(), {}).role is Role.PUBLIC
    with pytest.raises(_Refused, match="needs a key"):
        closed_hub.identify(_socket(), {})
    city = closed_hub.identify(_socket(), {"Authorization": f"Bearer {TOKENS['city']}"})
    assert (city.role, city.region, city.address) == (Role.CITY, "210100", "203.0.113.9")
    # The handshake's header, when the payload names no key.
    header = {"Authorization": f"Bearer {TOKENS['province']}"}
    assert closed_hub.identify(_socket(header), {}).role is Role.PROVINCE
    with pytest.raises(_Refused, match="ingest token"):
        closed_hub.identify(_socket(), {"authorization": f"Bearer {SOURCES['huludao']['token']}"})
    limited = _endpoint(config(security={"rate_limit": {"ip_per_second": 1.0, "ip_burst": 2}}))
    limited.identify(_socket(), {})
    limited.identify(_socket(), {})
    with pytest.raises(_Refused) as refused:
        limited.identify(_socket(), {})
    assert refused.value.code == 4429


async def test_trusted_documents_hold_for_subscriptions(clean_db: asyncpg.Pool) -> None:
    endpoint = _endpoint(config(security={"trusted_documents_only": True}))
    context = SubscriptionContext(pool=clean_db, config=config())
    viewer = endpoint.identify(_socket(), {"Authorization": f"Bearer {TOKENS['viewer']}"})
    province = endpoint.identify(_socket(), {"Authorization": f"Bearer {TOKENS['province']}"})
    free: Any = {"id": "1", "type": "subscribe", "payload": {"query": EVENTS}}
    refusal = await endpoint.admit(context, viewer, free)
    assert refusal is not None and refusal[0] == "TRUSTED_DOCUMENTS_ONLY"
    assert await endpoint.admit(context, province, free) is None

    sha = sha256_of(EVENTS)
    await clean_db.execute("delete from trusted_documents where sha256 = $1", sha)
    named: Any = {"id": "2", "type": "subscribe",
                  "payload": {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha}}}}
    refusal = await endpoint.admit(context, viewer, named)
    assert refusal is not None and refusal[0] == "PERSISTED_QUERY_NOT_IN_LIST"
    async with clean_db.acquire() as conn:
        await add_documents(conn, [Document(sha256=sha, body=EVENTS, name="wall")], "test")
    try:
        fresh = _endpoint(config(security={"trusted_documents_only": True}))  # cache empty
        assert await fresh.admit(context, viewer, named) is None
        assert named["payload"]["query"] == EVENTS
    finally:
        await clean_db.execute("delete from trusted_documents where sha256 = $1", sha)
