"""Ingest throughput: 盛京使者 pushes through the real HTTP endpoint vs a bare COPY.

    python bench/ingest.py [--records 200000] [--batch 1000] [--concurrency 4]

1. A fresh database (a scratch database on ``DATABASE_URL``'s server, else an
   embedded server in a temporary folder), migrated.
2. The hub (``hub.app.create_app``, with the push endpoint) served by
   uvicorn on 127.0.0.1 in a subprocess, as ``hub serve`` serves it.
3. ``--records`` deterministic, realistic XY wishes, pushed as signed
   batches of ``--batch`` by ``--concurrency`` clients; bodies are built and
   signed before the clock starts. Prints records/s, the CPU each record cost
   the hub server, its PostgreSQL backends, the clients and the whole machine,
   and how busy the machine's cores were.
4. The rows the hub stored (``wishes`` and their ``claims``) read back and
   loaded by a bare ``COPY`` into scratch tables without indexes, then into
   copies that carry ``wishes``' indexes. Prints rows/s and hub/COPY ratios.

``--serial`` stores the same batches one at a time in this process on one
connection and prints only the CPU a record costs the hub (the adapter's
thread included) and its backend: no waits, no switching between four
deliveries.

Target on the development machine (the adapters' issue): at least 10,000
records/s. **Not met reliably.** The run is CPU-bound (the cores 90-91 % busy,
the clients 3 us a record), so records/s is two cores divided by the CPU a
record costs, and on this VM the same code's CPU per record moves by a third
between hours with nothing else running (hub 59-89 us, PostgreSQL 112-170 us):
quiet runs gave 7,312-10,603 records/s (median 9,635, ten runs, early night)
and 7,736-9,204 (median 8,726, five runs, late night). Compare CPU per record,
or alternate runs of the two codes being compared.

Where a record's CPU goes, 2026-12-06 night (one connection,
pg_stat_statements, 30,000 records, sequential; us a record):

* PostgreSQL (~94): the wishes' upsert 60, of it the statement triggers'
  captures 9.5 (flows 6.1: ~1.85 rows a wish through a lateral VALUES;
  wishes 1.9; wish_events 1.5); the commit-time folds 26.4 (wish cells
  14.2: 21 grouping sets over ~900 rows, then ~380 wide cells updated, about
  a third of it; flow cells 9.2; histograms 3.0); claims 2.0. Dropping
  indexes on an empty table, per record: all 15 statistics indexes 20
  (the six hours-first ones 7, the six flow ones ~6), the five list indexes
  ~9, title_trgm ~3. None is unused: after bench/stats.py at province scale
  every statistics index had scans (hours-first 11,752-149,328, the day ones
  3,270-9,667, the flow ones 822-42,831); the list pages' indexes (0 scans
  there: that bench reads no list) are the ones hub.sql.plan's list pages
  use. Their overlaps differ by the leading column (hours, category, group,
  region): a read served by a sibling instead would filter ~13-19 times the
  rows (estimated, a category or group among ~18; not measured).
* hub (~60 serial): the adapter 39.5 (JSON ~10 of a record's CPU in a
  sampled profile, Beijing times ~6, frozen dataclasses ~4-7); asyncpg
  encoding the ``ingest_wish`` rows ~9; the store's planning and guards ~3.
* Waits, sampled every 20 ms over a run with four clients: of the four
  deliveries in flight, ~1.0 in the wishes' upsert, ~0.9 idle in their
  transaction (the worker busy with another request), ~0.45 in the
  commit's folds, only ~0.09 waiting for a lock (the sources row). Folding
  before the counters' update and a shorter GIL switch interval changed
  nothing measurable. The stored medians' refresh (every 0.5 s, in the
  server) costs PostgreSQL ~8 us a record while deliveries keep marking
  periods: ``[statistics] refresh_medians_seconds = 0`` against the default,
  alternated three times, PostgreSQL 168/154/127 -> 131/120/119 us a record
  with the hub's own CPU 93/80/68 -> 74/69/68 (the VM's speed moving under
  both); at equal hub CPU 127 -> 119 us, 9,092 -> 9,516 records/s (~4-5 %).
  Kept: without it every read of a period an ingest touched sums histograms
  until the next refresh.

Tried and not kept: an orjson fast path for bodies (11 -> 7 us, under 2 % of a
record, for a second parser and a gate keeping its reading identical to
json's).

The figure over time (200,000 records, batches of 1,000, 4 clients, 1 worker):

* the adapters' issue (2026-11-23, before the flow cells, wish events and
  dispatch): 9,832 records/s; 2 workers 8,028 (two cores shared with
  PostgreSQL);
* the code when the one-home issue began (1f0ad49) against main (3f15ff4 and
  this file's printing), alternated five times each on 2026-12-06 late night:
  6,118-7,237 records/s (median 6,710) -> 7,736-9,204 (median 8,726), +30 %,
  every run of main above every run of the older code (in between, main had
  for a while deadlocked under four clients, 40P01 -> 503: fixed);
* what bought it, hub + PostgreSQL CPU per record: the commit-time folds as
  one GROUPING SETS pass over per-county-day sums (the per-record SQL budget
  783 -> 343 us), one array of ``ingest_wish`` rows instead of 24 parallel
  arrays (asyncpg's encoding 10.4 -> 4.5 us), two statistics indexes no read
  used dropped, the mirrors' shadowing skipped when no mirror is named, the
  translation checking letters-only texts once (adapter 43 -> 39.5 us).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
import httpx  # noqa: E402

from bench._server import free_port  # noqa: E402
from hub import db  # noqa: E402
from hub.bootstrap import prepare_database  # noqa: E402
from hub.commands.serve import HTTP_PROTOCOL  # noqa: E402

TOKEN = "bench-token"
SECRET = "bench-secret"

# 沈阳's districts as people type them: full, without the city, without suffix.
_DISTRICTS = {
    "210102": ("和平区", "和平"), "210103": ("沈河区", "沈河"), "210104": ("大东区", "大东"),
    "210105": ("皇姑区", "皇姑"), "210106": ("铁西区", "铁西"), "210111": ("苏家屯区", "苏家屯"),
    "210112": ("浑南区", "浑南"), "210113": ("沈北新区", "沈北"), "210114": ("于洪区", "于洪"),
    "210115": ("辽中区", "辽中"), "210123": ("康平县", "康平"), "210124": ("法库县", "法库"),
    "210181": ("新民市", "新民"),
}  # fmt: skip
_TYPES = (
    "学习用品", "文体产品", "图书读物", "医疗器械", "食品药品", "衣物鞋帽", "小家电日用品",
    "理论政策宣讲", "文化艺术演出", "学习辅导", "科普讲座", "法律援助", "卫生环保", "家政培训",
    "生产求助", "生活求助", "医疗求助", "其他物品",
)  # fmt: skip
_GROUPS = ("留守妇女", "留守儿童", "老人", "空巢老人", "独居老人", "残疾人", "老党员", "困难群众")
_SURNAMES = ("王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "欧阳", "上官")
_GIVEN = "建国伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂兰"
_TITLES = ("想要一部电梯", "想要一台轮椅", "想学习书法", "想要一套课外读物", "希望有人陪伴聊天")
_STATUS = ("0", "1", "1", "2", "3", "3", "9")
_CLAIMERS = (
    {"type": "队伍", "name": "华清爱心联盟志愿者服务队", "id": "T-88"},
    {"type": "组织", "name": "霁虹街道办事处", "id": "ORG-17"},
    {"type": "企业", "name": "沈阳北方重工集团", "id": "E-12"},
)


# ---------------------------------------------------------------- data


def _places() -> dict[str, list[tuple[str, str]]]:
    """Per district: (street, community) name pairs from the shipped reference data."""
    data = json.loads((ROOT / "hub/data/places_liaoning.json").read_text(encoding="utf-8"))
    towns, villages = data["towns"], data["villages"]
    pairs: dict[str, list[tuple[str, str]]] = {code: [] for code in _DISTRICTS}
    for code, name in villages.items():
        county = code[:6]
        if county in pairs and code[:9] in towns:
            pairs[county].append((towns[code[:9]], name))
    return {k: sorted(v) for k, v in pairs.items() if v}


def records(n: int, seed: int = 2022) -> Iterator[dict[str, object]]:
    """``n`` XY wishes, the same for the same seed."""
    rng = random.Random(seed)
    places = _places()
    districts = sorted(places)
    for i in range(n):
        day, number = divmod(i, 5000)
        date = f"2022-{3 + day // 28:02d}-{1 + day % 28:02d}"
        county = districts[i % len(districts)]
        full, short = _DISTRICTS[county]
        street, community = rng.choice(places[county])
        status = rng.choice(_STATUS)
        hour = 8 + number % 10
        created = f"{date} {hour:02d}:{number % 60:02d}:00"
        claimed = f"{date} {hour + 1:02d}:00:00" if status in ("2", "3") else ""
        finished = f"{date} {hour + 3:02d}:30:00" if status == "3" else None
        name = rng.choice(_SURNAMES) + "".join(rng.choices(_GIVEN, k=rng.choice((1, 2))))
        yield {
            "recordType": "XY",
            "xyId": f"SJ{date.replace('-', '')}{number:04d}",
            "xyTitle": rng.choice(_TITLES),
            "xyContent": "老旧小区没有电梯，腿脚不便的老人出门难",
            "xyType": rng.choice(_TYPES),
            "xyKind": rng.choice(("1", "2")),
            "objType": rng.choice(_GROUPS),
            "objName": name,
            "objPhone": f"138{rng.randrange(10**8):08d}",
            "areaName": rng.choice((f"沈阳市{full}", full, short)),
            "streetName": street,
            "communityName": community,
            "stationName": f"{community}新时代文明实践站",
            "status": status,
            "createTime": created,
            "claimTime": claimed,
            "finishTime": finished,
            "claimers": [rng.choice(_CLAIMERS)] if claimed else [],
            "updateTime": f"{date} {hour + 4:02d}:00:00",
            "delFlag": 0,
        }


def signed_batches(n: int, size: int) -> list[tuple[bytes, str]]:
    out: list[tuple[bytes, str]] = []
    batch: list[dict[str, object]] = []
    for record in records(n):
        batch.append(record)
        if len(batch) == size:
            out.append(_sign(batch))
            batch = []
    if batch:
        out.append(_sign(batch))
    return out


def _sign(batch: list[dict[str, object]]) -> tuple[bytes, str]:
    body = json.dumps(
        {"platform": "shengjing", "pushTime": "2022-03-14 09:30:00", "records": batch},
        ensure_ascii=False,
    ).encode()
    return body, "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


# ---------------------------------------------------------------- the server


def bench_app() -> object:
    """The hub as ``hub serve`` builds it, plus the push endpoint if not yet mounted."""
    from starlette.routing import Route

    from hub.app import create_app

    app = create_app()
    paths = {getattr(r, "path", None) for r in app.routes}
    if "/ingest/{code}" not in paths:
        from hub.http.ingest import routes

        for route in routes:
            if isinstance(route, Route):
                app.router.routes.append(route)
    return app


def start_server(url: str, config: Path, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "HUB_CONFIG": str(config)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    cmd = [
        sys.executable, "-m", "uvicorn", "ingest:bench_app", "--factory",
        "--app-dir", str(Path(__file__).parent), "--host", "127.0.0.1", "--port", str(port),
        "--workers", str(workers), "--no-access-log", "--log-level", "warning",
        "--http", HTTP_PROTOCOL,  # as `hub serve` runs it
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT)
    return proc, f"http://127.0.0.1:{port}"


async def wait_ready(base: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    async with httpx.AsyncClient(base_url=base) as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise SystemExit(f"the hub exited with status {proc.returncode}")
            try:
                # The route exists once this is 405 (it takes POST only).
                response = await client.get("/ingest/shengjing")
                if response.status_code == 405:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit("the hub did not answer within 30 s")


# ---------------------------------------------------------------- the runs


async def push(base: str, batches: list[tuple[bytes, str]], concurrency: int) -> dict[str, int]:
    totals = {"received": 0, "accepted": 0, "duplicates": 0, "rejected": 0}
    queue: asyncio.Queue[tuple[bytes, str]] = asyncio.Queue()
    for item in batches:
        queue.put_nowait(item)

    async def client_loop(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            body, signature = queue.get_nowait()
            response = await client.post(
                "/ingest/shengjing",
                content=body,
                headers={
                    "Authorization": f"Bearer {TOKEN}",
                    "X-Hub-Signature-256": signature,
                    "Content-Type": "application/json",
                },
            )
            if response.status_code != 200:
                raise SystemExit(f"push answered {response.status_code}: {response.text[:200]}")
            report = response.json()
            for key in totals:
                totals[key] += report[key]

    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:
        await asyncio.gather(*(client_loop(client) for _ in range(concurrency)))
    return totals


_HUB_BACKENDS = """
select pid from pg_stat_activity
 where datname = current_database() and application_name = 'liaoning-hub' and pid <> pg_backend_pid()
