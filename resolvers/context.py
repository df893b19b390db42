"""What every resolver of one request can reach: the pool, config, loaders."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from hub import sources as source_reads
from hub.config import Config
from hub.models import Source
from resolvers.loaders import Loaders


@dataclass
class Context:
    pool: asyncpg.Pool
    config: Config
    request: Any = None
    response: Any = None
    loaders: Loaders = field(init=False)
    _sources: asyncio.Task[dict[int, Source]] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.pool)

    async def sources(self) -> dict[int, Source]:
        """Every source by id, read once per request (there are a handful)."""
        if self._sources is None:
            self._sources = asyncio.ensure_future(
                source_reads.all_sources(self.pool, self.config, dt.datetime.now(dt.UTC))
            )
        return await self._sources
