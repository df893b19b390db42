"""The ``[public]`` and ``[security]`` tables of ``HUB_CONFIG``, checked once.

::

    [public]
    enabled = false                 # no key: the public schema, rate-limited

    [security]
    trusted_documents_only = false  # production: only registered documents ...
    trusted_documents_roles = ["public", "viewer"]   # ... for these roles (public always)
    introspection = ["province", "city", "viewer", "public"]  # roles that may introspect
    cors_origins = []               # front-end origins allowed to call from a browser
    cors_allow_localhost = false    # also http://localhost:* and http://127.0.0.1:* (hub demo: true)

    [security.limits]
    max_depth = 10
    max_aliases = 30
    max_tokens = 2000
    max_cost = 50000
    list_size = 20                  # assumed length of a list without `first`
    max_first = 100
    max_query_chars = 100000

    [security.rate_limit]
    enabled = true
    key_per_second = 20.0           # per API key
    key_burst = 60
    ip_per_second = 5.0             # per client address, without a key
    ip_burst = 30

    [security.subscriptions]        # live events over WebSocket on /graphql
    per_connection = 5              # subscriptions open at once on one connection
    per_address = 20                # ... from one client address (per server process)

    [graphql]
    max_body_bytes = 1048576        # the body limit of /graphql (hub.http.graphql checks it too)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, TypeVar

from hub.config import Config
from hub.errors import ConfigError
from hub.security.roles import Role


@dataclass(frozen=True, slots=True)
class Limits:
    max_depth: int = 10
    max_aliases: int = 30
    max_tokens: int = 2000
    max_cost: int = 50_000
    list_size: int = 20  # assumed length of a list without `first` (children, claims)
    max_first: int = 100
    max_body_bytes: int = 1024 * 1024
    max_query_chars: int = 100_000


@dataclass(frozen=True, slots=True)
class RateLimits:
    enabled: bool = True
    key_per_second: float = 20.0
    key_burst: float = 60.0
    ip_per_second: float = 5.0
    ip_burst: float = 30.0


@dataclass(frozen=True, slots=True)
class SubscriptionLimits:
    per_connection: int = 5
    per_address: int = 20


_ALL_ROLES = frozenset(Role)


@dataclass(frozen=True, slots=True)
class SecuritySettings:
    public_enabled: bool = False
    trusted_documents_only: bool = False
    trusted_roles: frozenset[Role] = frozenset({Role.PUBLIC, Role.VIEWER})
    introspection_roles: frozenset[Role] = _ALL_ROLES
    cors_origins: tuple[str, ...] = ()
    cors_allow_localhost: bool = False
    limits: Limits = field(default_factory=Limits)
    rate: RateLimits = field(default_factory=RateLimits)
    subscriptions: SubscriptionLimits = field(default_factory=SubscriptionLimits)

    def needs_trusted_document(self, role: Role) -> bool:
        return self.trusted_documents_only and role in self.trusted_roles

    def may_introspect(self, role: Role) -> bool:
        return role in self.introspection_roles

    @classmethod
    def from_config(cls, config: Config) -> SecuritySettings:
        public = config.section("public")
        _known(public, {"enabled"}, "[public]")
        sec = config.section("security")
        _known(
            sec,
            {"trusted_documents_only", "trusted_documents_roles", "introspection",
             "cors_origins", "cors_allow_localhost", "limits", "rate_limit", "subscriptions"},
            "[security]",
        )
        trusted = _roles(sec.get("trusted_documents_roles", ["public", "viewer"]),
                         "[security] trusted_documents_roles")
        return cls(
            public_enabled=_bool(public.get("enabled", False), "[public] enabled"),
            trusted_documents_only=_bool(sec.get("trusted_documents_only", False),
                                         "[security] trusted_documents_only"),
            # Without a key, production always means trusted documents only.
            trusted_roles=trusted | {Role.PUBLIC},
            introspection_roles=_roles(sec.get("introspection", [r.value for r in Role]),
                                       "[security] introspection"),
            cors_origins=_origins(sec.get("cors_origins", [])),
            cors_allow_localhost=_bool(sec.get("cors_allow_localhost", False),
                                       "[security] cors_allow_localhost"),
            limits=_limits(config, _table(sec, "limits")),
            rate=_numbers(RateLimits, _table(sec, "rate_limit"), "[security.rate_limit]"),
            subscriptions=_numbers(SubscriptionLimits, _table(sec, "subscriptions"),
                                   "[security.subscriptions]"),
        )


T = TypeVar("T", Limits, RateLimits, SubscriptionLimits)


def _limits(config: Config, table: Mapping[str, Any]) -> Limits:
    if "max_body_bytes" in table:
        raise ConfigError("set the body limit of /graphql as [graphql] max_body_bytes")
    limits = _numbers(Limits, table, "[security.limits]")
    # One knob for the body limit: the endpoint's own (hub.http.graphql checks it too).
    body = config.section("graphql").get("max_body_bytes", limits.max_body_bytes)
    if isinstance(body, bool) or not isinstance(body, int) or body <= 0:
        raise ConfigError("[graphql] max_body_bytes must be a positive integer")
    return replace(limits, max_body_bytes=body)


def _table(section: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = section.get(name, {})
    if not isinstance(value, Mapping):
        raise ConfigError(f"[security.{name}] must be a table")
    return value


def _known(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = set(table) - allowed
    if unknown:
        raise ConfigError(f"{where}: unknown setting(s) {', '.join(sorted(unknown))}")


def _bool(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where} must be true or false")
    return value


def _roles(value: object, where: str) -> frozenset[Role]:
    names = {r.value: r for r in Role}
    if not isinstance(value, list) or not all(isinstance(v, str) and v in names for v in value):
        raise ConfigError(f"{where} must be a list of roles among {', '.join(names)}")
    return frozenset(names[v] for v in value)


def _origins(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError("[security] cors_origins must be a list of origins")
    for origin in value:
        if origin == "*" or not origin.startswith(("http://", "https://")) or origin.endswith("/"):
            raise ConfigError(
                f"[security] cors_origins: {origin!r} is not an origin such as "
                "https://wish.example.cn (no '*', no path)"
            )
    return tuple(value)


def _numbers(kind: type[T], table: Mapping[str, Any], where: str) -> T:
    defaults = kind()
    _known(table, {f.name for f in fields(kind)}, where)
    values: dict[str, Any] = {}
    for f in fields(kind):
        if f.name not in table:
            continue
        value = table[f.name]
        default = getattr(defaults, f.name)
        if isinstance(default, bool):
            values[f.name] = _bool(value, f"{where} {f.name}")
            continue
        ok = isinstance(value, int | float) and not isinstance(value, bool) and value > 0
        if isinstance(default, int) and not isinstance(value, int):
            ok = False
        if not ok:
            kind_name = "a positive integer" if isinstance(default, int) else "a positive number"
            raise ConfigError(f"{where} {f.name} must be {kind_name}")
        values[f.name] = float(value) if isinstance(default, float) else value
    return kind(**values)
