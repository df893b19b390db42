"""A real hub server (uvicorn on 127.0.0.1, the test run's fresh database) for
the clients of the GraphQL ecosystem: the graphql-http audit, an Apollo
gateway, Prometheus-style scrapes.

Node-based tests need ``node`` and the packages of ``package-lock.json``
(``npm ci``). Without them they are skipped locally and fail under CI
(``CI`` set), where ``.ci/run`` installs them.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.commands.serve import HTTP_PROTOCOL
from tests.http.conftest import OPEN_CONFIG, client, counted

__all__ = ["client", "counted"]  # fixtures shared with tests/http

ROOT = Path(__file__).resolve().parents[2]
JS = Path(__file__).resolve().parent / "js"
_START_SECONDS = 30.0

# What a front end sees: no key, the public schema. Rate limits are a
# security matter tested elsewhere; the audits and scrapes here send bursts.
PUBLIC_CONFIG = """
[public]
enabled = true

[security.rate_limit]
enabled = false

# The database is the test run's: the tests of stored medians refresh them
# themselves, and a server refreshing them meanwhile would race with them.
[statistics]
refresh_medians_seconds = 0
"""
# The same clients as the HTTP tests' (public reads, no rate limit).
PUBLIC = OPEN_CONFIG


@dataclass
class HubServer:
    url: str
    log_path: Path
    process: subprocess.Popen[bytes]

    @property
    def graphql(self) -> str:
        return f"{self.url}/graphql"

    def log_lines(self) -> list[dict[str, Any]]:
        """The server's JSON log lines so far (other lines are left out)."""
        lines = []
        for raw in self.log_path.read_text(encoding="utf-8", errors="replace").splitlines():
            if raw.startswith("{"):
                lines.append(json.loads(raw))
        return lines


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_server(
    database_url: str, directory: Path, *, config: str = PUBLIC_CONFIG,
    env: dict[str, str] | None = None,
) -> HubServer:
    """``uvicorn hub.app:factory`` on a free port of 127.0.0.1, ready to answer."""
    directory.mkdir(parents=True, exist_ok=True)
    config_path = directory / "hub.toml"
    config_path.write_text(config, encoding="utf-8")
    log_path = directory / "server.log"
    port = free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "HUB_CONFIG": str(config_path),
        "HUB_LOG_FORMAT": "json",
        **(env or {}),
    }
    if "PROMETHEUS_MULTIPROC_DIR" not in (env or {}):
        environment.pop("PROMETHEUS_MULTIPROC_DIR", None)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "hub.app:factory", "--factory",
             "--host", "127.0.0.1", "--port", str(port), "--no-access-log",
             "--http", HTTP_PROTOCOL],  # as `hub serve` runs it
            cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
        )
    server = HubServer(url=f"http://127.0.0.1:{port}", log_path=log_path, process=process)
    deadline = time.monotonic() + _START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the hub did not start:\n{log_path.read_text()}")
        try:
            if httpx.get(f"{server.url}/healthz", timeout=1.0).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    stop_server(server)
    raise RuntimeError(f"the hub did not answer within {_START_SECONDS}s:\n{log_path.read_text()}")


def stop_server(server: HubServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@pytest.fixture(scope="session")
def hub_server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubServer]:
    server = start_server(database_url, tmp_path_factory.mktemp("hub-server"))
    yield server
    stop_server(server)


def node_or_skip() -> str:
    """The ``node`` executable, with the project's npm packages installed."""
    node = shutil.which("node")
    missing = None
    if node is None:
        missing = "node is not installed"
    elif not (ROOT / "node_modules" / "graphql-http").is_dir():
        missing = "the npm packages are not installed (npm ci)"
    if missing is not None:
        if os.environ.get("CI"):
            pytest.fail(f"{missing}; .ci/run installs them")
        pytest.skip(missing)
    assert node is not None
    return node


def run_node(script: str, *args: str, timeout: float = 60.0) -> Any:
    """Run ``tests/ecosystem/js/<script>`` and parse the JSON it prints last."""
    node = node_or_skip()
    done = subprocess.run(
        [node, str(JS / script), *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout,
    )
    if done.returncode != 0:
        raise AssertionError(f"{script} failed ({done.returncode}):\n{done.stderr}\n{done.stdout}")
    return json.loads(done.stdout.strip().splitlines()[-1])
