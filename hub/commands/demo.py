"""``hub demo``: a local demo on its own embedded database, filled with demo data.

The demo never touches ``DATABASE_URL``: it runs its own embedded PostgreSQL
under ``HUB_DATA_DIR/demo`` so that trying the hub cannot write into a real
database. The data arrives the way real data does: native platform payloads
through the adapters (``hub.seed``): the same data on every machine, the data
docs/frontend.md shows. The user's
``HUB_CONFIG`` is honoured on top of the demo's own settings
(``hub.security.demo``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Any

from hub import db, seed
from hub.bootstrap import prepare_database
from hub.commands.serve import add_server_options, check_config, serve
from hub.config import data_dir, load_config
from hub.security.demo import DemoConfig, demo_config, sample_source, signed_curl
from hub.security.settings import SecuritySettings
from hub.seed.load import load as load_seed
from hub.sql import ops as q


def register(sub: Any) -> None:
    p = sub.add_parser("demo", help="serve the hub with demo data on its own embedded database")
    add_server_options(p)
    p.set_defaults(func=run)


# What the demo loaded, beside its database: an older demo's data is not the
# data docs/frontend.md shows, and the banner says so.
_LOADED = "demo-data.txt"


def _data_label() -> str:
    return f"seed {seed.DEMO_SEED}, scale {seed.DEMO_SCALE}, ending {seed.DEMO_NOW.isoformat()}"


async def _prepare(directory: Path) -> int:
    """Start and fill the demo's database; the number of wishes the API shows."""
    server = await asyncio.to_thread(db.start_embedded, directory)
    await db.ensure_database(server, db.EMBEDDED_DATABASE)
    url = db.with_database(server, db.EMBEDDED_DATABASE)
    os.environ["DATABASE_URL"] = url  # the served app (and any worker) uses it
    conn = await db.connect(url)
    try:
        await prepare_database(conn)
        held = await conn.fetchval("select count(*) from wishes")
        if not held:
            pool = await db.create_pool(url, max_size=4)
            try:
                await load_seed(pool, seed.DEMO_SCALE, seed=seed.DEMO_SEED, now=seed.DEMO_NOW,
                                concurrency=1)
            finally:
                await pool.close()
            (directory / _LOADED).write_text(_data_label() + "\n", encoding="utf-8")
        shown: int = await conn.fetchval(q.WISHES_SHOWN)
    finally:
        await conn.close()
    return shown


def run(args: argparse.Namespace) -> int:
    started = time.monotonic()
    directory = data_dir().expanduser().resolve() / "demo"
    # The configuration first: a broken HUB_CONFIG ends the demo before any database starts.
    config = demo_config(directory)
    check_config()  # the demo's file with the user's laid over it
    print(f"hub demo: its own embedded PostgreSQL in {directory / 'pg'} (never DATABASE_URL)",
          file=sys.stderr, flush=True)
    shown = asyncio.run(_prepare(directory))
    host = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
    print(banner(config, shown, time.monotonic() - started, f"http://{host}:{args.port}"),
          file=sys.stderr, flush=True)
    if _loaded(directory) != _data_label():
        print(f"Note: this demo holds older demo data than docs/frontend.md shows; delete {directory} "
              "to load the current data.", file=sys.stderr, flush=True)
    serve(args.host, args.port)
    return 0


def _loaded(directory: Path) -> str | None:
    try:
        return (directory / _LOADED).read_text(encoding="utf-8").strip()
    except OSError:
        return None


def banner(config: DemoConfig, wishes: int, seconds: float, url: str) -> str:
    settings = SecuritySettings.from_config(load_config(config.path))
    lines = [
        f"hub demo: {wishes} wishes ready in {seconds:.1f}s",
        "Configuration: the demo's defaults"
        + (f" with yours from {config.user_config} over them" if config.user_config
           else " (no HUB_CONFIG, no ./hub.toml: add one to set sources, keys, CORS…)"),
        "Sources accepting pushes (POST /ingest/CODE, Bearer token + X-Hub-Signature-256):",
    ]
    width = max(len(s.code) for s in config.sources) if config.sources else 0
    lines += [f"  {s.code:<{width}}  {s.name}: token and secret {s.origin}" for s in config.sources]
    sample = sample_source(config.sources)
    if sample is not None:
        lines += [f"A signed push of {sample.name}, ready to paste:", signed_curl(sample, url)]
    local = "http://localhost:*, http://127.0.0.1:*" if settings.cors_allow_localhost else ""
    origins = ", ".join(x for x in (local, *settings.cors_origins) if x) or "none"
    lines += [
        f"Browser origins allowed (CORS): {origins}",
        f"GraphiQL: {url}/graphql",
        f"Dashboard: {url}/dashboard (sign in with the key below)",
        "Operator key (province), for GraphiQL's headers: "
        f'{{"Authorization": "Bearer {config.token}"}}',
    ]
    return "\n".join(lines)
