"""Soak: readers and writers against ``hub serve --workers 2`` for a bounded time.

    python bench/soak.py [--minutes 10] [--readers 4] [--writers 2] [--recycle 100]

1. Its own embedded PostgreSQL in a temporary folder, seeded with
   ``hub seed --scale demo``; ``hub serve --workers N`` on 127.0.0.1 over it.
2. For ``--minutes``: readers run list pages (random region, status, page
   two), wish details (``node``), statistics (``stats``, ``statsByRegion``,
   ``statsSeries``) with varying filters; writers push signed native bodies
   of every source in ``adapters.REGISTRY`` (``hub.seed``'s generator with
   other seeds), every fifth push a batch of fresh 盛京 wishes whose ids are
   checked at the end, every tenth a source's ``bad_records`` fixture.
   Each client keeps one keep-alive connection, opened together at the start
   (all may land on one worker: the hub's ``[server] keepalive_requests``
   spreads them, ``hub.http.keepalive``); ``--recycle N`` reconnects every N.
3. Prints requests, errors by kind, p50/p99 per minute (reads and writes),
   each worker's RSS after the first minute (warm-up) and at the end and its
   CPU seconds (how the load spread over the workers), then the targets:
   zero 5xx; zero records lost (every 200 push's batch stored with the counts
   it reported, each source's ``records_accepted`` grown by what was reported
   accepted, every accepted fresh wish in ``wishes``); RSS growth under 10 %
   after warm-up. Exit status 1 when a target is missed.

The load is paced (think times) so that it takes about one core of a shared
machine rather than all of them; the figures are for that, not a maximum.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import hashlib
import hmac
import itertools
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
import httpx  # noqa: E402
import psutil  # noqa: E402

import adapters  # noqa: E402
from bench._server import free_port  # noqa: E402
from hub import db  # noqa: E402
from hub.seed import DEMO_SCALE  # noqa: E402
from hub.seed.bodies import generate  # noqa: E402

SOURCES = {code: (f"soak-{code}", f"soak-secret-{code}") for code in adapters.REGISTRY}
FIXTURES = ROOT / "tests" / "adapters"
FRESH = 20  # wishes in a batch of fresh 盛京 wishes
_TEMPLATE = json.loads((FIXTURES / "shengjing" / "fixtures" / "example.json").read_text())["records"][0]

LIST = """query($f: WishFilter, $after: String) { wishes(first: 20, filter: $f, after: $after) {
  totalCount edges { node { id title status category submittedAt region { name } source { name } } }
  pageInfo { hasNextPage endCursor } } }"""
DETAIL = """query($id: ID!) { node(id: $id) { id ... on Wish { title status category beneficiaryGroup
  submittedAt region { name level } source { name } } } }"""
STATS = """query($f: StatsFilter) { stats(filter: $f) { wishes { submitted open claimed fulfilled
  fulfillmentRate medianHoursToClaim } teams stations } }"""
BY_REGION = """query($f: StatsFilter) { statsByRegion(filter: $f, level: CITY) {
  region { code name } stats { wishes { submitted fulfilled } } } }"""
SERIES = """query($f: StatsFilter, $g: Granularity!) { statsSeries(filter: $f, granularity: $g) {
  start stats { wishes { submitted fulfilled } } } }"""
STATUSES = ("OPEN", "CLAIMED", "FULFILLED", "PENDING", "CANCELLED")


@dataclass
class Sample:
    at: float  # seconds since the start
    kind: str  # "read" | "write"
    seconds: float
    outcome: str  # "ok", "http 503", "graphql BAD_USER_INPUT", "transport ReadTimeout" ...


@dataclass
class Ledger:
    """What the writers were told, to be checked against the database."""

    batches: dict[str, tuple[str, int, int, int, int]] = field(default_factory=dict)
    accepted: Counter[str] = field(default_factory=Counter)
    fresh: list[str] = field(default_factory=list)
    pushes: Counter[str] = field(default_factory=Counter)


def sign(code: str, body: bytes) -> dict[str, str]:
    token, secret = SOURCES[code]
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"Authorization": f"Bearer {token}", "X-Hub-Signature-256": f"sha256={digest}",
            "Content-Type": "application/json"}


def fresh_wishes(prefix: str) -> tuple[list[str], bytes]:
    ids = [f"{prefix}-{i:02d}" for i in range(FRESH)]
    records = []
    for ident in ids:
        record = dict(_TEMPLATE)
        record.update(xyId=ident, status="1", claimTime="", finishTime="", claimers=[],
                      updateTime="2026-11-20 10:00:00", createTime="2026-11-20 09:00:00")
        records.append(record)
    doc = {"platform": "shengjing", "pushTime": "2026-11-20 10:00:01", "records": records}
    return ids, json.dumps(doc, ensure_ascii=False).encode()


def native_bodies(now: dt.datetime) -> Iterator[tuple[str, bytes]]:
    """Every source's bodies, world after world (new seeds: new records, new versions)."""
    for seed in itertools.count(1000):
        yield from generate(DEMO_SCALE * 4, seed=seed, now=now)


