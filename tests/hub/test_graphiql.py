"""GraphiQL works with no internet: every asset comes from the hub, SRI intact."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import strawberry
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route
from strawberry.asgi import GraphQL

from hub.graphiql import ASSETS_DIR, graphiql_assets_mount, graphiql_html, page_assets


@strawberry.type
class _Query:
    @strawberry.field
    def hello(self) -> str:
        return "你好"


class _GraphQL(GraphQL[None, None]):
    # The wiring the hub's app uses: strawberry's view, the hub's offline page.
    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(graphiql_html())


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    schema = strawberry.Schema(query=_Query)
    app = Starlette(
        routes=[
            Route("/graphql", _GraphQL(schema), methods=["GET", "POST"]),
            graphiql_assets_mount(),
        ]
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as c:
        yield c


def _sri(data: bytes, integrity: str) -> str:
    algorithm = integrity.split("-", 1)[0]
    return f"{algorithm}-" + base64.b64encode(hashlib.new(algorithm, data).digest()).decode()


def test_page_loads_nothing_from_elsewhere() -> None:
    page = graphiql_html()
    assets = page_assets(page)
    # react, react-dom, js-cookie, graphiql js+css, explorer js+css
    assert len(assets) == 7
    for url, integrity in assets:
        assert url.startswith("/graphiql-assets/"), url
        assert integrity and integrity.startswith("sha384-"), url
    assert "unpkg.com" not in page
    assert "subscriptionUrl" not in page.split("GraphiQL.createFetcher(")[1].split(")")[0]


async def test_browser_gets_the_offline_page_at_graphql(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert response.text == graphiql_html()
    # and the same URL still answers queries
    answer = await client.post("/graphql", json={"query": "{ hello }"})
    assert answer.json() == {"data": {"hello": "你好"}}


async def test_every_asset_is_served_and_matches_its_integrity(client: httpx.AsyncClient) -> None:
    for url, integrity in page_assets(graphiql_html()):
        assert integrity is not None
        response = await client.get(url)
        assert response.status_code == 200, url
        for expected in integrity.split():
            assert _sri(response.content, expected) == expected, url
        kind = "text/javascript" if url.endswith(".js") else "text/css"
        assert response.headers["content-type"] == f"{kind}; charset=utf-8"
        assert "immutable" in response.headers["cache-control"]


async def test_unknown_and_escaping_paths_are_not_served(client: httpx.AsyncClient) -> None:
    assert (await client.get("/graphiql-assets/react@18.2.0/umd/nothing.js")).status_code == 404
    assert (await client.get("/graphiql-assets/../../models.py")).status_code == 404
    assert (await client.get("/graphiql-assets/%2e%2e/%2e%2e/models.py")).status_code == 404


def test_endpoint_is_configurable() -> None:
    page = graphiql_html("/api/graphql")
    assert 'new URL("/api/graphql", window.location.href)' in page
    assert 'window.location.href.split("?")[0]' not in page
    assert "</script>x" not in graphiql_html("</script>x")


def test_licences_ship_with_the_assets() -> None:
    manifest = json.loads((ASSETS_DIR / "manifest.json").read_text("utf-8"))
    packages = {a["path"].rsplit("@", 1)[0] for a in manifest["assets"]}
    assert packages == {"react", "react-dom", "js-cookie", "graphiql", "@graphiql/plugin-explorer"}
    for asset in manifest["assets"]:
        assert asset["license"] == "MIT"
        for name in asset["license_files"]:
            text = (ASSETS_DIR / name).read_text("utf-8")
            assert "MIT" in text or "Permission is hereby granted" in text, name


_CHROMIUM = shutil.which("chromium")


@pytest.mark.skipif(_CHROMIUM is None, reason="needs Debian's chromium (apt-get install chromium)")
def test_graphiql_renders_in_a_browser_with_no_internet(tmp_path: Path) -> None:
    """Headless chromium, every host but 127.0.0.1 unresolvable: the editor renders
    and the page introspects the schema through the hub."""
    assert _CHROMIUM is not None
    seen: list[bytes] = []

    class _Recording(_GraphQL):
        async def get_context(self, request: Any, response: Any) -> Any:
            seen.append(await request.body())
            return await super().get_context(request, response)

    app = Starlette(
        routes=[
            Route("/graphql", _Recording(strawberry.Schema(query=_Query)), methods=["GET", "POST"]),
            graphiql_assets_mount(),
        ]
    )
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        dom = subprocess.run(
            [
                _CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-quic",
                "--no-first-run",
                f"--user-data-dir={tmp_path}",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                "--virtual-time-budget=15000",
                "--dump-dom",
                f"http://127.0.0.1:{port}/graphql",
            ],
            capture_output=True,
            text=True,
            timeout=90,
            check=True,
        ).stdout
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
    assert "graphiql-query-editor" in dom
    assert "graphiql-execute-button" in dom
    assert "Loading..." not in dom
    assert any(b"IntrospectionQuery" in body for body in seen)
