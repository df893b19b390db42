"""Trusted documents: the operations front-ends registered, by SHA-256.

``hub documents add FILE`` stores them in the ``trusted_documents`` table
(shared by every worker and host). A request names one in the Apollo
persisted-query format, ``{"extensions": {"persistedQuery": {"version": 1,
"sha256Hash": "<hex>"}}}``; the hash is the SHA-256 of the document's exact
text. With ``[security] trusted_documents_only``, callers of the configured
roles may run nothing else.

This store is closed: only ``hub documents add`` writes it. Automatic
persisted queries (an open cache a client fills) are another thing; an APQ
layer must not register documents for a caller who needs trusted ones
(``may_register_persisted_query``).

Each worker keeps the documents in memory and reloads them at most every
``refresh_seconds``, when asked for one it does not hold or after that time.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from graphql import GraphQLError, GraphQLSchema, OperationDefinitionNode, parse, validate

from hub.errors import ConfigError
from hub.security.roles import Caller
from hub.security.settings import SecuritySettings
from hub.sql import security as q

_SPEC_PREFIX = "sha256:"


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def may_register_persisted_query(caller: Caller, settings: SecuritySettings) -> bool:
    """Whether an APQ layer may cache a new document for this caller."""
    return not settings.needs_trusted_document(caller.role)


@dataclass(frozen=True, slots=True)
class Document:
    sha256: str
    body: str
    name: str | None


def read_documents(path: Path) -> list[Document]:
    """The documents of a file.

    * ``*.graphql`` / ``*.gql``: the whole file is one document, hashed as it is;
    * ``*.json``: an Apollo persisted-query manifest (``{"operations": [{"id",
      "name", "body"}]}``) or a ``{"<sha256>": "<document>"}`` map (Relay,
      GraphQL Code Generator); each id must be the SHA-256 of its body, in hex,
      optionally written ``sha256:<hex>`` (GraphQL over HTTP's persisted-document
      identifier, which GraphQL Code Generator's client preset writes).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    if path.suffix.lower() != ".json":
        return [Document(sha256_of(text), text, path.stem)]
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path} is not JSON: {exc}") from exc
    pairs: list[tuple[object, object, object]]
    if isinstance(data, dict) and isinstance(data.get("operations"), list):
        pairs = [
            (op.get("id"), op.get("body"), op.get("name")) if isinstance(op, dict) else (None, None, None)
            for op in data["operations"]
        ]
    elif isinstance(data, dict):
        pairs = [(k, v, None) for k, v in data.items()]
    else:
        raise ConfigError(f"{path}: expected a persisted-query manifest or a hash → document map")
    docs = []
    for given, body, name in pairs:
        if not isinstance(body, str) or not isinstance(given, str):
            raise ConfigError(f"{path}: every operation needs a string id and body")
        given = given.lower().removeprefix(_SPEC_PREFIX)
        if sha256_of(body) != given:
            raise ConfigError(
                f"{path}: id {given} is not the SHA-256 of its body; the hub names documents "
                "by the SHA-256 of their exact text"
            )
        docs.append(Document(given, body, name if isinstance(name, str) else None))
    return docs


def check_documents(docs: list[Document], schema: GraphQLSchema) -> list[str]:
    """Problems that would make a document fail on every request."""
    problems = []
    for doc in docs:
        label = doc.name or doc.sha256[:12]
        try:
            ast = parse(doc.body)
        except GraphQLError as exc:
            problems.append(f"{label}: {exc.message}")
            continue
        if not any(isinstance(d, OperationDefinitionNode) for d in ast.definitions):
            problems.append(f"{label}: no operation in it")
            continue
        problems += [f"{label}: {e.message}" for e in validate(schema, ast)]
    return problems


async def add_documents(conn: asyncpg.Connection, docs: list[Document], added_by: str) -> list[str]:
    """Store ``docs``; the hashes that were new (the others were held already)."""
    rows = await conn.fetch(
        q.INSERT_DOCUMENTS,
        [d.sha256 for d in docs], [d.body for d in docs], [d.name for d in docs], added_by,
    )
    return [r["sha256"] for r in rows]


class TrustedDocuments:
    """The documents, held in memory by each worker."""

    def __init__(self, refresh_seconds: float = 10.0, clock: Callable[[], float] = time.monotonic):
        self._docs: dict[str, str] = {}
        self._loaded_at: float | None = None
        self._refresh = refresh_seconds
        self._clock = clock
        self._lock = asyncio.Lock()

    async def get(self, pool: asyncpg.Pool, sha256: str) -> str | None:
        body = self._docs.get(sha256)
        if body is None or self._stale():
            async with self._lock:
                if self._stale():
                    rows = await pool.fetch(q.LOAD_DOCUMENTS)
                    self._docs = {r["sha256"]: r["body"] for r in rows}
                    self._loaded_at = self._clock()
            body = self._docs.get(sha256)
        return body

    def _stale(self) -> bool:
        return self._loaded_at is None or self._clock() - self._loaded_at >= self._refresh
