"""``hub demo``: a local demo on its own embedded database, filled with demo data.

The demo never touches ``DATABASE_URL``: it runs its own embedded PostgreSQL
under ``HUB_DATA_DIR/demo`` so that trying the hub cannot write into a real
database. The data arrives the way real data does: native platform payloads
through the adapters (``hub.seed``), deterministic for a given day.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import sys
import time
from typing import Any

from hub import db
from hub.bootstrap import prepare_database
from hub.commands.serve import add_server_options, serve
from hub.config import data_dir
from hub.security.demo import demo_config

# About 450 wishes and their teams, stations and activities across the cities.
DEMO_SCALE = 0.0005


def register(sub: Any) -> None:
    p = sub.add_parser("demo", help="serve the hub with demo data on its own embedded database")
    add_server_options(p)
    p.set_defaults(func=run)


async def _prepare() -> int:
    server = await asyncio.to_thread(db.start_embedded, data_dir() / "demo")
    await db.ensure_database(server, db.EMBEDDED_DATABASE)
    url = db.with_database(server, db.EMBEDDED_DATABASE)
    os.environ["DATABASE_URL"] = url  # the served app (and any worker) uses it
    conn = await db.connect(url)
    try:
        await prepare_database(conn)
        held = await conn.fetchval("select count(*) from wishes")
    finally:
        await conn.close()
    if held:
        return int(held)
    from hub.seed.load import load

    pool = await db.create_pool(url, max_size=4)
    try:
        now = dt.datetime.now(dt.UTC)
        summary = await load(pool, DEMO_SCALE, seed=7, now=now)
    finally:
        await pool.close()
    return int(getattr(summary, "wishes", 0) or 0)


def run(args: argparse.Namespace) -> int:
    started = time.monotonic()
    held = asyncio.run(_prepare())
    host = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
    # Public reads on, and a province key for the operator views (new every run).
    token = demo_config(data_dir() / "demo")
    print(
        f"hub demo: {held} wishes ready in {time.monotonic() - started:.1f}s\n"
        f"GraphiQL: http://{host}:{args.port}/graphql\n"
        f"Operator key (province), for GraphiQL's headers: "
        f'{{"Authorization": "Bearer {token}"}}',
        file=sys.stderr,
        flush=True,
    )
    serve(args.host, args.port)
    return 0
