"""Configuration: environment variables and the ``HUB_CONFIG`` TOML file.

The file layout is fixed by ``docs/platforms/README.md``::

    [sources.shengjing]
    token = "..."
    secret = "..."
    base_url = "http://127.0.0.1:9101"   # only for platforms that are pulled
    callback_url = "https://sj.example.cn/hub-events"   # optional (callbacks.md)

Sections other than ``sources`` belong to the features that read them
(``[ingest]``, ``[sync]``, ``[security]`` ...); unknown keys are kept in
``Config.raw`` so that a feature can read its own section without this module
knowing every option.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hub.errors import ConfigError

DEFAULT_CONFIG_PATH = "./hub.toml"
DEFAULT_DATA_DIR = "./.hub-data"


@dataclass(frozen=True, slots=True)
class SourceConfig:
    code: str
    token: str | None = None
    secret: str | None = None
    base_url: str | None = None
    callback_url: str | None = None  # where the hub's callbacks go (hub.outbox)


@dataclass(frozen=True, slots=True)
class Config:
    path: Path | None
    sources: dict[str, SourceConfig] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)

    def section(self, name: str) -> dict[str, Any]:
        value = self.raw.get(name, {})
        if not isinstance(value, dict):
            raise ConfigError(f"[{name}] in {self.path} must be a table")
        return value


def database_url() -> str | None:
    """``DATABASE_URL`` when set and not empty: the hub then uses that server."""
    return os.environ.get("DATABASE_URL") or None


def database_direct_url() -> str | None:
    """``DATABASE_DIRECT_URL``: the same database without a PgBouncer in between,
    for what needs a session of its own (``LISTEN``) when ``DATABASE_URL`` names
    a transaction-pooling PgBouncer (``?pgbouncer=true``, see ``hub.db``)."""
    return os.environ.get("DATABASE_DIRECT_URL") or None


def data_dir() -> Path:
    return Path(os.environ.get("HUB_DATA_DIR") or DEFAULT_DATA_DIR)


def config_path() -> Path:
    return Path(os.environ.get("HUB_CONFIG") or DEFAULT_CONFIG_PATH)


def load_config(path: Path | None = None) -> Config:
    """Read the TOML file; a missing default file means an empty configuration."""
    explicit = path is not None or bool(os.environ.get("HUB_CONFIG"))
    path = path or config_path()
    if not path.exists():
        if explicit:
            raise ConfigError(f"configuration file {path} does not exist (HUB_CONFIG)")
        return Config(path=None)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read configuration {path}: {exc}") from exc
    return parse_config(raw, path)


def parse_config(raw: dict[str, Any], path: Path | None = None) -> Config:
    sources: dict[str, SourceConfig] = {}
    table = raw.get("sources", {})
    if not isinstance(table, dict):
        raise ConfigError("[sources] must be a table of tables")
    for code, entry in table.items():
        if not isinstance(entry, dict):
            raise ConfigError(f"[sources.{code}] must be a table")
        sources[code] = SourceConfig(
            code=code,
            token=_opt_str(entry, "token", code),
            secret=_opt_str(entry, "secret", code),
            base_url=_opt_str(entry, "base_url", code),
            callback_url=_opt_str(entry, "callback_url", code),
        )
    return Config(path=path, sources=sources, raw=raw)


def _opt_str(entry: dict[str, Any], key: str, code: str) -> str | None:
    value = entry.get(key)
    if value is None or isinstance(value, str):
        return value
    raise ConfigError(f"[sources.{code}] {key} must be a string")
