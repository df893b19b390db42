"""The hub beside PostGraphile v4 and a bare floor, on one PostgreSQL database.

Three servers over the same embedded PostgreSQL, 2 workers each, all on
127.0.0.1: the hub as shipped (``hub serve --workers 2``), PostGraphile v4
(``--cluster-workers 2``; installed with npm into the data directory, pointed
at the hub's tables with virtual foreign keys and one SQL function for a
claim's team, as in the field notes) and a bare starlette + asyncpg endpoint
running one hand-written SQL statement per page (``bench/_floor.py``).

Four pages and their mix (50/25/15/10):

- list:   the 50 newest wishes of a county and status, with region and claims' team names
          (and, for a reader who scrolls, the next pages through ``after`` cursors)
- detail: one wish with its claims and their teams
- teams:  20 teams of a county with their region
- counts: a county's wish counts by status

Each page's requests (and the mix's) are one stream of variable sets drawn in
advance with one seed and sent in the same order to every server (wrk reads
the stream from a file; thread t of n sends requests t, t + n, ...).
``--traffic`` says how the variables vary:

- ``real`` (the default: the issue's target for the hub "as shipped" is stated
  on traffic like a province's, and a benchmark that only its cache's best
  case flatters says little): counties drawn by population; list pages of
  status OPEN 55 %, FULFILLED 25 %, CLAIMED 15 %, CANCELLED 5 %, the first page
  80 % of the time, the second 12 %, the third 5 %, the fourth 3 % (through
  each server's own cursors, walked once before measuring); wish ids Zipf-distributed (exponent
  0.8) over all visible wishes by recency, the newest most; and while
  measuring a platform push of 2 records every 3 s through the ingest path,
  so that the data version moves and the hub's caches are invalidated as in
  production. Why each choice: the comments at ``POPULATION`` below.
- ``uniform``: the earlier pools (16 counties x 4 statuses, 200 sampled wishes,
  first pages only, no writes): the figures of earlier sessions, and the
  response cache's best case (hit rates of 99-100 %).

Rounds alternate the servers (their order rotates), each run has the same
time and connections. Before measuring, every server's answers are compared
for sampled variables. Printed per page and server: req/s, p50, p99 and CPU
per request of the server's processes and of PostgreSQL's (from
``/proc/<pid>/stat``), medians over the rounds; then the ratios, and last
``mix ratio hub/postgraphile = R``.

    python bench/compare.py [--wishes 300000] [--seconds 20] [--connections 32] [--rounds 3]
                            [--cache on|off|notified] [--traffic real|uniform] [--push-seconds S]
                            [--before]

``--cache off`` serves the hub with its response cache off (``[cache]
responses = false``: the engine's own speed); ``on`` (default) as shipped,
and the hub's lines then show the cache's hit rate over the run (and, with
writes, how many pushes committed during it); ``notified`` as ``on`` with
``[cache] confirm_version = false`` (a hit reads no version: it trusts the
listener's notifications, docs/operators.md "How stale").

``--before`` adds the hub with its query planner off (``HUB_PLANNER=off``:
every field through the resolvers), in the same rounds, and prints the hub's
ratio to it and both CPU figures.

Data live in an embedded server under ``HUB_DATA_DIR`` (default
``./.hub-data/bench-compare``), loaded once through the wenhuayun adapter
and the ingest path, and reused. Needs ``wrk`` (installed with apt-get when
missing and running as root) and Node >= 18 with npm.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import itertools
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench._data import COUNTIES, load_wishes  # noqa: E402
from bench._server import free_port, wait_for  # noqa: E402
from hub import db  # noqa: E402
from hub.ids import encode_id  # noqa: E402

PAGES = ("list", "detail", "teams", "counts")
MIX = {"list": 50, "detail": 25, "teams": 15, "counts": 10}
STATUSES = ("OPEN", "CLAIMED", "FULFILLED", "CANCELLED")
SERVERS = ("hub", "postgraphile", "floor")
# With --before: the hub again with its query planner off (HUB_PLANNER=off),
# measured in the same rounds: the engine before and after the planner.
BEFORE = "hub-resolvers"

# ---------------------------------------------------------------- the documents

HUB = {
    "list": """query List($region: String!, $status: WishStatus!, $after: String) {
  wishes(first: 50, after: $after, filter: {regionCode: $region, status: [$status]}) {
    edges { node { id title status submittedAt region { name }
                   claims { claimantName team { name } } } }
  }
}""",
    "detail": """query Detail($id: ID!) {
  wish(id: $id) { id title status category submittedAt claimedAt region { name }
                  claims { claimantKind claimantName claimedAt team { name } } }
}""",
    "teams": """query Teams($region: String!) {
  teams(first: 20, filter: {regionCode: $region}) {
    edges { node { id name memberCount region { name } } }
  }
}""",
    "counts": """query Counts($region: String!) {
  stats(filter: {regionCode: $region}) { wishes { open claimed fulfilled cancelled } }
}""",
}

_PG_VISIBLE = "deleted: false, shadowed: false"
POSTGRAPHILE = {
    "list": f"""query List($county: String!, $status: String!, $after: Cursor) {{
  allWishes(first: 50, after: $after, orderBy: [SUBMITTED_AT_DESC, ID_DESC],
            condition: {{countyCode: $county, status: $status, {_PG_VISIBLE}}}) {{
    nodes {{ id title status submittedAt regionByRegionCode {{ name }}
             claimsByWishId(orderBy: ORDINAL_ASC) {{ nodes {{ claimantName team {{ name }} }} }} }}
  }}
}}""",
    "detail": """query Detail($id: BigInt!) {
  wishById(id: $id) { id title status category submittedAt claimedAt deleted shadowed
                      regionByRegionCode { name }
                      claimsByWishId(orderBy: ORDINAL_ASC) {
                        nodes { claimantKind claimantName claimedAt team { name } } } }
}""",
    "teams": """query Teams($county: String!) {
  allTeams(first: 20, orderBy: ID_ASC, condition: {countyCode: $county, deleted: false}) {
    nodes { id name memberCount regionByRegionCode { name } }
  }
}""",
    "counts": "query Counts($county: String!) {\n" + "\n".join(
        f'  {s.lower()}: allWishes(condition: {{countyCode: $county, status: "{s}", '
        f"{_PG_VISIBLE}}}) {{ totalCount }}" for s in STATUSES) + "\n}",
}

# PostGraphile learns the joins the hub's migrations do not declare.
_TAGS = """{
  version: 1,
  config: {
    class: {
      wishes: { tags: { foreignKey: "(region_code) references regions (code)" } },
      teams: { tags: { foreignKey: "(region_code) references regions (code)" } },
      claims: { tags: { foreignKey: "(wish_id) references wishes (id)" } },
    },
  },
}
"""
_CLAIM_TEAM = """
create or replace function claims_team(c claims) returns teams
language sql stable as $$
  select t.* from teams t join wishes w on w.id = c.wish_id
   where t.source = w.source and t.source_id = c.team_ref and not t.deleted
