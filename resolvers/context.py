"""What every resolver of one request can reach: the pool, config, loaders,
and who is asking (``caller``: from the security gate, else anonymous)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from hub import sources as source_reads
from hub.config import Config
from hub.models import Region, Source
from hub.regions import reference_by_code
from hub.security.roles import ANONYMOUS, Caller
from resolvers.loaders import Loaders


@dataclass
class Context:
    pool: asyncpg.Pool
    config: Config
    request: Any = None
    response: Any = None
    caller: Caller = field(default=ANONYMOUS)
    # The transport splices pre-built JSON into the answer (``orjson.Fragment``):
    # the query planner (``schema.plan``) may then answer root fields in SQL.
    splice_json: bool = False
    _loaders: Loaders | None = field(default=None, init=False, repr=False)
    _sources: asyncio.Task[dict[int, Source]] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        if self.caller is ANONYMOUS and self.request is not None:
            # Set by hub.security.gate in front of /graphql.
            found = getattr(getattr(self.request, "state", None), "caller", None)
            if isinstance(found, Caller):
                self.caller = found

    @property
    def loaders(self) -> Loaders:
        """This request's DataLoaders, made when first asked for (a page the
        query planner answers never needs the fifteen of them)."""
        if self._loaders is None:
            self._loaders = Loaders(self.pool)
        return self._loaders

    @loaders.setter
    def loaders(self, value: Loaders) -> None:
        self._loaders = value

    async def sources(self) -> dict[int, Source]:
        """Every source by id, read once per request (there are a handful)."""
        if self._sources is None:
            self._sources = asyncio.ensure_future(
                source_reads.all_sources(self.pool, self.config, dt.datetime.now(dt.UTC))
            )
        return await self._sources

    def source(self, pk: int) -> Source | Awaitable[Source]:
        """The source with this id: at once when this request has read them."""
        if self._sources is not None and self._sources.done():
            return self._sources.result()[pk]
        return self._source_later(pk)

    async def _source_later(self, pk: int) -> Source:
        return (await self.sources())[pk]

    def region(self, code: str) -> Region | Awaitable[Region | None]:
        """A region by code: the shipped reference regions (province, cities,
        counties) at once, towns and villages through the request's loader.

        Returning the value itself, not a coroutine, spares graphql-core an
        awaitable per object on every list page.
        """
        return reference_by_code().get(code) or self.loaders.region.load(code)
