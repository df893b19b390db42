"""``hub serve``: migrate, then serve the API with uvicorn."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from hub import db
from hub.bootstrap import prepare_database


def register(sub: Any) -> None:
    p = sub.add_parser("serve", help="migrate the database, then serve the API")
    add_server_options(p)
    p.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    p.set_defaults(func=run)


def add_server_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")


async def prepare() -> str:
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

    uvicorn.run(
        "hub.app:factory",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=False,
        lifespan="on",
    )


def run(args: argparse.Namespace) -> int:
    if args.workers < 1:
        print("hub: --workers must be at least 1")
        return 2
    asyncio.run(prepare())
    serve(args.host, args.port, args.workers)
    return 0
