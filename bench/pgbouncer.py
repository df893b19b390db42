"""What a transaction-pooling PgBouncer costs the hub: the list page three ways.

1. ``direct``: the hub on PostgreSQL, as shipped (asyncpg's statement cache on);
2. ``no statement cache``: the same URL with ``?pgbouncer=true`` (what the hub
   does behind a bouncer: every statement parsed again, in the same exchange);
3. ``through pgbouncer``: Debian's PgBouncer in transaction mode in between
   (``default_pool_size`` 20: the hub's 2 workers x 10 connections share them).

Each: ``hub.app`` with 2 workers, ``wrk -c32`` on the list page of
``bench/compare.py`` (50 newest claimed wishes of a county, with region and teams),
``--seconds`` after a 2 s warm-up, ``--rounds`` rounds alternating; medians of
req/s and of CPU per request of the hub's processes, PostgreSQL's and
PgBouncer's (CPU per request holds on a busy machine, where req/s does not).

    python bench/pgbouncer.py [--wishes 30000] [--seconds 10] [--rounds 1]

Uses an embedded server under ``HUB_DATA_DIR`` (default ``./.hub-data/bench``);
needs ``wrk`` and ``pgbouncer`` (apt-get install wrk pgbouncer).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._data import load_wishes  # noqa: E402
from bench._server import free_port, wait_for  # noqa: E402
from bench.compare import HUB, _postmaster, _tree_cpu, _used  # noqa: E402
from hub import db  # noqa: E402
from tests.deploy._pgbouncer import PgBouncer  # noqa: E402


@dataclass
class Run:
    rps: float
    p50: str
    p99: str
    hub_ms: float
    pg_ms: float
    bouncer_ms: float


@contextlib.contextmanager
def _hub(url: str) -> Iterator[tuple[int, int]]:
    """``hub.app`` with 2 workers on 127.0.0.1 (public reads, no rate limit): (port, pid)."""
    port = free_port()
    config = Path(tempfile.mkdtemp()) / "hub.toml"
    config.write_text("[public]\nenabled = true\n[security.rate_limit]\nenabled = false\n")
    env = {**os.environ, "DATABASE_URL": url, "HUB_CONFIG": str(config),
           "HUB_LOG_LEVEL": "error"}
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "hub.app:factory", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--workers", "2", "--no-access-log", "--log-level", "warning"],
        env=env, cwd=ROOT)
    try:
        wait_for(port)
        yield port, server.pid
    finally:
        server.terminate()
        server.wait(timeout=10)


def _wrk(port: int, seconds: int, script: str, pids: tuple[int, int, int]) -> Run:
    target = f"http://127.0.0.1:{port}/graphql"
    subprocess.run(["wrk", "-t2", "-c32", "-d2s", "-s", script, target],
                   capture_output=True, check=True)
    before = [_tree_cpu(pid) for pid in pids]
    out = subprocess.run(["wrk", "-t2", "-c32", f"-d{seconds}s", "--timeout", "10s", "--latency",
                          "-s", script, target], capture_output=True, text=True, check=True).stdout
    used = [_used(b, _tree_cpu(pid)) for b, pid in zip(before, pids, strict=True)]
    errors = [line.strip() for line in out.splitlines()
              if "Non-2xx" in line or "Socket errors" in line]
    if errors:
        raise SystemExit(f"wrk saw errors: {errors}")
    rps = float(next(line for line in out.splitlines()
                     if line.startswith("Requests/sec")).split(":")[1])
    requests = int(next(line for line in out.splitlines() if " requests in " in line).split()[0])
    lat = {line.split()[0]: line.split()[1] for line in out.splitlines()
           if line.strip().startswith(("50%", "99%"))}
    hub_ms, pg_ms, bouncer_ms = (1000 * u / requests for u in used)
    return Run(rps, lat.get("50%", "?"), lat.get("99%", "?"), hub_ms, pg_ms, bouncer_ms)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wishes", type=int, default=30_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    for tool in ("wrk", "pgbouncer"):
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists():
            raise SystemExit(f"needs {tool}: apt-get install {tool}")

    server = db.start_embedded(Path(os.environ.get("HUB_DATA_DIR") or ROOT / ".hub-data/bench"))
    asyncio.run(db.ensure_database(server, "hub"))
    url = db.with_database(server, "hub")
    asyncio.run(load_wishes(url, args.wishes))

    async def role_settings() -> None:
        # What docs/scaling.md asks of an operator behind a bouncer: the settings
        # the hub cannot send per connection, as the role's (the same as direct).
        conn = await db.connect(url)
        try:
            await conn.execute("alter role current_user in database hub set jit = off")
            await conn.execute(
                "alter role current_user in database hub set statement_timeout = '30s'")
        finally:
            await conn.close()

    asyncio.run(role_settings())
    bouncer = PgBouncer(server, pool_size=20).start()
    ways = {
        "direct (statement cache)": url,
        "direct, no statement cache": url + ("&" if "?" in url else "?") + "pgbouncer=true",
        "through pgbouncer (transaction mode)": bouncer.url("hub"),
    }
    results: dict[str, list[Run]] = {name: [] for name in ways}
    postmaster = _postmaster(url)
    assert bouncer.process is not None
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        body = json.dumps({"query": HUB["list"],
                           "variables": {"region": "210106", "status": "CLAIMED"}})
        lua.write('wrk.method = "POST"\n')
        lua.write('wrk.headers["Content-Type"] = "application/json"\n')
        lua.write(f"wrk.body = {json.dumps(body)}\n")
    try:
        for _ in range(args.rounds):
            for name, hub_url in ways.items():
                with _hub(hub_url) as (port, pid):
                    results[name].append(_wrk(port, args.seconds, lua.name,
                                              (pid, postmaster, bouncer.process.pid)))
    finally:
        bouncer.stop()
    print(f"list page, {args.wishes:,} wishes, hub 2 workers, wrk -c32, {args.seconds} s x "
          f"{args.rounds} round(s)")
    base = statistics.median(r.rps for r in results["direct (statement cache)"])
    print(f"  {'':40} {'req/s':>8} {'p50':>9} {'p99':>9}  CPU ms per request: "
          "hub + PostgreSQL + PgBouncer")
    for name, runs in results.items():
        rps = statistics.median(r.rps for r in runs)
        middle = sorted(runs, key=lambda r: r.rps)[len(runs) // 2]
        cpu = [statistics.median(getattr(r, f) for r in runs)
               for f in ("hub_ms", "pg_ms", "bouncer_ms")]
        print(f"  {name:40} {rps:8.0f} {middle.p50:>9} {middle.p99:>9}  "
              f"{cpu[0]:.2f} + {cpu[1]:.2f} + {cpu[2]:.2f} = {sum(cpu):.2f}  "
              f"({rps / base:.2f} of direct's req/s)")


if __name__ == "__main__":
    main()