$$
"""


# Where the next list page starts, by (county, status, depth, server kind): each
# server's own cursor for the end of page ``depth`` (``_cursors``).
Cursors = dict[tuple[str, str, int, str], Any]


def _kind(server: str) -> str:
    return "hub" if server.startswith("hub") else server


@dataclass(frozen=True)
class Request:
    """One page with one set of variables, as each server is asked for it."""

    page: str
    county: str = ""
    status: str = ""
    wish_id: int = 0
    depth: int = 0  # list pages: pages skipped by following cursors (0: the first page)

    def variables(self, server: str, cursors: Cursors) -> dict[str, Any]:
        kind = _kind(server)
        if self.page == "detail":
            return {"id": encode_id("Wish", self.wish_id) if kind == "hub"
                    else str(self.wish_id) if kind == "postgraphile" else self.wish_id}
        county = {"region" if kind == "hub" else "county": self.county}
        if self.page != "list":
            return county
        after = cursors[(self.county, self.status, self.depth, kind)] if self.depth else None
        if kind == "floor":
            return {**county, "status": self.status, **({"after": after} if after else {})}
        return {**county, "status": self.status, "after": after}

    def body(self, server: str, cursors: Cursors) -> tuple[str, str]:
        """(path, JSON body) for ``server``."""
        path, head, tail = _frame(self.page, server)
        return path, head + json.dumps(self.variables(server, cursors)) + tail


def _frame(page: str, server: str) -> tuple[str, str, str]:
    """(path, text before the variables, text after them) of ``page``'s body."""
    kind = _kind(server)
    if kind == "floor":
        return f"/{page}", "", ""
    doc = HUB[page] if kind == "hub" else POSTGRAPHILE[page]
    return "/graphql", '{"query": ' + json.dumps(doc) + ', "variables": ', "}"


# ---------------------------------------------------------------- traffic