"""


def _cpu_seconds(pids: list[int]) -> float:
    """User and system CPU of these processes (on this machine) so far; 0 for one gone."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def _machine_cpu() -> tuple[float, float, float]:
    """CPU seconds this machine's cores have been busy, waiting for I/O, and stolen by its host."""
    fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, _idle, iowait, irq, softirq, steal = fields
    tick = os.sysconf("SC_CLK_TCK")
    return (user + nice + system + irq + softirq) / tick, iowait / tick, steal / tick


async def serial(url: str, batches: list[tuple[bytes, str]], records: int) -> None:
    """The same batches stored one at a time through ``hub.ingest.ingest`` in
    this process, on one connection: the CPU a record costs the hub (the
    adapter in its thread included) and its PostgreSQL backend, without the
    waits, the switching and the other engineers' load that move the HTTP
    run's figures by 10-20 %. The first batch (it adds the towns) is left out."""
    from hub.ingest import ingest

    pool = await db.create_pool(url, min_size=1, max_size=1)
    try:
        backend: int = await pool.fetchval("select pg_backend_pid()")
        await ingest(pool, "shengjing", batches[0][0])
        counted = records - sum(1 for _ in json.loads(batches[0][0])["records"])
        pg_cpu, hub_cpu = _cpu_seconds([backend]), time.process_time()
        started = time.perf_counter()
        for body, _ in batches[1:]:
            await ingest(pool, "shengjing", body)
        seconds = time.perf_counter() - started
        hub_cpu, pg_cpu = time.process_time() - hub_cpu, _cpu_seconds([backend]) - pg_cpu
    finally:
        await pool.close()
    print(
        f"serial: {counted} records, one batch at a time, in {seconds:.2f} s; CPU per record: "
        f"hub {hub_cpu / counted * 1e6:.1f} us, PostgreSQL {pg_cpu / counted * 1e6:.1f} us"
    )


