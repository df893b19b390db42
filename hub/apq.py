"""Automatic persisted queries: Apollo's APQ protocol, with a bounded store.

A client first sends only the SHA-256 of its document::

    {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "<hex>"}}}

and the hub answers ``PersistedQueryNotFound`` when it does not know the
hash; the client then sends the hash with the document, which the hub checks,
runs and remembers. From then on the hash alone is enough, also in a ``GET``
(``/graphql?extensions=...&variables=...``), which a CDN can cache.

The store is in memory, one per process, least recently used out first; a
worker that does not know a hash yet simply asks for the document once.
Only documents that parsed and validated are remembered, so a stranger cannot
fill the store with garbage that then pushes good entries out.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

from hub.config import Config, GraphQLSettings

VERSION = 1
_DEFAULT = GraphQLSettings()

NOT_FOUND_MESSAGE = "PersistedQueryNotFound"
NOT_FOUND_CODE = "PERSISTED_QUERY_NOT_FOUND"

_HASH = re.compile(r"^[0-9a-f]{64}$")


class PersistedQueryError(Exception):
    """A request the APQ protocol refuses; ``code`` goes to ``extensions.code``."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True, slots=True)
class Resolved:
    """The document to run, and the hash to remember it under once it validated
    (None when the store already holds it)."""

    query: str
    remember: str | None


class PersistedQueries:
    """A bounded LRU map from SHA-256 hex to document. Thread-safe."""

    def __init__(
        self,
        max_entries: int = _DEFAULT.apq_max_entries,
        max_query_bytes: int = _DEFAULT.apq_max_query_bytes,
    ) -> None:
        if max_entries < 1 or max_query_bytes < 1:
            raise ValueError("the persisted-query store needs room for at least one query")
        self.max_entries = max_entries
        self.max_query_bytes = max_query_bytes
        self._entries: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, sha256_hash: str) -> str | None:
        with self._lock:
            query = self._entries.get(sha256_hash)
            if query is not None:
                self._entries.move_to_end(sha256_hash)
            return query

    def put(self, sha256_hash: str, query: str) -> None:
        if len(query.encode("utf-8")) > self.max_query_bytes:
            return  # still answered, never kept: one huge document cannot flush the store
        with self._lock:
            self._entries[sha256_hash] = query
            self._entries.move_to_end(sha256_hash)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def resolve(self, query: str | None, extensions: Mapping[str, object] | None) -> Resolved | None:
        """The document of a request that uses the protocol; None when it does not.

        Raises ``PersistedQueryError`` for an unknown hash without a document
        (the client then sends both), a hash that is not the document's, or a
        version or shape of ``persistedQuery`` this hub does not speak.
        """
        sha256_hash = requested_hash(extensions)
        if sha256_hash is None:
            return None
        if query is None:
            stored = self.get(sha256_hash)
            if stored is None:
                raise PersistedQueryError(NOT_FOUND_MESSAGE, NOT_FOUND_CODE)
            return Resolved(stored, None)
        if sha256_hex(query) != sha256_hash:
            raise PersistedQueryError("provided sha does not match query", "BAD_REQUEST")
        return Resolved(query, None if self.get(sha256_hash) == query else sha256_hash)


def requested_hash(extensions: Mapping[str, object] | None) -> str | None:
    """``extensions.persistedQuery.sha256Hash`` (lower-case hex), checked; None if absent."""
    if not extensions:
        return None
    persisted = extensions.get("persistedQuery")
    if persisted is None:
        return None
    if not isinstance(persisted, Mapping):
        raise PersistedQueryError("extensions.persistedQuery must be an object", "BAD_REQUEST")
    if persisted.get("version") != VERSION:
        raise PersistedQueryError("Unsupported persisted query version", "BAD_REQUEST")
    value = persisted.get("sha256Hash")
    if not isinstance(value, str) or not _HASH.match(value.lower()):
        raise PersistedQueryError(
            "extensions.persistedQuery.sha256Hash must be 64 hexadecimal digits", "BAD_REQUEST"
        )
    return value.lower()


def sha256_hex(query: str) -> str:
    return hashlib.sha256(query.encode("utf-8")).hexdigest()


def from_config(config: Config) -> PersistedQueries:
    """``[graphql] apq_max_entries`` and ``apq_max_query_bytes``."""
    return PersistedQueries(config.graphql.apq_max_entries, config.graphql.apq_max_query_bytes)
