"""The worst requests a stranger may send to ``/graphql``, and what they cost the server.

Each of the heaviest anonymous requests the limits let through (a series of
daily figures at the cost limit, every town's figures with medians, full
pages of wishes with their relations) runs on a one-worker server while
``/healthz`` is polled every 20 ms on the same worker. Printed per request:
its time, the size of its answer, how much the worker's resident memory rose
above what it held before (peak RSS, reset before each request through
``/proc/PID/clear_refs``), and ``/healthz``'s worst and p99 latency meanwhile.
Beside them, what issue 17 measured before the bounds: the unbounded DAY
series (0001-01-01 to 9999-12-31) ran 146 s, answered 212 MB, took the worker
to 7.8 GB and held ``/healthz`` over 1 s; now it is refused before any SQL.

    python bench/worst_request.py [--wishes 50000] [--seconds 5]

Uses ``DATABASE_URL`` when set, else an embedded server under
``HUB_DATA_DIR`` (default ``./.hub-data/bench``), with ``bench/_data.py``'s
wishes (loaded once through the ingest path, reused later).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._data import database_url, load_wishes  # noqa: E402
from bench._server import serve_hub  # noqa: E402

_FIGURES = ("start stats { wishes { submitted open claimed fulfilled cancelled fulfillmentRate "
            "overdue } activities { activities sessions volunteerAttendances beneficiaries "
            "volunteerHours } teams teamMembers stations }")
_SERIES = ('s{i}: statsSeries(granularity: DAY, filter: {{from: "2023-01-01", to: "2025-09-27"}}) '
           "{{ {figures} }}")
_TOWN_FIGURES = ("region { code name level } stats { wishes { submitted open claimed fulfilled "
                 "cancelled fulfillmentRate medianHoursToClaim medianHoursToFulfill overdue } "
                 "activities { activities sessions volunteerAttendances beneficiaries "
                 "volunteerHours } teams teamMembers stations }")
_WISH_PAGE = ("w{i}: wishes(first: 100, filter: {{regionCode: \"{county}\"}}) {{ totalCount edges "
              "{{ cursor node {{ id title kind category beneficiaryGroup beneficiaryName status "
              "submittedAt claimedAt fulfilledAt handlingLevel sourceId region {{ code name }} "
              "station {{ name }} source {{ name }} claims {{ claimantKind claimantName claimedAt "
              "team {{ name memberCount }} }} }} }} }}")

WORST = {
    "statsSeries DAY, 2 x 1,000 points, 15 figures each": "{ " + " ".join(
        _SERIES.format(i=i, figures=_FIGURES) for i in range(2)) + " }",
    "statsByRegion COUNTY (every county), every figure, medians": (
        "{ statsByRegion(level: COUNTY) { " + _TOWN_FIGURES + " } }"),
    "3 pages of 100 wishes with their relations": "{ " + " ".join(
        _WISH_PAGE.format(i=i, county=c) for i, c in enumerate(("210102", "210106", "210202")))
        + " }",
}
UNBOUNDED = ('{ statsSeries(granularity: DAY, filter: {from: "0001-01-01", to: "9999-12-31"}) '
             "{ start stats { wishes { submitted } } } }")


def _rss_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise SystemExit(f"no {field} for process {pid}")


def _reset_peak(pid: int) -> None:
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM := VmRSS


def _server_pid(port: int) -> int:
    """The process listening on ``port`` (a one-worker uvicorn serves in its own)."""
    wanted = f":{port:04X}"
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        parts = line.split()
        if parts[1].endswith(wanted) and parts[3] == "0A":
            inodes.add(parts[9])
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    return int(pid)
        except OSError:
            continue
    raise SystemExit("cannot find the server's process")


class _HealthProbe(threading.Thread):
    """Polls /healthz every 20 ms on its own connection, keeping each latency."""

    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.port = port
        self.latencies: list[float] = []
        self.stop = threading.Event()

    def run(self) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=30) as client:
            while not self.stop.is_set():
                started = time.perf_counter()
                client.get("/healthz").raise_for_status()
                self.latencies.append(time.perf_counter() - started)
                time.sleep(0.02)


def _measure(port: int, pid: int, query: str, seconds: float) -> dict[str, float]:
    """Runs ``query`` back to back for ``seconds`` while /healthz is probed."""
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
        rest = _rss_kb(pid, "VmRSS")
        _reset_peak(pid)
        warm = client.post("/graphql", json={"query": query})
        first_rise = _rss_kb(pid, "VmHWM") - rest
        body = warm.json()
        if body.get("errors"):
            raise SystemExit(f"refused: {body['errors'][0]}")
        times, rises = [], []
        probe = _HealthProbe(port)
        probe.start()
        time.sleep(0.1)
        until = time.monotonic() + seconds
        while time.monotonic() < until:
            before = _rss_kb(pid, "VmRSS")
            _reset_peak(pid)
            started = time.perf_counter()
            r = client.post("/graphql", json={"query": query})
            times.append(time.perf_counter() - started)
            rises.append(_rss_kb(pid, "VmHWM") - before)
            assert r.status_code == 200 and "errors" not in r.json(), r.text[:300]
        probe.stop.set()
        probe.join()
    lat = sorted(probe.latencies)
    return {
        "runs": len(times),
        "seconds": statistics.median(times),
        "bytes": len(warm.content),
        "rss_rise_mb": max(rises) / 1024,
        "first_rise_mb": first_rise / 1024,
        "health_max_ms": lat[-1] * 1000,
        "health_p99_ms": lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000,
        "health_n": len(lat),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wishes", type=int, default=50_000)
    parser.add_argument("--seconds", type=float, default=5,
                        help="how long each request runs back to back")
    args = parser.parse_args()

    url = database_url(ROOT, "bench")
    asyncio.run(load_wishes(url, args.wishes))

    with serve_hub(url, 1) as port:
        pid = _server_pid(port)
        load = os.getloadavg()[0]
        print(f"machine load average {load:.1f} on {os.cpu_count()} cores (times scale with it)")
        print(f"worker RSS at rest: {_rss_kb(pid, 'VmRSS') / 1024:.0f} MB; "
              f"{args.wishes:,} wishes; each request back to back for {args.seconds:g} s")
        for name, query in WORST.items():
            m = _measure(port, pid, query, args.seconds)
            print(f"  {name}:")
            print(f"    {m['runs']:.0f} runs, median {m['seconds'] * 1000:,.0f} ms, "
                  f"answer {m['bytes'] / 1024:,.0f} KB, "
                  f"worker peak RSS +{m['first_rise_mb']:.1f} MB the first time, "
                  f"+{m['rss_rise_mb']:.1f} MB after; /healthz meanwhile "
                  f"max {m['health_max_ms']:.0f} ms, p99 {m['health_p99_ms']:.0f} ms "
                  f"({m['health_n']} probes; target: under 100 ms)")
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            took_all = []
            for _ in range(5):
                started = time.perf_counter()
                refused = client.post("/graphql", json={"query": UNBOUNDED})
                took_all.append(time.perf_counter() - started)
        took = statistics.median(took_all) * 1000
        error = refused.json()["errors"][0]
        print(f"unbounded DAY series 0001-01-01..9999-12-31: {error['extensions']['code']} in "
              f"{took:.1f} ms (issue 17, before: 146 s, 212 MB answer, 7.8 GB RSS)")


if __name__ == "__main__":
    main()
