"""``hub serve``: migrate, then serve the API with uvicorn."""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
from pathlib import Path
from typing import Any

from hub import db
from hub.bootstrap import prepare_database
from hub.commands._common import announce_database

# The HTTP protocol uvicorn runs (``--http``): each response in one write.
HTTP_PROTOCOL = "hub.http.protocol:OneWriteHttpTools"


def register(sub: Any) -> None:
    p = sub.add_parser("serve", help="migrate the database, then serve the API")
    add_server_options(p)
    p.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    p.set_defaults(func=run)


def add_server_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")


def check_config() -> None:
    """Build the app once from ``HUB_CONFIG``: a bad file (an unknown table or
    key, a wrong type, a rule across settings) ends the command here, with its
    one-line message, before any database starts or migrates."""
    from hub.app import create_app

    create_app()


async def prepare() -> str:
    announce_database()
    url = await db.resolve_url()
    conn = await db.connect(url)
    try:
        await prepare_database(conn)
    finally:
        await conn.close()
    return url


def serve(host: str, port: int, workers: int = 1) -> None:
    """Run uvicorn until interrupted. Workers find the database in DATABASE_URL."""
    import uvicorn

    if workers > 1:
        share_metrics()
    uvicorn.run(
        "hub.app:factory",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=False,
        lifespan="on",
        log_config=None,  # our handlers (hub.observability.logs): one format for every line
        http=HTTP_PROTOCOL,  # each response in one write (hub.http.protocol)
    )


def share_metrics() -> Path:
    """Point every worker's metrics at one directory (``PROMETHEUS_MULTIPROC_DIR``)
    so that a scrape of any worker counts them all; emptied at each start, as
    prometheus-client requires."""
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    directory = Path(given) if given else Path(tempfile.mkdtemp(prefix="hub-metrics-"))
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
    return directory


def run(args: argparse.Namespace) -> int:
    if args.workers < 1:
        print("hub: --workers must be at least 1")
        return 2
    check_config()
    asyncio.run(prepare())
    serve(args.host, args.port, args.workers)
    return 0