# Real traffic (``--traffic real``). Each choice is what a province's wish walls
# (公众号/小程序 pages of a county's wishes), dashboards and mini-programs do:
#
# Readers come from where people live: a county is drawn by its resident
# population (approximate, in ten-thousands, rounded; the 16 counties of the
# bench data, 沈阳 铁西 to 本溪县, a ten-to-one spread as in the province).
POPULATION = {
    "210102": 111, "210106": 183, "210112": 54, "210202": 38, "210303": 30, "210521": 24,
    "210604": 17, "210703": 40, "210802": 24, "210902": 30, "211002": 22, "211102": 28,
    "211202": 34, "211302": 45, "211421": 51, "211481": 45,
}
# A wall's default tab is the wishes waiting for someone (待认领); 已实现 is the
# showcase; claimed and cancelled ones are looked at by the few who follow up.
STATUS_WEIGHTS = {"OPEN": 55, "FULFILLED": 25, "CLAIMED": 15, "CANCELLED": 5}
# Most readers see the first page only; a few scroll ("load more": the next
# page's `after` cursor), fewer the farther: pages 1..4.
DEPTH_WEIGHTS = (80, 12, 5, 3)
# A wish is opened from a wall, a shared link or a search: popularity is
# Zipf-like over ALL visible wishes by recency rank (the newest, which the walls'
# first pages show, most), with the exponent web request streams show
# (Breslau et al., 1999: 0.64-0.83); 0.8 is the hard end for a cache of the two
# likely.
ZIPF = 0.8
# Writes: ~900,000 wishes a year ≈ 2,500 a day, each changing ~3 times
# (submitted, claimed, fulfilled): ~7,400 record changes a day, ~0.17/s over 12
# waking hours, ~0.5/s in a busy hour. Five platforms and the ledgers (six
# sources), each pushing its changes every ~15 s when it has any, make a push
# every ~2.5 s of one or two records. The benchmark pushes every PUSH_SECONDS,
# PUSH_RECORDS records (a new wish, and a claim of one pushed earlier):
# ~0.67 changes/s, a busy hour. Every push moves the data version, so the
# response cache is invalidated as often as in production. All come as 文化云
# records: which platform pushed makes no difference to the caches.
PUSH_SECONDS = 3.0
PUSH_RECORDS = 2
MAX_DEPTH = len(DEPTH_WEIGHTS) - 1


def _streams(traffic: str, sampled: list[int], by_recency: list[int], length: int,
             rng: random.Random) -> dict[str, list[Request]]:
    """The requests of each page and of the mix, in the order sent (the same for
    every server: one seed)."""
    def draw(page: str, n: int) -> list[Request]:
        if traffic == "uniform":  # the earlier pools: 16 x 4 list pages, 200 wishes
            if page == "list":
                return [Request("list", county=rng.choice(COUNTIES), status=rng.choice(STATUSES))
                        for _ in range(n)]
            if page == "detail":
                return [Request("detail", wish_id=rng.choice(sampled)) for _ in range(n)]
            return [Request(page, county=rng.choice(COUNTIES)) for _ in range(n)]
        counties = rng.choices(list(POPULATION), weights=list(POPULATION.values()), k=n)
        if page == "list":
            statuses = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()), k=n)
            depths = rng.choices(range(len(DEPTH_WEIGHTS)), weights=DEPTH_WEIGHTS, k=n)
            return [Request("list", county=c, status=s, depth=d)
                    for c, s, d in zip(counties, statuses, depths, strict=True)]
        if page == "detail":
            return [Request("detail", wish_id=i)
                    for i in rng.choices(by_recency, cum_weights=zipf, k=n)]
        return [Request(page, county=c) for c in counties]

    zipf = list(itertools.accumulate((r + 1) ** -ZIPF for r in range(len(by_recency))))
    streams = {page: draw(page, length) for page in PAGES}
    order = rng.choices(PAGES, weights=[MIX[p] for p in PAGES], k=length)
    drawn = {page: iter(draw(page, order.count(page))) for page in PAGES}
    return {**streams, "mix": [next(drawn[page]) for page in order]}


_CURSOR_DOCS = {
    "hub": """query C($region: String!, $status: WishStatus!, $after: String) {
  wishes(first: 50, after: $after, filter: {regionCode: $region, status: [$status]}) {
    pageInfo { endCursor } } }""",
    "postgraphile": f"""query C($county: String!, $status: String!, $after: Cursor) {{
  allWishes(first: 50, after: $after, orderBy: [SUBMITTED_AT_DESC, ID_DESC],
            condition: {{countyCode: $county, status: $status, {_PG_VISIBLE}}}) {{
    pageInfo {{ endCursor }} }} }}""",
}


def _cursors(ports: dict[str, int], servers: tuple[str, ...]) -> Cursors:
    """Each server's cursor at the end of pages 1..MAX_DEPTH of every county and
    status, by walking the pages as a reader who scrolls does."""
    cursors: Cursors = {}
    with httpx.Client(timeout=30) as client:
        for kind in dict.fromkeys(_kind(s) for s in servers):
            port = ports[next(s for s in servers if _kind(s) == kind)]
            for county in COUNTIES:
                for status in STATUSES:
                    for depth in range(1, MAX_DEPTH + 1):
                        req = Request("list", county=county, status=status, depth=depth - 1)
                        variables = req.variables(kind, cursors)
                        if kind == "floor":
                            rows = client.post(f"http://127.0.0.1:{port}/list",
                                               json=variables).json()
                            cursor: Any = [rows[-1]["submittedAt"], rows[-1]["id"]] if rows else None
                        else:
                            data = client.post(f"http://127.0.0.1:{port}/graphql", json={
                                "query": _CURSOR_DOCS[kind], "variables": variables}).json()["data"]
                            found = data["wishes" if kind == "hub" else "allWishes"]["pageInfo"]
                            cursor = found["endCursor"]
                        if cursor is None:
                            raise SystemExit(f"{kind}: no page {depth + 1} of {county} {status}")
                        cursors[(county, status, depth, kind)] = cursor
    return cursors


