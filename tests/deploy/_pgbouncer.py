"""Debian's PgBouncer in transaction mode, on 127.0.0.1, in front of the test
PostgreSQL (its unix socket or its TCP address).

``.ci/run`` installs it (and sets ``HUB_REQUIRE_PGBOUNCER``); elsewhere the
tests that need it skip when it is missing, unless ``CI=true``.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

from tests.faults._support import free_port


def pgbouncer_or_skip() -> str:
    found = shutil.which("pgbouncer") or next(
        (p for p in ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer") if Path(p).exists()), None)
    if found is None:
        import pytest  # also used by bench/pgbouncer.py, where it is not

        if os.environ.get("CI") == "true" or os.environ.get("HUB_REQUIRE_PGBOUNCER"):
            pytest.fail("pgbouncer is missing (.ci/run installs Debian's pgbouncer)")
        pytest.skip("pgbouncer is not installed (apt-get install pgbouncer)")
    return found


@dataclass
class PgBouncer:
    """``pgbouncer`` for the server of ``server_url``: every database, the same
    user, ``pool_size`` server connections per database shared by every client."""

    server_url: str
    pool_size: int = 3
    port: int = field(default_factory=free_port)
    directory: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="hub-pgb-")))
    process: subprocess.Popen[bytes] | None = None

    def url(self, database: str) -> str:
        """A URL of ``database`` through the bouncer, as the hub is given it."""
        user = self._server.username or "postgres"
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}?pgbouncer=true"

    @property
    def _server(self) -> urllib.parse.SplitResult:
        return urllib.parse.urlsplit(self.server_url)

    def start(self) -> Self:
        binary = pgbouncer_or_skip()
        server = self._server
        query = dict(urllib.parse.parse_qsl(server.query))
        host = query.get("host") or server.hostname or "127.0.0.1"
        port = query.get("port") or server.port or 5432
        user = server.username or "postgres"
        password = server.password or ""
        (self.directory / "users.txt").write_text(f'"{user}" "{password}"\n')
        (self.directory / "pgbouncer.ini").write_text(f"""\
[databases]
* = host={host} port={port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {self.port}
unix_socket_dir =
auth_type = trust
auth_file = {self.directory / "users.txt"}
pool_mode = transaction
default_pool_size = {self.pool_size}
min_pool_size = 0
reserve_pool_size = 0
max_client_conn = 500
server_reset_query =
ignore_startup_parameters = extra_float_digits
logfile = {self.directory / "pgbouncer.log"}
pidfile = {self.directory / "pgbouncer.pid"}
""")
        command = [binary, "-q", str(self.directory / "pgbouncer.ini")]
        if os.geteuid() == 0:
            # It refuses to run as root; the owner of a socket folder may open it.
            owner = pwd.getpwuid(Path(host).stat().st_uid).pw_name if host.startswith("/") \
                else "nobody"
            shutil.chown(self.directory, owner)
            for path in self.directory.iterdir():
                shutil.chown(path, owner)
            command[1:1] = ["-u", owner]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"pgbouncer exited:\n{self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), 0.5):
                    return self
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"pgbouncer did not listen:\n{self.log()}")

    def log(self) -> str:
        path = self.directory / "pgbouncer.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        shutil.rmtree(self.directory, ignore_errors=True)
