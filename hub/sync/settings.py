"""The ``[sync]`` table of the configuration, with its defaults.

```toml
[sync]
page_size = 500         # clipped to what each platform allows
max_retries = 5         # retries of one page after the first attempt
backoff_base = 0.5      # seconds; attempt n waits up to base * 2**(n-1) (full jitter)
backoff_max = 30.0      # seconds; cap of one jittered wait
retry_after_max = 120.0 # seconds; cap of a platform's Retry-After
timeout = 30.0          # seconds; one request, connect to last byte
interval = 300.0        # seconds between rounds of ``hub sync --watch``
max_pages = 20000       # per entity and run; the next run goes on from there
max_repeats = 5         # the same position answered this many times in a row: a fault
```
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from hub.config import Config
from hub.errors import ConfigError


@dataclass(frozen=True, slots=True)
class SyncSettings:
    page_size: int = 500
    max_retries: int = 5
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    retry_after_max: float = 120.0
    timeout: float = 30.0
    interval: float = 300.0
    max_pages: int = 20_000
    max_repeats: int = 5

    @classmethod
    def from_config(cls, config: Config) -> SyncSettings:
        return cls.from_table(config.section("sync"))

    @classmethod
    def from_table(cls, table: dict[str, Any]) -> SyncSettings:
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(table) - set(known))
        if unknown:
            raise ConfigError(f"[sync] has unknown keys: {', '.join(unknown)}")
        values: dict[str, Any] = {}
        for name, value in table.items():
            values[name] = _checked(name, value, int if known[name].type == "int" else float)
        return cls(**values)


# Zero waits and no retries are valid choices (tests, a one-shot run).
_ZERO_ALLOWED = frozenset({"max_retries", "backoff_base", "backoff_max", "retry_after_max"})


def _checked(name: str, value: object, kind: type) -> int | float:
    # bool is an int to Python, never a count or a duration to a person.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"[sync] {name} must be a number")
    if kind is int and not isinstance(value, int):
        raise ConfigError(f"[sync] {name} must be a whole number")
    if value < 0 or (value == 0 and name not in _ZERO_ALLOWED):
        raise ConfigError(f"[sync] {name} must be positive")
    return kind(value)  # type: ignore[no-any-return]