# ---------------------------------------------------------------- same answers

def _instant(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _wish(node: dict[str, Any], server: str, detail: bool) -> tuple[Any, ...]:
    if server == "floor":
        region, claims = node["region"], node["claims"]
        teams = [c["team"] for c in claims]
    else:
        region = (node.get("region") or node.get("regionByRegionCode") or {})["name"]
        claims = node["claims"] if server.startswith("hub") else node["claimsByWishId"]["nodes"]
        teams = [(c["team"] or {}).get("name") for c in claims]
    return (node["title"], node["status"], _instant(node["submittedAt"]),
            _instant(node.get("claimedAt")), node.get("category"), region,
            [(c["claimantName"], t, *((c["claimantKind"], _instant(c["claimedAt"])) if detail else ()))
             for c, t in zip(claims, teams, strict=True)])


def _normalise(page: str, server: str, answer: Any) -> Any:
    """The data of an answer, in one shape for every server (raises on errors)."""
    if server != "floor":
        if answer.get("errors"):
            raise ValueError(f"{server} answered errors: {answer['errors']}")
        answer = answer["data"]
    if page == "list":
        rows = (answer if server == "floor" else
                [e["node"] for e in answer["wishes"]["edges"]] if server.startswith("hub") else
                answer["allWishes"]["nodes"])
        return [_wish(r, server, detail=False) for r in rows]
    if page == "detail":
        row = answer if server == "floor" else answer["wish"] if server.startswith("hub") else answer["wishById"]
        if server == "postgraphile" and row and (row["deleted"] or row["shadowed"]):
            row = None
        return row and _wish(row, server, detail=True)
    if page == "teams":
        rows = (answer if server == "floor" else
                [e["node"] for e in answer["teams"]["edges"]] if server.startswith("hub") else
                answer["allTeams"]["nodes"])
        return [(r["name"], r["memberCount"],
                 r["region"] if server == "floor" else
                 (r.get("region") or r.get("regionByRegionCode"))["name"]) for r in rows]
    if server == "floor":
        return {s.lower(): answer.get(s, 0) for s in STATUSES}
    if server.startswith("hub"):
        return answer["stats"]["wishes"]
    return {s.lower(): answer[s.lower()]["totalCount"] for s in STATUSES}


def _check(ports: dict[str, int], streams: dict[str, list[Request]], cursors: Cursors,
           rng: random.Random, servers: tuple[str, ...]) -> bool:
    same = True
    with httpx.Client(timeout=30) as client:
        for page in PAGES:
            distinct = list(dict.fromkeys(streams[page]))
            sample = rng.sample(distinct, min(5, len(distinct)))
            deep = [r for r in distinct if r.depth]
            if deep and not any(r.depth for r in sample):
                sample[-1] = rng.choice(deep)  # a page after a cursor, too
            agreed = 0
            for req in sample:
                answers = {}
                for server in servers:
                    path, body = req.body(server, cursors)
                    resp = client.post(f"http://127.0.0.1:{ports[server]}{path}", content=body,
                                       headers={"content-type": "application/json"})
                    answers[server] = _normalise(page, server, resp.json())
                if all(a == answers["hub"] for a in answers.values()) and answers["hub"]:
                    agreed += 1
                else:
                    same = False
                    print(f"  MISMATCH {page} {req}:")
                    for server, value in answers.items():
                        print(f"    {server}: {str(value)[:300]}")
            print(f"check {page}: {agreed}/{len(sample)} sampled variable sets answered alike "
                  f"(and non-empty) by all {len(servers)}")
    return same


# ---------------------------------------------------------------- processes and CPU

_TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds) of a process, None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICK


def _tree_cpu(root: int) -> dict[int, float]:
    """CPU seconds used so far by ``root`` and every process below it, by pid."""
    parents: dict[int, list[int]] = {}
    cpu: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (st := _stat(int(entry.name))) is not None:
            parents.setdefault(st[0], []).append(int(entry.name))
            cpu[int(entry.name)] = st[1]
    found, todo = {}, [root]
    while todo:
        pid = todo.pop()
        found[pid] = cpu.get(pid, 0.0)
        todo += parents.get(pid, [])
    return found


def _used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds used between two readings by the processes alive at the second
    (a backend that exited meanwhile, e.g. an idle pool connection of another
    server, drops out instead of making the difference negative)."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


