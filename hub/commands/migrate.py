"""``hub migrate``: apply the versioned SQL migrations and reference data."""

from __future__ import annotations

import argparse
from typing import Any

from hub import db, migrate
from hub.bootstrap import prepare_database
from hub.commands._common import announce_database


def register(sub: Any) -> None:
    p = sub.add_parser("migrate", help="apply database migrations (idempotent)")
    p.set_defaults(func=run)


async def run(args: argparse.Namespace) -> int:
    announce_database()
    url = await db.resolve_url()
    conn = await db.connect(url)
    try:
        applied = await prepare_database(conn)
        version = await migrate.current_version(conn)
    finally:
        await conn.close()
    for m in applied:
        print(f"applied {m.version:04d}_{m.name}")
    print(f"database at schema version {version}" + ("" if applied else " (nothing to do)"))
    return 0
