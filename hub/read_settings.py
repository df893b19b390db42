"""Settings of the read path past the engine: the response cache (``[cache]``)
and read replicas (``DATABASE_REPLICA_URLS``, ``[replicas]``). Checked once,
at start-up: a bad value fails there.

```toml
[cache]
responses = true          # false: every query runs (the engine's own speed)
max_entries = 10000
max_bytes = 67108864      # 64 MiB of answers per worker process
max_age_seconds = 60      # answers that depend on the clock (overdue, a source's health)
confirm_version = true    # false: trust notifications alone (see docs/operators.md)

[replicas]
max_lag_seconds = 5       # a replica this far behind the primary's version is skipped
check_seconds = 0.5       # how often each replica's version is read
```
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from hub.config import Config
from hub.errors import ConfigError

REPLICA_URLS_VARIABLE = "DATABASE_REPLICA_URLS"


@dataclass(frozen=True)
class CacheSettings:
    responses: bool = True
    max_entries: int = 10_000
    max_bytes: int = 64 * 1024 * 1024
    max_age_seconds: float = 60.0
    confirm_version: bool = True

    @classmethod
    def from_config(cls, config: Config) -> CacheSettings:
        section = config.section("cache")
        return cls(
            responses=_bool(section, "cache", "responses", cls.responses),
            max_entries=_int(section, "cache", "max_entries", cls.max_entries),
            max_bytes=_int(section, "cache", "max_bytes", cls.max_bytes),
            max_age_seconds=_number(section, "cache", "max_age_seconds", cls.max_age_seconds),
            confirm_version=_bool(section, "cache", "confirm_version", cls.confirm_version),
        )

    @property
    def enabled(self) -> bool:
        return self.responses and self.max_entries > 0 and self.max_bytes > 0


@dataclass(frozen=True)
class ReplicaSettings:
    urls: tuple[str, ...] = ()
    max_lag_seconds: float = 5.0
    check_seconds: float = 0.5

    @classmethod
    def from_config(cls, config: Config) -> ReplicaSettings:
        section = config.section("replicas")
        check = _number(section, "replicas", "check_seconds", cls.check_seconds)
        if check <= 0:
            raise ConfigError("[replicas] check_seconds must be a number > 0")
        return cls(
            urls=replica_urls(),
            max_lag_seconds=_number(section, "replicas", "max_lag_seconds", cls.max_lag_seconds),
            check_seconds=check,
        )


def replica_urls() -> tuple[str, ...]:
    """``DATABASE_REPLICA_URLS``: PostgreSQL URLs separated by commas or spaces."""
    raw = os.environ.get(REPLICA_URLS_VARIABLE, "")
    return tuple(u for u in raw.replace(",", " ").split() if u)


def _bool(section: dict[str, Any], name: str, key: str, default: bool) -> bool:
    value = section.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"[{name}] {key} must be true or false")
    return value


def _int(section: dict[str, Any], name: str, key: str, default: int) -> int:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(f"[{name}] {key} must be a non-negative integer")
    return value


def _number(section: dict[str, Any], name: str, key: str, default: float) -> float:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ConfigError(f"[{name}] {key} must be a non-negative number")
    return float(value)
