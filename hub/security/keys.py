"""API keys: tokens, their SHA-256, and the ``[keys.NAME]`` tables of ``HUB_CONFIG``.

A key is stored as the SHA-256 of its token, never the token::

    [keys.shenyang-office]
    role = "city"            # province | city | viewer
    region = "210100"        # city keys only: the region they operate
    sha256 = "3f0c…"         # hex SHA-256 of the token
    created = "2026-11-22T10:00:00+08:00"

The token itself is printed once by ``hub keys add`` and known only to its
holder. A request's token is hashed and looked up by hash, so comparing
tokens never depends on how many characters match.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from hub import regions
from hub.config import Config
from hub.errors import ConfigError
from hub.models import RegionLevel
from hub.security.roles import KEY_ROLES, Caller, Role

TOKEN_PREFIX = "lnhub_"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


def new_token() -> str:
    """A fresh token: 256 random bits, URL-safe, with a recognisable prefix."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise ConfigError(
            f"key name {name!r}: use 1-64 letters, digits, '-' or '_' (starting with a "
            "letter or digit)"
        )
    return name


def check_region(role: Role, region: str | None, where: str) -> str | None:
    """A city key needs a city or county of 辽宁; other roles take none."""
    if role is not Role.CITY:
        if region is not None:
            raise ConfigError(f"{where}: only a city key has a region")
        return None
    if region is None:
        raise ConfigError(f"{where}: a city key needs a region (e.g. 210100)")
    known = regions.reference_by_code().get(region)
    if known is None or known.level not in (RegionLevel.CITY, RegionLevel.COUNTY):
        raise ConfigError(
            f"{where}: region {region!r} is not a city or county code of 辽宁 (e.g. 210100)"
        )
    return region


def parse_role(value: object, where: str) -> Role:
    if isinstance(value, str):
        for role in KEY_ROLES:
            if role.value == value:
                return role
    names = ", ".join(r.value for r in KEY_ROLES)
    raise ConfigError(f"{where}: role must be one of {names}")


@dataclass(frozen=True, slots=True)
class ApiKey:
    name: str
    role: Role
    sha256: str
    region: str | None = None
    created: str | None = None

    def caller(self, address: str | None = None) -> Caller:
        return Caller(self.role, self.name, self.region, address)


def keys_from_config(config: Config) -> dict[str, ApiKey]:
    """Every ``[keys.NAME]`` table (typed by ``hub.config``), with the rules
    across its settings; a bad one is a ``ConfigError``."""
    keys: dict[str, ApiKey] = {}
    for name, entry in config.keys.items():
        where = f"[keys.{name}] in {config.path}"
        check_name(name)
        role = parse_role(entry.role, where)
        keys[name] = ApiKey(name=name, role=role, sha256=entry.sha256,
                            region=check_region(role, entry.region, where), created=entry.created)
    return keys


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a token belongs to: a reader key, or a source (which may only push)."""

    key: ApiKey | None = None
    source: str | None = None


class KeyRing:
    """Reader keys and source tokens, by the SHA-256 of the token."""

    def __init__(self, keys: Mapping[str, ApiKey], source_tokens: Mapping[str, str]) -> None:
        self._keys = {k.sha256: k for k in keys.values()}
        self._sources = {hash_token(token): code for code, token in source_tokens.items()}
        clash = set(self._keys) & set(self._sources)
        if clash:
            names = sorted(self._keys[h].name for h in clash)
            raise ConfigError(
                f"key(s) {', '.join(names)} share a token with a source; a source's token "
                "may only push, so give the reader a key of its own"
            )
        if len(self._keys) != len(keys):
            raise ConfigError("two keys in [keys] have the same sha256")

    @classmethod
    def from_config(cls, config: Config) -> KeyRing:
        tokens = {code: s.token for code, s in config.sources.items() if s.token}
        return cls(keys_from_config(config), tokens)

    def identify(self, token: str) -> Identity | None:
        digest = hash_token(token)
        key = self._keys.get(digest)
        if key is not None:
            return Identity(key=key)
        source = self._sources.get(digest)
        return Identity(source=source) if source is not None else None

    def by_sha256(self, digest: str) -> ApiKey | None:
        """The reader key with this token hash (a dashboard session names its key so)."""
        return self._keys.get(digest)

    def __len__(self) -> int:
        return len(self._keys)