def _postmaster(url: str) -> int:
    host = url.split("host=", 1)[1].split("&", 1)[0]
    pid_file = Path(host) / "postmaster.pid"
    if not pid_file.exists():
        found = list(Path(host).parent.glob("**/postmaster.pid"))
        pid_file = found[0]
    return int(pid_file.read_text().split()[0])


@contextlib.contextmanager
def _process(argv: list[str], port: int, env: dict[str, str], cwd: Path, log: Path) -> Iterator[int]:
    """Run a server until the block ends; its output goes to ``log`` (a pipe left
    unread would fill and stall it)."""
    with log.open("w") as out:
        proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
    try:
        try:
            wait_for(port, timeout=120)
        except SystemExit:
            proc.terminate()
            proc.wait(timeout=15)
            raise SystemExit(f"{argv[0]} did not start:\n{log.read_text()[-2000:]}") from None
        yield proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def _postgraphile_dir(data: Path) -> Path:
    folder = data / "postgraphile"
    cli = folder / "node_modules" / ".bin" / "postgraphile"
    if not cli.exists():
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "package.json").write_text('{"private": true}\n')
        print("installing postgraphile@4 with npm ...")
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "postgraphile@4"],
                       cwd=folder, check=True)
    (folder / "postgraphile.tags.json5").write_text(_TAGS)
    return folder


@contextlib.contextmanager
def _servers(url: str, data: Path, servers: tuple[str, ...], cache: str
             ) -> Iterator[tuple[dict[str, int], dict[str, int]]]:
    """Start them all; yields (ports, root pids)."""
    ports = {s: free_port() for s in servers}
    config = data / "hub.toml"
    config.write_text("[public]\nenabled = true\n[security.rate_limit]\nenabled = false\n"
                      f"[cache]\nresponses = {'false' if cache == 'off' else 'true'}\n"
                      f"confirm_version = {'false' if cache == 'notified' else 'true'}\n")
    env = {**os.environ, "DATABASE_URL": url, "HUB_CONFIG": str(config),
           "HUB_LOG_LEVEL": "warning", "BENCH_FLOOR_DATABASE_URL": url,
           "NODE_ENV": "production"}
    hub = [sys.executable, "-m", "hub.cli", "serve", "--workers", "2", "--port", str(ports["hub"])]
    pg_dir = _postgraphile_dir(data)
    postgraphile = ["node", str(pg_dir / "node_modules" / ".bin" / "postgraphile"),
                    "-c", url, "--schema", "public", "--host", "127.0.0.1",
                    "--port", str(ports["postgraphile"]), "--cluster-workers", "2",
                    "--disable-query-log", "--disable-default-mutations",
                    ]
    floor = [sys.executable, "-m", "uvicorn", "bench._floor:app", "--host", "127.0.0.1",
             "--port", str(ports["floor"]), "--workers", "2", "--no-access-log",
             "--log-level", "warning"]
    with contextlib.ExitStack() as stack:
        pids = {
            "hub": stack.enter_context(_process(hub, ports["hub"], env, ROOT, data / "hub.log")),
            "postgraphile": stack.enter_context(_process(
                postgraphile, ports["postgraphile"], env, pg_dir, data / "postgraphile.log")),
            "floor": stack.enter_context(_process(floor, ports["floor"], env, ROOT,
                                                  data / "floor.log")),
        }
        if BEFORE in servers:
            before = [*hub[:-1], str(ports[BEFORE])]
            pids[BEFORE] = stack.enter_context(_process(
                before, ports[BEFORE], {**env, "HUB_PLANNER": "off"}, ROOT, data / "hub-before.log"))
        time.sleep(2)  # cluster and uvicorn workers come up after the port opens
        yield ports, pids


# ---------------------------------------------------------------- load

_LUA = """
local paths = {%s}
local heads = {%s}
local tails = {%s}
local threads = %d
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("thread_no", counter)
end
-- The stream's lines are "<page>\\t<variables JSON>"; thread t of n sends
-- requests t, t + n, t + 2n ... of it (wrapping at its end).
local pages, vars, at, total = {}, {}, 0, 0
function init(args)
  for line in io.lines([==[%s]==]) do
    local k, v = line:match("^(%%d+)\\t(.*)$")
    pages[#pages + 1] = tonumber(k)
    vars[#vars + 1] = v
  end
  total = #vars
  at = (thread_no or 1) - 1
end
function request()
  local i = at %% total + 1
  at = at + threads
  local k = pages[i]
  return wrk.format(nil, paths[k], nil, heads[k] .. vars[i] .. tails[k])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.status,
    e.connect + e.read + e.write + e.timeout))
end
"""
_THREADS = 2