class Load:
    def __init__(self, base: str, args: argparse.Namespace, ids: list[str],
                 regions: list[str]) -> None:
        self.base = base
        self.args = args
        self.ids = ids
        self.regions = regions
        self.samples: list[Sample] = []
        self.ledger = Ledger()
        self.started = time.monotonic()
        self.deadline = self.started + args.minutes * 60
        self.bodies = native_bodies(dt.datetime.now(dt.UTC))
        self.bad = [(code, (FIXTURES / code / "fixtures" / "bad_records.json").read_bytes())
                    for code in adapters.REGISTRY if (FIXTURES / code / "fixtures" / "bad_records.json").exists()]
        self.pushed = 0

    # ------------------------------------------------------------ clients

    @contextlib.asynccontextmanager
    async def _client(self) -> Any:
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        client = httpx.AsyncClient(base_url=self.base, timeout=60, limits=limits)
        try:
            yield client
        finally:
            await client.aclose()

    async def run(self) -> None:
        tasks = [self._loop(self._read, self.args.think_read, seed=i)
                 for i in range(self.args.readers)]
        tasks += [self._loop(self._write, self.args.think_write, seed=100 + i)
                  for i in range(self.args.writers)]
        await asyncio.gather(*tasks)

    async def _loop(self, one: Any, think: float, seed: int) -> None:
        rng = random.Random(seed)
        while time.monotonic() < self.deadline:
            async with self._client() as client:
                for _ in (itertools.count() if self.args.recycle <= 0 else range(self.args.recycle)):
                    if time.monotonic() >= self.deadline:
                        return
                    await one(client, rng)
                    await asyncio.sleep(think * rng.uniform(0.5, 1.5))

    async def _timed(self, kind: str, request: Any) -> httpx.Response | None:
        started = time.monotonic()
        try:
            response: httpx.Response = await request
        except httpx.HTTPError as exc:
            self._note(kind, started, f"transport {type(exc).__name__}")
            return None
        outcome = "ok" if response.status_code == 200 else f"http {response.status_code}"
        if response.status_code == 200 and kind == "read":
            errors = response.json().get("errors")
            if errors:
                code = (errors[0].get("extensions") or {}).get("code", "no code")
                outcome = f"graphql {code}"
        self._note(kind, started, outcome)
        return response

    def _note(self, kind: str, started: float, outcome: str) -> None:
        now = time.monotonic()
        self.samples.append(Sample(started - self.started, kind, now - started, outcome))

    # ------------------------------------------------------------ readers

    async def _read(self, client: httpx.AsyncClient, rng: random.Random) -> None:
        pick = rng.random()
        if pick < 0.4:
            f: dict[str, Any] = {}
            if rng.random() < 0.7:
                f["regionCode"] = rng.choice(self.regions)
            if rng.random() < 0.5:
                f["status"] = rng.sample(STATUSES, rng.randint(1, 2))
            r = await self._timed("read", client.post("/graphql", json={
                "query": LIST, "variables": {"f": f}}))
            if r is not None and r.status_code == 200 and rng.random() < 0.3:
                page = ((r.json().get("data") or {}).get("wishes") or {}).get("pageInfo") or {}
                if page.get("hasNextPage"):
                    await self._timed("read", client.post("/graphql", json={
                        "query": LIST, "variables": {"f": f, "after": page["endCursor"]}}))
        elif pick < 0.7:
            await self._timed("read", client.post("/graphql", json={
                "query": DETAIL, "variables": {"id": rng.choice(self.ids)}}))
        else:
            f = self._stats_filter(rng)
            which = rng.random()
            if which < 0.5:
                body: dict[str, Any] = {"query": STATS, "variables": {"f": f}}
            elif which < 0.75:
                f.pop("regionCode", None)
                body = {"query": BY_REGION, "variables": {"f": f}}
            else:
                body = {"query": SERIES, "variables": {"f": f, "g": rng.choice(["MONTH", "WEEK"])}}
            await self._timed("read", client.post("/graphql", json=body))

    def _stats_filter(self, rng: random.Random) -> dict[str, Any]:
        today = dt.date.today()
        start = today - dt.timedelta(days=rng.randint(30, 360))
        end = min(today, start + dt.timedelta(days=rng.randint(7, 180)))
        f: dict[str, Any] = {"from": start.isoformat(), "to": end.isoformat()}
        if rng.random() < 0.6:
            f["regionCode"] = rng.choice(self.regions)
        return f

    # ------------------------------------------------------------ writers

    async def _write(self, client: httpx.AsyncClient, rng: random.Random) -> None:
        self.pushed += 1
        n = self.pushed
        fresh: list[str] = []
        if n % 10 == 0 and self.bad:
            code, body = self.bad[(n // 10) % len(self.bad)]
        elif n % 5 == 0:
            code = "shengjing"
            fresh, body = fresh_wishes(f"SOAK-{n:06d}")
        else:
            code, body = next(self.bodies)
        self.ledger.pushes[code] += 1
        r = await self._timed("write", client.post(f"/ingest/{code}", content=body,
                                                   headers=sign(code, body)))
        if r is None or r.status_code != 200:
            return
        report = r.json()
        self.ledger.batches[report["batchId"]] = (code, report["received"], report["accepted"],
                                                  report["duplicates"], report["rejected"])
        self.ledger.accepted[code] += report["accepted"]
        if fresh and report["accepted"] == FRESH:
            self.ledger.fresh.extend(fresh)


# ---------------------------------------------------------------- processes


def workers_of(server: subprocess.Popen[bytes]) -> list[psutil.Process]:
    """uvicorn's worker processes (spawned children that serve), not its helpers."""
    parent = psutil.Process(server.pid)
    found = []
    for child in parent.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            if "resource_tracker" not in " ".join(child.cmdline()):
                found.append(child)
    return found


def rss_mb(process: psutil.Process) -> float:
    try:
        return process.memory_info().rss / 2**20
    except psutil.Error:
        return float("nan")


def cpu_seconds(process: psutil.Process) -> float:
    try:
        t = process.cpu_times()
        return float(t.user + t.system)
    except psutil.Error:
        return float("nan")


def wait_ready(base: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        time.sleep(0.3)
    raise SystemExit("the hub did not become ready")


async def _accepted_counts(url: str) -> dict[str, int]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("select code, records_accepted from sources")
    finally:
        await conn.close()
    return {r["code"]: r["records_accepted"] for r in rows}


async def _lost(url: str, ledger: Ledger, before: dict[str, int]) -> tuple[int, list[str]]:
    """Records the hub said it took that the database does not hold; and why."""
    notes: list[str] = []
    lost = 0
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "select b.id::text, s.code, b.received, b.accepted, b.duplicates, b.rejected "
            "from batches b join sources s on s.id = b.source where b.id = any($1::uuid[])",
            list(ledger.batches))
        stored = {r[0]: tuple(r[1:]) for r in rows}
        for batch, told in ledger.batches.items():
            if stored.get(batch) != told:
                lost += told[2]
                notes.append(f"batch {batch}: told {told}, stored {stored.get(batch)}")
        after = {r["code"]: r["records_accepted"]
                 for r in await conn.fetch("select code, records_accepted from sources")}
        for code in SOURCES:
            grown = after.get(code, 0) - before.get(code, 0)
            if grown != ledger.accepted[code]:
                notes.append(f"{code}: records_accepted grew {grown}, "
                             f"pushes reported {ledger.accepted[code]} accepted")
                lost += max(0, ledger.accepted[code] - grown)
        held = await conn.fetchval(
            "select count(*) from wishes w join sources s on s.id = w.source "
            "where s.code = 'shengjing' and w.source_id = any($1::text[])", ledger.fresh)
        if held != len(ledger.fresh):
            notes.append(f"fresh wishes: {len(ledger.fresh)} accepted, {held} held")
            lost += len(ledger.fresh) - held
    finally:
        await conn.close()
    return lost, notes


# ---------------------------------------------------------------- report


def _ms(values: list[float], q: float) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    return f"{ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000:.0f}"


def report(load: Load, rss: dict[int, list[float]], cpu: dict[int, float],
           lost: int, notes: list[str], seconds: float) -> bool:
    samples = load.samples
    minutes = int(max((s.at for s in samples), default=0) // 60) + 1
    print(f"\n== soak: {seconds / 60:.1f} min, {load.args.readers} readers, {load.args.writers} "
          f"writers, {load.args.workers} workers, recycle {load.args.recycle}")
    print(f"{'min':>3} {'reqs':>6} {'err':>4} {'read p50':>9} {'p99':>6} {'write p50':>10} {'p99':>6}")
    for m in range(minutes):
        bucket = [s for s in samples if m * 60 <= s.at < (m + 1) * 60]
        reads = [s.seconds for s in bucket if s.kind == "read"]
        writes = [s.seconds for s in bucket if s.kind == "write"]
        errors = sum(1 for s in bucket if s.outcome != "ok")
        print(f"{m + 1:>3} {len(bucket):>6} {errors:>4} {_ms(reads, .5):>9} {_ms(reads, .99):>6} "
              f"{_ms(writes, .5):>10} {_ms(writes, .99):>6}")
    kinds = Counter(s.outcome for s in samples)
    reads = sum(1 for s in samples if s.kind == "read")
    print(f"requests: {len(samples)} ({reads} reads, {len(samples) - reads} writes; "
          f"{len(samples) / seconds:.1f}/s); pushes by source: {dict(load.ledger.pushes)}")
    print("outcomes: " + ", ".join(f"{k} {v}" for k, v in kinds.most_common()))
    print(f"records: {sum(load.ledger.accepted.values())} accepted in {len(load.ledger.batches)} "
          f"stored deliveries, {len(load.ledger.fresh)} fresh wishes checked one by one")
    total_cpu = sum(cpu.values()) or 1.0
    growths = []
    for pid, values in rss.items():
        warm, end = values[0], values[-1]
        growth = (end - warm) / warm * 100
        growths.append(growth)
        print(f"worker {pid}: RSS {warm:.0f} MB after warm-up -> {end:.0f} MB at the end "
              f"({growth:+.1f} %); CPU {cpu[pid]:.0f} s ({cpu[pid] / total_cpu * 100:.0f} %)")
    five = sum(v for k, v in kinds.items() if k.startswith("http 5"))
    checks = [
        ("zero 5xx", five == 0, f"{five}"),
        ("zero records lost", lost == 0, f"{lost}"),
        ("RSS growth < 10 % after warm-up", all(g < 10 for g in growths),
         ", ".join(f"{g:+.1f} %" for g in growths)),
    ]
    for note in notes[:20]:
        print(f"  lost: {note}")
    for name, ok, figure in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {name}: {figure}")
    return all(ok for _, ok, _ in checks)


# ---------------------------------------------------------------- main


async def _sample_ids(base: str) -> tuple[list[str], list[str]]:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        r = await client.post("/graphql", json={"query": "{ wishes(first: 100) { edges { node { id } } } "
                                                       "regions(level: CITY) { code } }"})
        data = r.json()["data"]
        ids = [e["node"]["id"] for e in data["wishes"]["edges"]]
        cities = [c["code"] for c in data["regions"]]
        r = await client.post("/graphql", json={"query": "{ regions(level: COUNTY) { code } }"})
        counties = [c["code"] for c in r.json()["data"]["regions"]]
    return ids, cities + counties[:40]


async def _soak(args: argparse.Namespace, base: str, url: str,
                server: subprocess.Popen[bytes]) -> bool:
    ids, regions = await _sample_ids(base)
    before = await _accepted_counts(url)
    load = Load(base, args, ids, regions)
    workers = workers_of(server)
    rss: dict[int, list[float]] = defaultdict(list)
    cpu0 = {w.pid: cpu_seconds(w) for w in workers}
    print(f"workers: {[w.pid for w in workers]}; RSS at start: "
          f"{', '.join(f'{rss_mb(w):.0f} MB' for w in workers)}", flush=True)

    async def sampler() -> None:
        minute = 0
        while time.monotonic() < load.deadline:
            await asyncio.sleep(min(60.0, max(0.0, load.deadline - time.monotonic())))
            minute += 1
            for w in workers:
                rss[w.pid].append(rss_mb(w))
            done = [s for s in load.samples if s.at >= (minute - 1) * 60]
            print(f"  minute {minute}: {len(done)} requests, "
                  f"{sum(1 for s in done if s.outcome != 'ok')} not ok; RSS "
                  f"{', '.join(f'{rss[w.pid][-1]:.0f} MB' for w in workers)}", flush=True)

    started = time.monotonic()
    await asyncio.gather(load.run(), sampler())
    seconds = time.monotonic() - started
    for w in workers:
        rss[w.pid].append(rss_mb(w))
    cpu = {w.pid: cpu_seconds(w) - cpu0[w.pid] for w in workers}
    lost, notes = await _lost(url, load.ledger, before)
    return report(load, rss, cpu, lost, notes, seconds)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--writers", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--recycle", type=int, default=0,
                        help="requests per connection before a client reconnects (default 0: "
                             "never, keep-alive as long as the server allows)")
    parser.add_argument("--think-read", type=float, default=0.05, help="seconds between reads")
    parser.add_argument("--think-write", type=float, default=0.25, help="seconds between pushes")
    args = parser.parse_args()

    directory = Path(tempfile.mkdtemp(prefix="hub-soak-"))
    server_url = db.start_embedded(directory)
    asyncio.run(db.ensure_database(server_url, "hub"))
    url = db.with_database(server_url, "hub")
    config = directory / "hub.toml"
    lines = ["[public]", "enabled = true", "[security.rate_limit]", "enabled = false"]
    for code, (token, secret) in SOURCES.items():
        lines += [f"[sources.{code}]", f'token = "{token}"', f'secret = "{secret}"']
    config.write_text("\n".join(lines) + "\n")
    env = {**os.environ, "DATABASE_URL": url, "HUB_CONFIG": str(config), "HUB_LOG_LEVEL": "warning"}

    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "hub.cli", "seed", "--scale", "demo"], env=env, cwd=ROOT,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    print(f"seeded (demo) in {time.monotonic() - started:.0f} s", flush=True)
    port = free_port()
    log = directory / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "hub.cli", "serve", "--port", str(port),
             "--workers", str(args.workers)],
            env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base)
        ok = asyncio.run(_soak(args, base, url, server))
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(30)
    errors = [line for line in log.read_text(errors="replace").splitlines()
              if "Traceback" in line or '"level": "ERROR"' in line or " ERROR " in line]
    print(f"server log: {len(errors)} error lines; its log and database are in {directory} "
          "(delete it when done)")
    for line in errors[:5]:
        print(f"  {line[:200]}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
