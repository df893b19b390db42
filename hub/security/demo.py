"""``hub demo``'s configuration: the demo's own settings under the user's.

The demo writes its own ``hub.toml`` beside its database (``HUB_DATA_DIR/demo``)
and points ``HUB_CONFIG`` at it, so that trying the hub never edits the
operator's real configuration. That file is the demo's defaults (public reads
on, no rate limit, browsers on ``localhost``/``127.0.0.1`` allowed) with the
user's own ``HUB_CONFIG`` (or ``./hub.toml``) laid over them, table by table:
what the user set wins. Every platform accepts pushes: with the user's token
and secret when the user gave both, otherwise with credentials the demo made
up once and keeps beside its database. A province key for the operator views
is new on every run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import adapters
from hub.config import Config, load_config
from hub.errors import ConfigError
from hub.security.keyfile import write_atomically
from hub.security.keys import hash_token, new_token
from hub.security.roles import Role

DEMO_KEY = "demo-province"

_DEFAULTS: dict[str, Any] = {
    "public": {"enabled": True},
    "security": {"cors_allow_localhost": True, "rate_limit": {"enabled": False}},
}


@dataclass(frozen=True, slots=True)
class DemoSource:
    """A platform as the demo configured it, and where its credentials came from."""

    code: str
    name: str
    token: str
    secret: str
    origin: str


@dataclass(frozen=True, slots=True)
class DemoConfig:
    path: Path
    token: str
    user_config: Path | None
    sources: tuple[DemoSource, ...]


def demo_config(directory: Path) -> DemoConfig:
    """Write the demo's configuration and point ``HUB_CONFIG`` at it."""
    user = load_config()  # HUB_CONFIG, or ./hub.toml when present
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "hub.toml"
    if user.path is not None and user.path.resolve() == path.resolve():
        raise ConfigError(f"HUB_CONFIG names the demo's own file {path}; point it at your configuration")
    raw = _merged(_DEFAULTS, user.tables)
    sources = _sources(user, directory / "demo-sources.json")
    raw["sources"] = {
        **raw.get("sources", {}),
        **{s.code: {**raw.get("sources", {}).get(s.code, {}), "token": s.token, "secret": s.secret}
           for s in sources},
    }
    token = new_token()
    keys = dict(raw.get("keys", {}))
    keys[DEMO_KEY] = {
        "role": Role.PROVINCE.value,
        "sha256": hash_token(token),
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    raw["keys"] = keys
    origin = f" over {user.path}" if user.path is not None else ""
    text = f"# Written by `hub demo` on every start: its defaults{origin}. Edit your own HUB_CONFIG instead.\n\n"
    write_atomically(path, text + to_toml(raw))
    os.environ["HUB_CONFIG"] = str(path)
    return DemoConfig(path=path, token=token, user_config=user.path, sources=tuple(sources))


def signed_curl(source: DemoSource, url: str) -> str:
    """A ready-to-paste ``curl`` pushing one small record of ``source``, signed."""
    example = adapters.REGISTRY[source.code].example
    assert example is not None, source.code
    body = example.decode("ascii")  # pastes byte for byte
    signature = hmac.new(source.secret.encode(), body.encode(), hashlib.sha256).hexdigest()
    return (
        f"curl -sS {url}/ingest/{source.code} \\\n"
        f"  -H 'Authorization: Bearer {source.token}' \\\n"
        f"  -H 'X-Hub-Signature-256: sha256={signature}' \\\n"
        f"  -H 'Content-Type: application/json' \\\n"
        f"  --data-binary {shlex.quote(body)}"
    )


def sample_source(sources: tuple[DemoSource, ...]) -> DemoSource | None:
    """The source the demo shows a signed push for: the first platform with an ``example``."""
    return next((s for s in sources if (p := adapters.get(s.code)) and p.example), None)


def _sources(user: Config, kept: Path) -> list[DemoSource]:
    made = _read_made(kept)
    out: list[DemoSource] = []
    for code, adapter in adapters.REGISTRY.items():
        given = user.sources.get(code)
        if given is not None and given.token and given.secret:
            out.append(DemoSource(code, adapter.info.name, given.token, given.secret, f"from {user.path}"))
            continue
        if code not in made:
            made[code] = {"token": f"demo-{code}-" + secrets.token_urlsafe(12),
                          "secret": secrets.token_urlsafe(24)}
        out.append(DemoSource(code, adapter.info.name, made[code]["token"], made[code]["secret"],
                              f"made up by the demo (kept in {kept})"))
    write_atomically(kept, json.dumps(made, indent=2) + "\n")
    return out


def _read_made(path: Path) -> dict[str, dict[str, str]]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        k: {"token": v["token"], "secret": v["secret"]}
        for k, v in data.items()
        if isinstance(v, dict) and isinstance(v.get("token"), str) and isinstance(v.get("secret"), str)
    }


def _merged(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merged(out[key], value)
        else:
            out[key] = value
    return out


# ---------------------------------------------------------------- TOML out


def to_toml(table: Mapping[str, Any], prefix: str = "") -> str:
    """TOML text for what ``tomllib`` reads: scalars first, then sub-tables.

    Covers what a configuration holds (strings, numbers, booleans, dates,
    lists of scalars or tables, nested tables); round-trips through tomllib.
    """
    lines: list[str] = []
    nested: list[str] = []
    for key, value in table.items():
        name = _key(key)
        full = f"{prefix}.{name}" if prefix else name
        if isinstance(value, Mapping):
            nested.append(f"\n[{full}]\n" + to_toml(value, full) if _has_scalars(value)
                          else to_toml(value, full))
        elif isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
            for item in value:
                nested.append(f"\n[[{full}]]\n" + to_toml(item, full))
        else:
            lines.append(f"{name} = {_value(value)}")
    head = "\n".join(lines) + ("\n" if lines else "")
    return head + "".join(nested)


def _has_scalars(table: Mapping[str, Any]) -> bool:
    return not table or any(
        not isinstance(v, Mapping) and not (isinstance(v, list) and v and all(isinstance(i, Mapping) for i in v))
        for v in table.values()
    )


def _key(key: str) -> str:
    bare = key.replace("-", "").replace("_", "")
    return key if key and bare.isascii() and bare.isalnum() else json.dumps(key, ensure_ascii=False)


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + "}"
    raise ConfigError(f"cannot write {type(value).__name__} into the demo's configuration")