def _lua(requests: list[Request], cursors: Cursors, server: str, folder: Path, name: str) -> Path:
    """A wrk script sending ``requests`` in order (their variables in a file beside it)."""
    frames = [_frame(page, server) for page in PAGES]
    stream = folder / f"{name}-{server}.txt"
    with stream.open("w") as out:
        for r in requests:
            out.write(f"{PAGES.index(r.page) + 1}\t{json.dumps(r.variables(server, cursors))}\n")
    script = folder / f"{name}-{server}.lua"
    script.write_text(_LUA % (", ".join(f"[==[{p}]==]" for p, _, _ in frames),
                              ", ".join(f"[==[{h}]==]" for _, h, _ in frames),
                              ", ".join(f"[==[{t}]==]" for _, _, t in frames),
                              _THREADS, stream))
    return script


@dataclass
class Run:
    rps: float
    p50_ms: float
    p99_ms: float
    server_ms: float  # CPU of the server's processes per request
    pg_ms: float  # CPU of PostgreSQL's processes per request
    errors: int
    hit_rate: float | None = None  # the hub's response cache: hits / lookups


@dataclass
class Results:
    runs: dict[tuple[str, str], list[Run]] = field(default_factory=dict)

    def median(self, page: str, server: str, attr: str) -> float:
        return float(statistics.median(getattr(r, attr) for r in self.runs[(page, server)]))


def _cache_counts(port: int) -> dict[str, float]:
    """The hub's response cache counters (all workers: hub serve aggregates them)."""
    try:
        text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    except httpx.HTTPError:
        return {}
    out: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith('hub_response_cache_total{outcome="'):
            name, _, value = line.partition("} ")
            out[name.split('"')[1]] = float(value)
    return out


def _hit_rate(before: dict[str, float], after: dict[str, float]) -> float | None:
    hits = after.get("hit", 0) - before.get("hit", 0)
    looked = hits + after.get("miss", 0) - before.get("miss", 0)
    return hits / looked if looked > 0 else None


def _wrk(script: Path, port: int, seconds: int, connections: int,
         cpu: Callable[[], tuple[dict[int, float], dict[int, float]]]) -> Run:
    threads = _THREADS  # the scripts' stride through their streams
    server0, pg0 = cpu()
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s",
                          "--timeout", "10s", "-s", str(script), f"http://127.0.0.1:{port}"],
                         capture_output=True, text=True, check=True).stdout
    server1, pg1 = cpu()
    line = next(li for li in out.splitlines() if li.startswith("RESULT"))
    requests, micros, p50, p99, status_err, sock_err = (int(x) for x in line.split()[1:])
    n = max(requests, 1)
    return Run(rps=requests / (micros / 1e6), p50_ms=p50 / 1000, p99_ms=p99 / 1000,
               server_ms=_used(server0, server1) * 1000 / n, pg_ms=_used(pg0, pg1) * 1000 / n,
               errors=status_err + sock_err)


# ---------------------------------------------------------------- data

_STATES = ("待认领", "已认领", "已实现", "已撤销")


