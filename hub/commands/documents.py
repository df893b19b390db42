"""``hub documents``: the trusted documents front-ends may run.

``hub documents add FILE...`` checks each document against the served schema
and stores it by the SHA-256 of its exact text (a ``.graphql`` file is one
document; a ``.json`` file is an Apollo persisted-query manifest or a
``{"<sha256>": "<document>"}`` map); ``hub documents list``; ``hub documents
remove SHA256``. Changes are audited; servers see them within
``refresh_seconds`` (10 s).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from hub.commands._common import open_pool
from hub.errors import ConfigError
from hub.security import audit
from hub.security.documents import Document, add_documents, check_documents, read_documents
from hub.sql import security as q


def register(sub: Any) -> None:
    p = sub.add_parser("documents", help="trusted documents (persisted operations of front-ends)")
    docs = p.add_subparsers(dest="documents_command", metavar="ACTION", required=True)
    add = docs.add_parser("add", help="register the operations of FILE.graphql or a manifest")
    add.add_argument("files", nargs="+", type=Path, metavar="FILE")
    add.set_defaults(func=run_add)
    listing = docs.add_parser("list", help="the registered documents")
    listing.set_defaults(func=run_list)
    remove = docs.add_parser("remove", help="unregister a document by its SHA-256")
    remove.add_argument("sha256")
    remove.set_defaults(func=run_remove)


def _served_schema() -> Any:
    from schema.schema import schema

    return schema._schema


async def run_add(args: argparse.Namespace) -> int:
    docs: list[Document] = []
    for path in args.files:
        docs += read_documents(path)
    problems = check_documents(docs, _served_schema())
    if problems:
        raise ConfigError("not registered, the schema refuses them: " + "; ".join(problems))
    actor = audit.cli_actor()
    async with open_pool(max_size=2) as pool, pool.acquire() as conn, conn.transaction():
        new = set(await add_documents(conn, docs, actor))
        for doc in docs:
            if doc.sha256 in new:
                await audit.record(conn, actor=actor, role="cli", action="document.add",
                                   target=doc.sha256, detail={"name": doc.name})
    for doc in docs:
        state = "added" if doc.sha256 in new else "held already"
        print(f"{doc.sha256}  {doc.name or '-'}  {state}")
    return 0


async def run_list(args: argparse.Namespace) -> int:
    async with open_pool(max_size=2) as pool:
        rows = await pool.fetch(q.LIST_DOCUMENTS)
    if not rows:
        print("no trusted documents (hub documents add FILE.graphql)")
        return 0
    for r in rows:
        added = r["added_at"].strftime("%Y-%m-%d %H:%M")
        print(f"{r['sha256']}  {r['name'] or '-':24} {r['chars']:7} chars  {added}  {r['added_by']}")
    return 0


async def run_remove(args: argparse.Namespace) -> int:
    sha = args.sha256.strip().lower()
    async with open_pool(max_size=2) as pool, pool.acquire() as conn, conn.transaction():
        removed = await conn.fetchval(q.DELETE_DOCUMENT, sha)
        if removed is None:
            raise ConfigError(f"no trusted document has the SHA-256 {sha}")
        await audit.record(conn, actor=audit.cli_actor(), role="cli", action="document.remove",
                           target=sha)
    print(f"removed {sha}")
    return 0