async def copy_rows(conn: asyncpg.Connection, table: str, scratch: str, *, indexed: bool) -> float:
    """Seconds to COPY every row of ``table`` into a fresh scratch copy of it."""
    # Table names are this script's constants, never input.
    rows = await conn.fetch(f"select * from {table}")
    columns = list(rows[0].keys()) if rows else []
    like = "including defaults including indexes" if indexed else ""
    await conn.execute(f"drop table if exists {scratch}")
    await conn.execute(f"create unlogged table {scratch} (like {table} {like})")
    started = time.perf_counter()
    await conn.copy_records_to_table(scratch, records=rows, columns=columns)
    return time.perf_counter() - started


async def main(args: argparse.Namespace) -> None:
    server_url = os.environ.get("DATABASE_URL")
    temp = tempfile.TemporaryDirectory(prefix="hub-bench-")
    if not server_url:
        # Reused across runs (it starts in about a second); the database is new.
        server_url = db.start_embedded(Path(tempfile.gettempdir()) / "hub-bench-data")
    name = f"hub_bench_{uuid.uuid4().hex[:10]}"
    await db.ensure_database(server_url, name)
    url = db.with_database(server_url, name)
    config = Path(temp.name) / "hub.toml"
    config.write_text(
        f'[sources.shengjing]\ntoken = "{TOKEN}"\nsecret = "{SECRET}"\n', encoding="utf-8"
    )
    proc = None
    try:
        conn = await db.connect(url)
        try:
            await prepare_database(conn)
        finally:
            await conn.close()
        started = time.perf_counter()
        batches = signed_batches(args.records, args.batch)
        megabytes = sum(len(b) for b, _ in batches) / 1e6
        print(
            f"built {args.records} records in {len(batches)} signed batches "
            f"({megabytes:.0f} MB) in {time.perf_counter() - started:.1f} s"
        )
        if args.serial:
            await serial(url, batches, args.records)
            return
        proc, base = start_server(url, config, args.workers)
        await wait_ready(base, proc)

        server_cpu = _cpu_seconds([proc.pid])
        watch = await db.connect(url)
        try:
            before, client_cpu = _machine_cpu(), time.process_time()
            started = time.perf_counter()
            totals = await push(base, batches, args.concurrency)
            hub_seconds = time.perf_counter() - started
            machine = [b - a for a, b in zip(before, _machine_cpu(), strict=True)]
            client_cpu = time.process_time() - client_cpu
            # The hub's pool connections are still open: their backends' CPU.
            backends = [r["pid"] for r in await watch.fetch(_HUB_BACKENDS)]
        finally:
            await watch.close()
        server_cpu = _cpu_seconds([proc.pid]) - server_cpu
        hub_rate = args.records / hub_seconds
        print(
            f"hub:  {args.records} records via POST /ingest/shengjing "
            f"(batch {args.batch}, {args.concurrency} clients, {args.workers} worker) "
            f"in {hub_seconds:.2f} s = {hub_rate:,.0f} records/s"
        )
        print(
            f"      accepted {totals['accepted']}, duplicates {totals['duplicates']}, "
            f"rejected {totals['rejected']}"
        )
        # CPU per record does not depend on what else the machine runs, as
        # records/s does (a shared machine): compare these across runs.
        pg_cpu = _cpu_seconds(backends)
        print(
            f"      CPU per record: hub server {server_cpu / args.records * 1e6:.0f} us, "
            f"PostgreSQL (its {len(backends)} connections, since they opened) "
            f"{pg_cpu / args.records * 1e6:.0f} us; the clients {client_cpu / args.records * 1e6:.0f} us, "
            f"the whole machine {machine[0] / args.records * 1e6:.0f} us"
        )
        cores = hub_seconds * (os.cpu_count() or 1)
        print(
            f"      the machine's cores: {machine[0] / cores:.0%} busy, "
            f"{machine[1] / cores:.0%} waiting for I/O, {machine[2] / cores:.0%} stolen by its host"
        )
        proc.terminate()
        proc.wait(timeout=30)
        proc = None

        conn = await db.connect(url)
        try:
            wishes = await conn.fetchval("select count(*) from wishes")
            claims = await conn.fetchval("select count(*) from claims")
            for indexed in (False, True):
                seconds = await copy_rows(conn, "wishes", "bench_copy_wishes", indexed=indexed)
                seconds += await copy_rows(conn, "claims", "bench_copy_claims", indexed=indexed)
                rate = wishes / seconds
                label = "COPY into tables with the same indexes" if indexed else "bare COPY"
                print(
                    f"{label}: {wishes} wishes + {claims} claims in {seconds:.2f} s "
                    f"= {rate:,.0f} records/s; hub/COPY = {hub_rate / rate:.2f}"
                )
        finally:
            await conn.close()
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
        admin = await db.connect(server_url)
        try:
            await admin.execute(f'drop database if exists "{name}" with (force)')
        finally:
            await admin.close()
        temp.cleanup()


def _args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--records", type=int, default=200_000)
    p.add_argument("--batch", type=int, default=1000)
    p.add_argument("--concurrency", type=int, default=4)
    p.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    p.add_argument("--serial", action="store_true",
                   help="store the batches one at a time in this process: CPU per record only")
    return p.parse_args()


if __name__ == "__main__":
    asyncio.run(main(_args()))
