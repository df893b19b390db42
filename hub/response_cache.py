"""The response cache: whole answers of queries, per worker process.

An entry is the encoded answer of one query operation, keyed by everything
that decides it: the document (a digest of its text), the operation name,
the variables (canonical JSON), the caller's role and a city key's region
(masking, the village rule and operator fields depend on nothing else). It
is valid only at the data version it was computed at (``hub.data_version``):
the version is known before the query runs, so an answer computed while a
write committed is labelled with the older version and never served after
that write. When a newer version is seen every entry goes.

Only queries (never mutations or subscriptions) whose answer has no error
are kept; an answer larger than an eighth of ``max_bytes`` is not. Entries
older than ``max_age_seconds`` go too: a few fields depend on the clock
rather than on data (``overdue(days:)``, a source's health). Memory is bounded
by ``max_entries`` and ``max_bytes``, least recently used first out.

The bound on staleness: with ``confirm_version`` (the default) a request
uses the version read by a statement that began after it arrived, so it sees
every write committed before it arrived, in any process or host. Without
it, the version the process's notifications last told (one listening
connection, ``hub.events``); a request then sees a write of another process
once its notification has arrived (well under a millisecond on one host),
and falls back to a read while the listener is not connected (from the
moment its connection closes: ``hub.events``).
"""

from __future__ import annotations

import functools
import hashlib
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import GraphQLError, OperationType, get_operation_ast, parse

from hub.config import CacheSettings
from hub.data_version import DataVersion
from hub.observability import metrics
from hub.security.roles import Caller

# (document digest, operation name, variables JSON, role, region)
Key = tuple[bytes, str, bytes, str, str]

# Documents past these are not cached (the engine refuses them anyway, at the
# configured [security] limits): parsing and remembering them stays cheap.
_MAX_DOCUMENT = 64 * 1024
_MAX_TOKENS = 10_000

_KEY_OVERHEAD = 200  # bytes an entry costs beside its answer and variables


@dataclass(frozen=True, slots=True)
class Entry:
    body: bytes
    operation: str  # the operation's label for the request log and metrics
    at: float  # time.monotonic() when stored


@dataclass(slots=True)
class Lookup:
    """One request's place in the cache: its key, the version it runs at,
    and the entry found (None: a miss, to be stored if the answer qualifies)."""

    cache: ResponseCache
    key: Key
    version: int
    hit: Entry | None

    def store(self, body: bytes, operation: str) -> None:
        self.cache.put(self.key, self.version, body, operation)


class ResponseCache:
    def __init__(self, settings: CacheSettings) -> None:
        self.settings = settings
        self.version = 0
        self._entries: OrderedDict[Key, Entry] = OrderedDict()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def watch(self, versions: DataVersion) -> None:
        """Drop entries as soon as a newer version is seen (memory back early)."""
        versions.on_change(self.advance)

    def advance(self, version: int) -> None:
        if version > self.version:
            self.version = version
            self._entries.clear()
            self._bytes = 0

    async def lookup(
        self, versions: DataVersion, query: str, operation_name: str | None,
        variables: dict[str, Any] | None, caller: Caller,
    ) -> Lookup | None:
        """The request's lookup; None when its answer is not to be cached."""
        key = cache_key(query, operation_name, variables, caller)
        if key is None:
            metrics.response_cache("skip")
            return None
        version = None if self.settings.confirm_version else versions.notified()
        if version is None:
            version = await versions.confirmed()
        hit = self.get(key, version)
        metrics.response_cache("miss" if hit is None else "hit")
        return Lookup(self, key, version, hit)

    def get(self, key: Key, version: int) -> Entry | None:
        self.advance(version)
        if version != self.version:
            return None  # a request that began before the newest version was seen
        entry = self._entries.get(key)
        if entry is None:
            return None
        if time.monotonic() - entry.at > self.settings.max_age_seconds:
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return entry

    def put(self, key: Key, version: int, body: bytes, operation: str) -> None:
        self.advance(version)
        if version != self.version or _size(key, body) > self.settings.max_bytes // 8:
            return
        if key in self._entries:
            self._drop(key)
        self._entries[key] = Entry(body, operation, time.monotonic())
        self._bytes += _size(key, body)
        while self._entries and (len(self._entries) > self.settings.max_entries
                                 or self._bytes > self.settings.max_bytes):
            self._drop(next(iter(self._entries)))

    def _drop(self, key: Key) -> None:
        entry = self._entries.pop(key)
        self._bytes -= _size(key, entry.body)


def _size(key: Key, body: bytes) -> int:
    return len(body) + len(key[2]) + len(key[1]) + _KEY_OVERHEAD


def cache_key(
    query: str, operation_name: str | None, variables: dict[str, Any] | None, caller: Caller
) -> Key | None:
    """The key of a query operation's answer; None for anything else (a
    mutation, a subscription, a document that does not parse, variables
    without a canonical JSON form)."""
    if len(query) > _MAX_DOCUMENT or not is_query(query, operation_name):
        return None
    try:
        canonical = orjson.dumps(variables or {}, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # an integer beyond 64 bits: let the engine answer it
        return None
    return (_digest(query), operation_name or "", canonical, caller.role.value, caller.region or "")


def _digest(query: str) -> bytes:
    return hashlib.blake2b(query.encode("utf-8", "surrogatepass"), digest_size=16).digest()


@functools.lru_cache(maxsize=512)
def is_query(query: str, operation_name: str | None) -> bool:
    """Whether the operation the request runs is a query (parsed once per document)."""
    try:
        operation = get_operation_ast(parse(query, max_tokens=_MAX_TOKENS), operation_name)
    except GraphQLError:
        return False
    return operation is not None and operation.operation is OperationType.QUERY