def _wishes(start: int, count: int) -> list[dict[str, Any]]:
    """Wenhuayun records: every county has every status, claims by teams and volunteers."""
    items: list[dict[str, Any]] = []
    for i in range(start, start + count):
        state = _STATES[(i // len(COUNTIES)) % len(_STATES)]
        claimed = state in ("已认领", "已实现")
        day, month = 1 + i % 28, 1 + (i // 28) % 12
        when = f"2025-{month:02d}-{day:02d}T{i % 24:02d}:{i % 60:02d}:00+08:00"
        claimers: list[dict[str, str | None]] = [
            {"kind": "队伍", "name": f"爱心队{i % 500}", "team_id": f"BT-{i % 500}"}]
        if i % 3 == 0:
            claimers.append({"kind": "志愿者", "name": f"王小{i % 10}", "team_id": None})
        items.append({
            "entity": "wish", "wish_id": f"C-{i:07d}", "title": f"想要一个新书包{i % 997}",
            "wish_type": "学习用品", "goods_or_service": "实物", "target_group": "留守儿童",
            "target_name": "张某某", "division_code": COUNTIES[i % len(COUNTIES)],
            "station_id": None, "state": state, "submit_time": when,
            "claim_time": f"2025-{month:02d}-{day:02d}T23:00:00+08:00" if claimed else None,
            "done_time": None, "claimers": claimers if claimed else [],
            "origin": None, "updated_at": "2025-12-31T08:00:00+08:00", "deleted": False,
        })
    return items


async def _load(url: str, wishes: int) -> None:
    """This benchmark's own wishes (every status in every county) through ingest, once."""
    await load_wishes(url, wishes, "C-", _wishes)


# ---------------------------------------------------------------- main

def _prepare(url: str, wishes: int) -> list[int]:
    """The visible wishes' ids, newest first (after loading them once)."""
    async def go() -> list[int]:
        await _load(url, wishes)
        conn = await db.connect(url)
        try:
            await conn.execute(_CLAIM_TEAM)
            rows = await conn.fetch("select id from wishes where not deleted and not shadowed "
                                    "order by submitted_at desc, id desc")
            return [r["id"] for r in rows]
        finally:
            await conn.close()
    return asyncio.run(go())


def _data_version(url: str) -> int:
    """The committed data version (each move empties the hub's response caches)."""
    async def read() -> int:
        conn = await db.connect(url)
        try:
            return int(await conn.fetchval("select version from data_version"))
        finally:
            await conn.close()
    return asyncio.run(read())


class _Pusher:
    """A platform pushing a few records every ``every`` seconds through the
    hub's ingest path (``hub.ingest``, from this process, so that no server's
    CPU figure includes it), while measuring: each push commits, moves the
    data version and so invalidates the hub's response caches, as in
    production. Each push is a new wish (submitted now, in a county drawn by
    population) and the claim of the wish pushed three pushes before."""

    def __init__(self, url: str, every: float, rng: random.Random) -> None:
        self.url, self.every, self.rng = url, every, rng
        self.pushes = 0
        self._run = f"RT-{int(time.time())}-"
        self._counties: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> _Pusher:
        if self.every > 0:
            self._thread = threading.Thread(target=lambda: asyncio.run(self._loop()), daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    async def _loop(self) -> None:
        from hub.ingest import ingest

        pool = await db.create_pool(self.url, min_size=1, max_size=1)
        try:
            while not self._stop.wait(self.every):
                await ingest(pool, "wenhuayun", json.dumps(
                    {"code": 0, "items": self._records(self.pushes)}).encode())
                self.pushes += 1
        finally:
            await pool.close()

    def _records(self, n: int) -> list[dict[str, Any]]:
        now = dt.datetime.now(dt.UTC).isoformat()
        self._counties[n] = self.rng.choices(list(POPULATION), weights=list(POPULATION.values()))[0]
        records = [self._wish(n, now, claimed=False)]
        if n >= 3 and PUSH_RECORDS > 1:
            records.append(self._wish(n - 3, now, claimed=True))
        return records

    def _wish(self, n: int, now: str, *, claimed: bool) -> dict[str, Any]:
        record = _wishes(n, 1)[0]
        team = n % 500
        return {**record, "wish_id": f"{self._run}{n}", "title": f"想要一套画笔{n}",
                "division_code": self._counties[n],
                "state": "已认领" if claimed else "待认领", "submit_time": self._submitted(n),
                "claim_time": now if claimed else None, "updated_at": now,
                "claimers": [{"kind": "队伍", "name": f"爱心队{team}", "team_id": f"BT-{team}"}]
                if claimed else []}

    def _submitted(self, n: int) -> str:
        # The same instant at both of a wish's pushes (its claim keeps it).
        return (dt.datetime.fromtimestamp(int(self._run.split("-")[1]), dt.UTC)
                + dt.timedelta(seconds=n)).isoformat()


def _ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise SystemExit("needs wrk: apt-get install wrk")
    print("installing wrk with apt-get ...")
    subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, capture_output=True)


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if x >= 100 else f"{x:.2f}" if x < 10 else f"{x:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wishes", type=int, default=300_000)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cache", choices=("on", "off", "notified"), default="on",
                        help="the hub's response cache ([cache] responses; notified: on, "
                             "with confirm_version = false)")
    parser.add_argument("--before", action="store_true",
                        help=f"also run the hub with its query planner off ({BEFORE})")
    parser.add_argument("--traffic", choices=("real", "uniform"), default="real",
                        help="real: skewed variables over all the data, and pushes "
                             "(the module's docstring); uniform: the earlier small pools, no writes")
    parser.add_argument("--push-seconds", type=float, default=None,
                        help=f"seconds between pushes while measuring (real: {PUSH_SECONDS:g}; "
                             "uniform: 0, none)")
    parser.add_argument("--pages", default=",".join((*PAGES, "mix")),
                        help="comma-separated subset of list,detail,teams,counts,mix")
    args = parser.parse_args()
    if args.connections < _THREADS:
        parser.error(f"--connections must be at least {_THREADS} (wrk's threads)")
    servers = (*SERVERS, BEFORE) if args.before else SERVERS
    _ensure_wrk()
    if not shutil.which("npm"):
        raise SystemExit("needs Node and npm (PostGraphile v4)")

    data = Path(os.environ.get("HUB_DATA_DIR") or ROOT / ".hub-data/bench-compare").resolve()
    server = db.start_embedded(data)
    asyncio.run(db.ensure_database(server, "hub"))
    url = db.with_database(server, "hub")
    by_recency = _prepare(url, args.wishes)
    rng = random.Random(22)
    # Long enough that no run goes round its stream (a repeat would be a free hit).
    length = max(20_000, args.seconds * 8_000)
    streams = _streams(args.traffic, rng.sample(by_recency, 200), by_recency, length, rng)
    every = args.push_seconds if args.push_seconds is not None else (
        PUSH_SECONDS if args.traffic == "real" else 0.0)
    postmaster = _postmaster(url)
    pages = [p for p in args.pages.split(",") if p]

    results = Results()
    wrapped = False
    with (_servers(url, data, servers, args.cache) as (ports, pids),
          tempfile.TemporaryDirectory() as tmp):
        cursors = _cursors(ports, servers) if args.traffic == "real" else {}
        same = _check(ports, streams, cursors, rng, servers)
        scripts = {(page, s): _lua(streams[page], cursors, s, Path(tmp), page) for page in pages
                   for s in servers}
        pusher = _Pusher(url, every, random.Random(23))
        with pusher:  # writes from here on (not while the answers were compared)
            for s in servers:  # warm every server (plans, caches, JIT) before measuring
                _wrk(scripts[(pages[-1], s)], ports[s], 2, args.connections, lambda: ({}, {}))
            for rnd in range(args.rounds):
                for i, page in enumerate(pages):
                    turn = (rnd + i) % len(servers)
                    order = servers[turn:] + servers[:turn]
                    for s in order:
                        def cpu(pid: int = pids[s]) -> tuple[dict[int, float], dict[int, float]]:
                            return _tree_cpu(pid), _tree_cpu(postmaster)
                        counted = _cache_counts(ports[s]) if s == "hub" else {}
                        pushed, version = pusher.pushes, _data_version(url)
                        run = _wrk(scripts[(page, s)], ports[s], args.seconds, args.connections, cpu)
                        if s == "hub":
                            run.hit_rate = _hit_rate(counted, _cache_counts(ports[s]))
                        wrapped |= run.rps * args.seconds > length
                        results.runs.setdefault((page, s), []).append(run)
                        print(f"  round {rnd + 1} {page:6} {s:12} {run.rps:8.0f} req/s  "
                              f"p50 {run.p50_ms:.1f} ms  p99 {run.p99_ms:.1f} ms  "
                              f"cpu {run.server_ms:.2f}+{run.pg_ms:.2f} ms/req"
                              + (f"  cache hits {run.hit_rate:.0%}"
                                 if run.hit_rate is not None else "")
                              + (f"  pushes {pusher.pushes - pushed}" if every else "")
                              + (f"  data versions +{_data_version(url) - version}"
                                 if s == "hub" else "")
                              + (f"  ERRORS {run.errors}" if run.errors else ""), flush=True)

    writes = (f"a push of {PUSH_RECORDS} records every {every:g} s" if every else "no writes")
    print(f"\ntraffic {args.traffic} ({writes}); the hub's response cache {args.cache}")
    print(f"\n{args.wishes:,} wishes; wrk -c{args.connections}, {args.seconds} s per run, "
          f"medians of {args.rounds} alternated round(s); 2 workers each; CPU per request: "
          f"server + PostgreSQL, in ms; the hub's response cache {args.cache}")
    print(f"{'page':7} {'server':13} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'cpu srv':>8} {'cpu pg':>8}")
    for page in pages:
        for s in servers:
            m = {a: results.median(page, s, a)
                 for a in ("rps", "p50_ms", "p99_ms", "server_ms", "pg_ms")}
            rates = [r.hit_rate for r in results.runs[(page, s)] if r.hit_rate is not None]
            print(f"{page:7} {s:13} {_fmt(m['rps']):>8} {m['p50_ms']:8.1f} {m['p99_ms']:8.1f} "
                  f"{m['server_ms']:8.2f} {m['pg_ms']:8.2f}"
                  + (f"   cache hits {statistics.median(rates):.0%}" if rates else ""))
    print()
    for page in pages:
        hub = results.median(page, "hub", "rps")
        print(f"{page:7} hub/postgraphile = {hub / results.median(page, 'postgraphile', 'rps'):.2f}"
              f"   hub/floor = {hub / results.median(page, 'floor', 'rps'):.2f}"
              + (f"   hub/{BEFORE} = {hub / results.median(page, BEFORE, 'rps'):.2f}"
                 f" (CPU {results.median(page, BEFORE, 'server_ms'):.2f} -> "
                 f"{results.median(page, 'hub', 'server_ms'):.2f} ms)" if args.before else ""))
    if wrapped:
        print(f"NOTE: a run sent more than its stream's {length:,} requests and went round it")
    if not same:
        print("WARNING: the servers did not answer alike for every sampled variable set (above)")
    if "mix" in pages:
        ratio = results.median("mix", "hub", "rps") / results.median("mix", "postgraphile", "rps")
        print(f"mix ratio hub/postgraphile = {ratio:.2f}")


if __name__ == "__main__":
    main()
