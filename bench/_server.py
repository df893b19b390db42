"""What the benchmarks share: a free port on 127.0.0.1, and waiting for a server on it."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from hub.commands.serve import HTTP_PROTOCOL

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_for(port: int, timeout: float = 30) -> None:
    """Return once something accepts connections on ``port``; exit the benchmark if not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the hub did not start")


@contextlib.contextmanager
def serve_hub(url: str, workers: int, *, cache: bool = False) -> Iterator[int]:
    """``hub.app`` under uvicorn on 127.0.0.1 (anonymous reads, no rate limit and,
    unless ``cache``, no response cache: the benchmarks measure queries, not the
    limiter, and a repeated query would otherwise be answered from memory);
    yields its port once it listens."""
    port = free_port()
    config = Path(tempfile.mkdtemp()) / "hub.toml"
    config.write_text("[public]\nenabled = true\n[security.rate_limit]\nenabled = false\n"
                      f"[cache]\nresponses = {'true' if cache else 'false'}\n")
    env = {**os.environ, "DATABASE_URL": url, "HUB_CONFIG": str(config),
           "HUB_LOG_LEVEL": "warning"}
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "hub.app:factory", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--workers", str(workers), "--no-access-log",
         "--log-level", "warning", "--http", HTTP_PROTOCOL],  # as `hub serve` runs it
        env=env, cwd=ROOT,
    )
    try:
        wait_for(port)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=10)
