"""Around one ``/graphql`` request: the response cache and the read replicas.

``hub.response_cache`` and ``hub.replicas`` say what each guarantees; this
is where a request meets them, so that the endpoint only asks: is there an
answer already (``lookup``), which pool answers (``pool_for``), may the
answer be kept (``keep``), and what did a write produce (``wrote``).
"""

from __future__ import annotations

from typing import Any

import asyncpg
from starlette.requests import Request
from starlette.responses import Response

from hub import data_version, replicas
from hub.errors import DatabaseUnavailable
from hub.observability import metrics
from hub.response_cache import Lookup, ResponseCache, is_query
from hub.security.roles import ANONYMOUS, Caller


class ReadPath:
    def __init__(self, cache: ResponseCache | None) -> None:
        self.cache = cache

    async def lookup(
        self, request: Request, query: str, operation_name: str | None,
        variables: dict[str, Any] | None,
    ) -> Lookup | None:
        """The request's place in the cache; None when the cache is off or
        the operation is not cacheable."""
        if self.cache is None:
            return None
        versions = data_version.of_app(request.app, request.app.state.pool)
        return await self.cache.lookup(versions, query, operation_name, variables, _caller(request))

    def pool_for(self, request: Request, query: str, operation_name: str | None) -> asyncpg.Pool:
        """A replica's pool for a query when one is fit (``hub.replicas``), else the primary's."""
        state: Any = request.state
        primary: asyncpg.Pool = request.app.state.pool
        found = replicas.of_app(request.app)
        if found is None or not is_query(query, operation_name):
            return primary
        needed = found.needed_by(_writers(request), request.headers.get(replicas.MIN_VERSION_HEADER))
        replica = found.choose(needed)
        state.replica = replica
        if replica is None or replica.pool is None:
            metrics.read_from("primary")
            return primary
        metrics.read_from("replica")
        return replica.pool

    def replica_lost(self, request: Request) -> bool:
        """The request's replica went away mid-way: marked, and the caller runs
        the operation again on the primary (``pool_for`` then chooses it)."""
        replica = getattr(request.state, "replica", None)
        found = replicas.of_app(request.app)
        if replica is None or found is None:
            return False
        found.lost(replica)
        request.state.replica = None
        return True

    def keep(self, request: Request, lookup: Lookup | None, body: bytes) -> None:
        """Store an error-free answer, unless a replica older than the
        lookup's version computed it."""
        if lookup is None:
            return
        replica = getattr(request.state, "replica", None)
        if replica is not None and (replica.version is None or replica.version < lookup.version):
            return
        lookup.store(body, str(getattr(request.state, "graphql_operation", "anonymous")))

    async def wrote(
        self, request: Request, query: str, operation_name: str | None, response: Response
    ) -> None:
        """After a mutation that succeeded (``wrote``)."""
        if not is_query(query, operation_name):
            await wrote(request, response)


async def wrote(request: Request, response: Response) -> None:
    """After a mutation or a push: with replicas, remember the version it
    produced for its writer and tell the client (``Hub-Data-Version``)."""
    found = replicas.of_app(request.app)
    if found is None:
        return
    try:
        version = await data_version.read(request.app.state.pool)
    except DatabaseUnavailable:
        return  # the write stands; only its read-your-writes is not remembered
    for writer in _writers(request):
        found.wrote(writer, version)
    found.versions.saw(version)
    response.headers[replicas.VERSION_HEADER] = str(version)


def _caller(request: Request) -> Caller:
    found = getattr(request.state, "caller", None)
    return found if isinstance(found, Caller) else ANONYMOUS


def _writers(request: Request) -> list[str]:
    """Who a write is remembered for: the key (or the pushing source), and
    the client's address (a platform pushing and then reading with a key)."""
    out = []
    caller = _caller(request)
    if caller.name is not None:
        out.append(f"key:{caller.name}")
    source = getattr(request.state, "ingest_source", None)
    if isinstance(source, str):
        out.append(f"source:{source}")
    if request.client is not None:
        out.append(f"address:{request.client.host}")
    return out
