"""Configuration: the environment variables the hub reads, and the
``HUB_CONFIG`` TOML file, read and checked once at start into typed settings.

Every table of the file is declared here, as a frozen dataclass with each
setting's type, default, bounds and meaning, and checked by one validator
(``_table``): an unknown table or key, a wrong type or a value out of bounds is
a ``ConfigError`` naming the table and key (and, for a near miss, the key that
was probably meant). Features take their typed table from ``Config``
(``config.graphql.max_body_bytes``) and check nothing themselves, but for rules
across settings (a ``callback_url`` needs a ``secret``; a city key needs a
region). ``docs/operators.md`` holds the list of every setting, generated from
these declarations (``python -m hub.config --write-docs``; a test keeps it true).

The file's layout for the sources is fixed by ``docs/platforms/README.md``::

    [sources.shengjing]
    token = "..."
    secret = "..."
    base_url = "http://127.0.0.1:9101"   # only for platforms that are pulled
    callback_url = "https://sj.example.cn/hub-events"   # optional (callbacks.md)
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import sys
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any, TypeVar, get_args, get_origin, get_type_hints

from hub.errors import ConfigError
from hub.security.roles import KEY_ROLES, Role

_T = TypeVar("_T")

# ---------------------------------------------------------------- the environment


@dataclass(frozen=True, slots=True)
class EnvironmentVariable:
    name: str
    default: str
    meaning: str


ENVIRONMENT: tuple[EnvironmentVariable, ...] = (
    EnvironmentVariable("DATABASE_URL", "the embedded server",
                        "the PostgreSQL server to use, e.g. `postgresql://hub:…@db:5432/hub`"),
    EnvironmentVariable("DATABASE_REPLICA_URLS", "none",
                        "read replicas of `DATABASE_URL`, separated by commas or spaces: queries go "
                        "to them, everything else to the primary (see `[replicas]`)"),
    EnvironmentVariable("DATABASE_DIRECT_URL", "none",
                        "the same database without PgBouncer, for `LISTEN` when `DATABASE_URL` names "
                        "a transaction-pooling PgBouncer (`?pgbouncer=true`); without it, events are polled"),
    EnvironmentVariable("HUB_DATA_DIR", "`./.hub-data`", "where the embedded server keeps its data"),
    EnvironmentVariable("HUB_CONFIG", "`./hub.toml`",
                        "the TOML configuration file (a named file must exist; the default may not)"),
    EnvironmentVariable("HUB_PLANNER", "on",
                        "`off` turns the query planner off whatever `[graphql] planner` says"),
    EnvironmentVariable("HUB_LOG_LEVEL", "`INFO`",
                        "log level of the `hub` commands and server workers: `DEBUG`, `INFO`, "
                        "`WARNING` (no access line per request), `ERROR`, `CRITICAL`; `hub -v` sets "
                        "`DEBUG`; any other value is refused at start"),
    EnvironmentVariable("HUB_LOG_FORMAT", "JSON when not a terminal",
                        "`json` or `text`: the format of log lines"),
    EnvironmentVariable("PROMETHEUS_MULTIPROC_DIR", "a new temporary directory",
                        "where the workers of `hub serve --workers N` share their metrics"),
    EnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT", "`http://localhost:4318`",
                        "where spans go when `[tracing] enabled` (and the other `OTEL_*` variables)"),
)

DEFAULT_CONFIG_PATH = "./hub.toml"
DEFAULT_DATA_DIR = "./.hub-data"


def database_url() -> str | None:
    """``DATABASE_URL`` when set and not empty: the hub then uses that server."""
    return os.environ.get("DATABASE_URL") or None


def replica_urls() -> tuple[str, ...]:
    """``DATABASE_REPLICA_URLS``: PostgreSQL URLs separated by commas or spaces."""
    raw = os.environ.get("DATABASE_REPLICA_URLS", "")
    return tuple(u for u in raw.replace(",", " ").split() if u)


def database_direct_url() -> str | None:
    """``DATABASE_DIRECT_URL``: the same database without a PgBouncer in between,
    for what needs a session of its own (``LISTEN``) when ``DATABASE_URL`` names
    a transaction-pooling PgBouncer (``?pgbouncer=true``, see ``hub.db``)."""
    return os.environ.get("DATABASE_DIRECT_URL") or None


def data_dir() -> Path:
    return Path(os.environ.get("HUB_DATA_DIR") or DEFAULT_DATA_DIR)


def config_path() -> Path:
    return Path(os.environ.get("HUB_CONFIG") or DEFAULT_CONFIG_PATH)


# ---------------------------------------------------------------- declaring a setting


@dataclass(frozen=True, slots=True)
class _Rule:
    """What a setting allows beyond its type, and what it means (for the docs)."""

    doc: str
    at_least: float | None = None  # inclusive
    above: float | None = None  # exclusive
    choices: Callable[[], tuple[str, ...]] | None = None
    pattern: str | None = None
    pattern_means: str = ""
    secret: bool = False  # never quoted in a message, even when of the wrong type


_NO_RULE = _Rule("")


def _setting(default: _T, doc: str, *, at_least: float | None = None, above: float | None = None,
             choices: Callable[[], tuple[str, ...]] | None = None,
             pattern: str | None = None, pattern_means: str = "", secret: bool = False) -> _T:
    rule = _Rule(doc, at_least, above, choices, pattern, pattern_means, secret)
    return field(default=default, metadata={"rule": rule})


def _required(doc: str, *, choices: Callable[[], tuple[str, ...]] | None = None,
              pattern: str | None = None, pattern_means: str = "", secret: bool = False) -> Any:
    """A setting without a default: its table must give it."""
    return field(metadata={"rule": _Rule(doc, choices=choices, pattern=pattern,
                                         pattern_means=pattern_means, secret=secret)})


def _named(names: Callable[[], tuple[str, ...]]) -> dict[str, _Rule]:
    """A table of tables whose names are fixed (``[sources.CODE]``)."""
    return {"rule": _Rule("", choices=names)}


def _roles() -> tuple[str, ...]:
    return tuple(r.value for r in Role)


def _key_roles() -> tuple[str, ...]:
    return tuple(r.value for r in KEY_ROLES)


def _source_codes() -> tuple[str, ...]:
    import adapters  # the registry is the only list of platforms

    return tuple(adapters.REGISTRY)


# ---------------------------------------------------------------- the tables


@dataclass(frozen=True, slots=True)
class SourceConfig:
    """``[sources.CODE]``: one platform's credentials."""

    code: str = ""  # the table's name, not a setting
    token: str | None = _setting(None, "the platform's bearer token for `POST /ingest/CODE`",
                                 secret=True)
    secret: str | None = _setting(None, "HMAC-SHA256 key of `X-Hub-Signature-256` (and of callbacks)",
                                  secret=True)
    base_url: str | None = _setting(None, "where `hub sync` pulls from (pulled platforms only)",
                                    pattern=r"^https?://", pattern_means="an http(s) URL")
    callback_url: str | None = _setting(None, "where the hub's callbacks go (needs `secret`)",
                                        pattern=r"^https?://", pattern_means="an http(s) URL")


@dataclass(frozen=True, slots=True, kw_only=True)
class KeyConfig:
    """``[keys.NAME]``: one API key, as ``hub keys add`` writes it."""

    name: str = ""  # the table's name, not a setting
    role: str = _required("the key's role", choices=_key_roles)
    sha256: str = _required("hex SHA-256 of the token (never the token)",
                            pattern=r"^[0-9a-f]{64}$",
                            pattern_means="the 64 hex digits of the token's SHA-256", secret=True)
    region: str | None = _setting(None, "city keys only: the city or county they operate, e.g. \"210100\"")
    created: str | None = _setting(None, "when the key was made (informative)")


@dataclass(frozen=True, slots=True)
class PublicSettings:
    enabled: bool = _setting(False, "no key needed: the public schema, rate-limited")


@dataclass(frozen=True, slots=True)
class Limits:
    max_depth: int = _setting(10, "deepest selection of a document", at_least=1)
    max_aliases: int = _setting(30, "aliases in a document", at_least=1)
    max_tokens: int = _setting(2000, "tokens of a document", at_least=1)
    max_cost: int = _setting(50_000, "estimated cost of a document", at_least=1)
    list_size: int = _setting(20, "assumed length of a list without `first` (children, claims)",
                              at_least=1)
    max_first: int = _setting(100, "largest `first` of a page", at_least=1)
    max_query_chars: int = _setting(100_000, "longest document", at_least=1)


@dataclass(frozen=True, slots=True)
class RateLimits:
    enabled: bool = _setting(True, "token buckets per key and per client address")
    key_per_second: float = _setting(20.0, "requests per second of one key", above=0)
    key_burst: float = _setting(60.0, "bucket size of one key", above=0)
    ip_per_second: float = _setting(5.0, "requests per second of one address without a key", above=0)
    ip_burst: float = _setting(30.0, "bucket size of one address", above=0)


@dataclass(frozen=True, slots=True)
class SubscriptionLimits:
    per_connection: int = _setting(5, "subscriptions open at once on one WebSocket", at_least=1)
    per_address: int = _setting(20, "... from one client address (per server process)", at_least=1)


_ORIGIN = r"^https?://[^/*\s]+$"


@dataclass(frozen=True, slots=True)
class SecurityConfig:
    trusted_documents_only: bool = _setting(
        False, "only registered documents for the roles of `trusted_documents_roles`")
    trusted_documents_roles: tuple[str, ...] = _setting(
        ("public", "viewer"), "roles held to trusted documents (public always)", choices=_roles)
    introspection: tuple[str, ...] = _setting(
        tuple(r.value for r in Role), "roles that may introspect", choices=_roles)
    cors_origins: tuple[str, ...] = _setting(
        (), "front-end origins allowed to call from a browser", pattern=_ORIGIN,
        pattern_means="an origin such as https://wish.example.cn (no '*', no path)")
    cors_allow_localhost: bool = _setting(
        False, "also `http://localhost:*` and `http://127.0.0.1:*` (`hub demo`: true)")
    limits: Limits = field(default_factory=Limits)
    rate_limit: RateLimits = field(default_factory=RateLimits)
    subscriptions: SubscriptionLimits = field(default_factory=SubscriptionLimits)


@dataclass(frozen=True, slots=True)
class GraphQLSettings:
    get_max_age: int = _setting(30, "Cache-Control max-age of successful GET answers; 0: no-store",
                                at_least=0)
    max_body_bytes: int = _setting(1024 * 1024, "larger POST bodies are refused (413)", at_least=1)
    deadline_seconds: float = _setting(
        10.0, "a request still running is cancelled (TIMEOUT); 0: none", at_least=0)
    max_response_bytes: int = _setting(
        8 * 1024 * 1024, "a larger answer is replaced by RESPONSE_TOO_LARGE; 0: none", at_least=0)
    apq_max_entries: int = _setting(1000, "automatic persisted queries kept per worker (LRU)",
                                    at_least=1)
    apq_max_query_bytes: int = _setting(64 * 1024, "larger documents are answered but not kept",
                                        at_least=1)
    planner: bool = _setting(True, "root fields the query planner covers are answered by one SQL "
                             "statement each; false: every field through the resolvers")


@dataclass(frozen=True, slots=True)
class IngestSettings:
    max_body_bytes: int = _setting(10 * 1024 * 1024, "larger pushes are refused (413)", at_least=1)


@dataclass(frozen=True, slots=True)
class ServerSettings:
    keepalive_requests: int = _setting(
        1000, "a keep-alive connection is closed after this many requests; 0: never", at_least=0)


@dataclass(frozen=True, slots=True)
class DatabaseSettings:
    statement_timeout_seconds: float = _setting(
        30.0, "PostgreSQL's statement_timeout on the server's pool; 0: none", at_least=0)


@dataclass(frozen=True, slots=True)
class StatisticsSettings:
    refresh_medians_seconds: float = _setting(
        0.5, "how often a worker refreshes stored medians; 0: off (figures stay exact)", at_least=0)


@dataclass(frozen=True, slots=True)
class HealthSettings:
    stale_after_hours: float = _setting(24.0, "a source silent this long is STALE", above=0)


@dataclass(frozen=True, slots=True)
class SyncSettings:
    page_size: int = _setting(500, "records per page, clipped to what each platform allows",
                              at_least=1)
    max_retries: int = _setting(5, "retries of one page after the first attempt", at_least=0)
    backoff_base: float = _setting(
        0.5, "seconds; attempt n waits up to `base * 2**(n-1)` (full jitter)", at_least=0)
    backoff_max: float = _setting(30.0, "seconds; cap of one jittered wait", at_least=0)
    retry_after_max: float = _setting(120.0, "seconds; cap of a platform's Retry-After", at_least=0)
    timeout: float = _setting(30.0, "seconds; one request, connect to last byte", above=0)
    interval: float = _setting(300.0, "seconds between rounds of `hub sync --watch`", above=0)
    max_pages: int = _setting(20_000, "per entity and run; the next run goes on from there",
                              at_least=1)
    max_repeats: int = _setting(
        5, "the same position answered this many times in a row: a fault", at_least=1)


@dataclass(frozen=True, slots=True)
class CallbacksSettings:
    timeout_seconds: float = _setting(10.0, "one delivery attempt, connect to last byte", above=0)
    first_retry_seconds: float = _setting(10.0, "wait after the first failure (doubling)", above=0)
    max_retry_seconds: float = _setting(3600.0, "longest wait between attempts", above=0)
    give_up_hours: float = _setting(24.0, "an event still failing after this long is FAILED", above=0)
    poll_seconds: float = _setting(1.0, "how often a worker looks for due events", above=0)
    concurrency: int = _setting(8, "deliveries at once per worker", at_least=1)

    @property
    def lease_seconds(self) -> float:
        # Longer than any attempt (its timeout) with room to record the outcome;
        # a crashed process's rows are sent again after it.
        return self.timeout_seconds * 2 + 2

    def backoff(self, attempts: int) -> float:
        """Seconds before the next try, after ``attempts`` failed ones."""
        exponent = min(max(attempts - 1, 0), 30)
        return float(min(self.first_retry_seconds * 2**exponent, self.max_retry_seconds))


@dataclass(frozen=True, slots=True)
class EscalationSettings:
    county_days: float | None = _setting(
        None, "an OPEN wish this many days at county level goes up to its city", above=0)
    city_days: float | None = _setting(
        None, "an OPEN wish this many days at city level goes up to the province", above=0)
    every_seconds: float = _setting(300.0, "how often a worker runs the rule", above=0)


@dataclass(frozen=True, slots=True)
class CacheSettings:
    responses: bool = _setting(True, "keep answers of queries until the data version moves; "
                               "false: every query runs (the engine's own speed)")
    max_entries: int = _setting(10_000, "answers kept per worker process; 0: no cache", at_least=0)
    max_bytes: int = _setting(64 * 1024 * 1024, "bytes of answers kept per worker process; "
                              "0: no cache", at_least=0)
    max_age_seconds: float = _setting(
        60.0, "longest an answer is kept (answers that depend on the clock: overdue, a source's "
        "health)", at_least=0)
    confirm_version: bool = _setting(
        True, "read the data version once per request (answers never older than the last "
        "commit); false: trust notifications alone")

    @property
    def enabled(self) -> bool:
        return self.responses and self.max_entries > 0 and self.max_bytes > 0


@dataclass(frozen=True, slots=True)
class ReplicaSettings:
    """How replicas (``DATABASE_REPLICA_URLS``) are chosen."""

    max_lag_seconds: float = _setting(
        5.0, "a replica that has not matched the primary's data version this long is skipped",
        at_least=0)
    check_seconds: float = _setting(0.5, "how often each replica's data version is read", above=0)


@dataclass(frozen=True, slots=True)
class TracingSettings:
    enabled: bool = _setting(False, "OpenTelemetry spans of GraphQL operations (the `tracing` extra)")
    service_name: str = _setting("liaoning-hub", "`service.name` of the spans")


@dataclass(frozen=True, slots=True)
class Config:
    """The whole configuration, checked. ``Config()`` is every default."""

    path: Path | None = None  # the file read, if any
    sources: dict[str, SourceConfig] = field(default_factory=dict, metadata=_named(_source_codes))
    keys: dict[str, KeyConfig] = field(default_factory=dict)  # any name (hub.security.keys checks it)
    public: PublicSettings = field(default_factory=PublicSettings)
    security: SecurityConfig = field(default_factory=SecurityConfig)
    graphql: GraphQLSettings = field(default_factory=GraphQLSettings)
    ingest: IngestSettings = field(default_factory=IngestSettings)
    server: ServerSettings = field(default_factory=ServerSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    statistics: StatisticsSettings = field(default_factory=StatisticsSettings)
    health: HealthSettings = field(default_factory=HealthSettings)
    sync: SyncSettings = field(default_factory=SyncSettings)
    callbacks: CallbacksSettings = field(default_factory=CallbacksSettings)
    escalation: EscalationSettings = field(default_factory=EscalationSettings)
    tracing: TracingSettings = field(default_factory=TracingSettings)
    cache: CacheSettings = field(default_factory=CacheSettings)
    replicas: ReplicaSettings = field(default_factory=ReplicaSettings)
    # The file's tables as read: only ``hub demo`` uses them, to lay the
    # user's file over its own defaults. Features read the typed tables above;
    # ``parse_config`` makes a Config from tables (``Config(tables=...)`` checks nothing).
    tables: dict[str, Any] = field(default_factory=dict)


# Tables of ``Config`` that are not read from a table of the file.
_NOT_TABLES = frozenset({"path", "tables"})
# Fields of a named table that hold its name.
_NAME_FIELDS = frozenset({"code", "name"})
# A key that moved, and where it lives now.
_MOVED = {("[security.limits]", "max_body_bytes"): "[graphql] max_body_bytes"}


# ---------------------------------------------------------------- reading and checking


def load_config(path: Path | None = None) -> Config:
    """Read and check the TOML file; a missing default file means every default."""
    explicit = path is not None or bool(os.environ.get("HUB_CONFIG"))
    path = path or config_path()
    if not path.exists():
        if explicit:
            raise ConfigError(f"configuration file {path} does not exist (HUB_CONFIG)")
        return Config()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read configuration {path}: {exc}") from exc
    return parse_config(raw, path)


def parse_config(raw: Mapping[str, Any], path: Path | None = None) -> Config:
    """The checked configuration of ``raw`` (a TOML document as a dict)."""
    try:
        return _table(Config, raw, "the configuration", prefix="", skip=_NOT_TABLES,
                      extra={"path": path, "tables": dict(raw)})
    except ConfigError as exc:
        raise ConfigError(f"{exc} (in {path})" if path is not None else str(exc)) from None


def _table(kind: type[_T], table: Mapping[str, Any], where: str, *, prefix: str,
           skip: frozenset[str] = frozenset(), extra: Mapping[str, Any] | None = None) -> _T:
    """``kind`` from one TOML table: every key known, every value checked."""
    declared = {f.name: f for f in fields(kind) if f.name not in skip}  # type: ignore[arg-type]
    for key in table:
        if key not in declared:
            raise ConfigError(_unknown(where, key, declared))
    hints = get_type_hints(kind)
    values: dict[str, Any] = dict(extra or {})
    for name, f in declared.items():
        if name not in table and f.default is MISSING and f.default_factory is MISSING:
            raise ConfigError(f"{where} needs {name} ({_expected(hints[name], f.metadata['rule'])})")
        if name in table:
            rule: _Rule = f.metadata.get("rule", _NO_RULE)
            child = f"[{prefix}{name}]" if _is_table(hints[name]) else f"{where} {name}"
            values[name] = _value(hints[name], table[name], rule, child, f"{prefix}{name}")
    return kind(**values)


def _value(kind: Any, value: object, rule: _Rule, where: str, path: str) -> Any:
    """One checked value of type ``kind`` (a table, a table of tables, or a scalar)."""
    if is_dataclass(kind):
        if not isinstance(value, Mapping):
            raise ConfigError(f"{where} must be a table, found {_shown(value, rule)}")
        return _table(kind, value, where, prefix=f"{path}.")  # type: ignore[arg-type]
    if get_origin(kind) is dict:
        return _tables(get_args(kind)[1], value, rule, where, path)
    return _scalar(kind, value, rule, where)


def _tables(kind: Any, value: object, rule: _Rule, where: str, path: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where} must be a table of tables, found {_shown(value, rule)}")
    allowed = rule.choices() if rule.choices is not None else None
    out: dict[str, Any] = {}
    for name, entry in value.items():
        here = f"[{path}.{name}]"
        if allowed is not None and name not in allowed:
            raise ConfigError(f"[{path}] has no table {name!r}{_suggestion(name, allowed)}; "
                              f"known: {', '.join(allowed)}")
        if not isinstance(entry, Mapping):
            raise ConfigError(f"{here} must be a table, found {_shown(entry)}")
        names = {f.name: name for f in fields(kind) if f.name in _NAME_FIELDS}
        out[name] = _table(kind, entry, here, prefix=f"{path}.{name}.",
                           skip=_NAME_FIELDS, extra=names)
    return out


def _scalar(kind: Any, value: object, rule: _Rule, where: str) -> Any:
    optional = type(None) in get_args(kind)
    if optional:
        kind = next(a for a in get_args(kind) if a is not type(None))
    if get_origin(kind) is tuple:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where} must be {_expected(kind, rule)}, found {_shown(value, rule)}")
        for item in value:
            _check_string(item, rule, where)
        return tuple(value)
    if kind is bool:
        ok = isinstance(value, bool)
    elif kind is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind is float:  # an integer is a number too; true is not
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    else:
        ok = isinstance(value, str)
    if not ok:
        raise ConfigError(f"{where} must be {_expected(kind, rule)}, found {_shown(value, rule)}")
    if kind in (int, float):
        number: float = value  # type: ignore[assignment]
        if (rule.at_least is not None and number < rule.at_least) or (
                rule.above is not None and number <= rule.above):
            raise ConfigError(f"{where} must be {_expected(kind, rule)}, found {_shown(value, rule)}")
        return float(number) if kind is float else number
    if kind is str:
        _check_string(value, rule, where)  # type: ignore[arg-type]
    return value


def _check_string(value: str, rule: _Rule, where: str) -> None:
    if rule.choices is not None and value not in rule.choices():
        raise ConfigError(f"{where} must be one of {', '.join(rule.choices())}, found "
                          f"{_shown(value)}{_suggestion(value, rule.choices())}")
    if rule.pattern is not None and not re.search(rule.pattern, value):
        raise ConfigError(f"{where}: {_shown(value, rule)} is not {rule.pattern_means}")


def _expected(kind: Any, rule: _Rule) -> str:
    if type(None) in get_args(kind):  # optional: absent means off or unknown
        kind = next(a for a in get_args(kind) if a is not type(None))
    if get_origin(kind) is tuple:
        among = f" among {', '.join(rule.choices())}" if rule.choices is not None else ""
        return f"a list of strings{among}"
    name = {bool: "true or false", int: "a whole number", float: "a number",
            str: "a string"}.get(kind, str(kind))
    if rule.at_least is not None:
        name += f" >= {rule.at_least:g}"
    if rule.above is not None:
        name += f" > {rule.above:g}"
    return name


def _shown(value: object, rule: _Rule = _NO_RULE) -> str:
    """What was found: its type, and the value itself when short and not a secret."""
    kinds = {bool: "a boolean", int: "a whole number", float: "a number", str: "a string",
             list: "a list", dict: "a table", dt.datetime: "a date-time", dt.date: "a date",
             dt.time: "a time"}
    kind = next((n for t, n in kinds.items() if type(value) is t), type(value).__name__)
    if isinstance(value, dict | list) or rule.secret:
        return kind
    text = repr(value) if not isinstance(value, bool) else str(value).lower()
    return f"{text if len(text) <= 40 else text[:37] + '...'} ({kind})"


def _unknown(where: str, key: str, declared: Mapping[str, Any]) -> str:
    moved = _MOVED.get((where, key))
    if moved is not None:
        return f"{where} has no setting {key!r}: set it as {moved}"
    what = "table" if where == "the configuration" else "setting"
    known = sorted(declared)
    return (f"{where} has no {what} {key!r}{_suggestion(key, known)}; "
            f"known: {', '.join(known)}")


def _suggestion(key: str, known: Any) -> str:
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _is_table(kind: Any) -> bool:
    return is_dataclass(kind) or get_origin(kind) is dict


# ---------------------------------------------------------------- the reference, for the docs


def reference() -> str:
    """Every environment variable and setting, as the Markdown of ``docs/operators.md``."""
    lines = ["| Variable | Meaning | Default |", "|---|---|---|"]
    lines += [f"| `{v.name}` | {v.meaning} | {v.default} |" for v in ENVIRONMENT]
    lines += ["", "| Table | Setting | Type | Default | Meaning |", "|---|---|---|---|---|"]
    lines += _reference_rows(Config, "", _NOT_TABLES)
    return "\n".join(lines) + "\n"


def _reference_rows(kind: Any, prefix: str, skip: frozenset[str] = frozenset()) -> list[str]:
    hints = get_type_hints(kind)
    rows: list[str] = []
    for f in fields(kind):
        if f.name in skip or f.name in _NAME_FIELDS:
            continue
        rule: _Rule = f.metadata.get("rule", _NO_RULE)
        hint = hints[f.name]
        if is_dataclass(hint):
            rows += _reference_rows(hint, f"{prefix}{f.name}.")
        elif get_origin(hint) is dict:
            label = "CODE" if rule.choices is not None else "NAME"
            rows += _reference_rows(get_args(hint)[1], f"{prefix}{f.name}.{label}.")
        else:
            table = f"`[{prefix[:-1]}]`"
            default = f.default if f.default is not MISSING else None
            rows.append(f"| {table} | `{f.name}` | {_expected(hint, rule).replace('|', '/')} "
                        f"| {_toml(default)} | {rule.doc} |")
    return rows


def _toml(value: object) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, str):
        return f'`"{value}"`'
    if isinstance(value, tuple):
        return "`[" + ", ".join(f'"{v}"' for v in value) + "]`"
    if isinstance(value, float):
        return f"`{value:g}`"
    return f"`{value}`"


_DOCS = Path(__file__).resolve().parents[1] / "docs" / "operators.md"
_BEGIN = "<!-- settings: generated by `python -m hub.config --write-docs` -->\n"
_END = "<!-- end of settings -->\n"


def documented_reference(text: str) -> str | None:
    """The generated part of ``docs/operators.md``, or None when it is missing."""
    start, end = text.find(_BEGIN), text.find(_END)
    if start < 0 or end < start:
        return None
    return text[start + len(_BEGIN):end]


def _write_docs() -> None:
    text = _DOCS.read_text(encoding="utf-8")
    old = documented_reference(text)
    if old is None:
        raise SystemExit(f"{_DOCS} has no {_BEGIN.strip()} ... {_END.strip()} block")
    _DOCS.write_text(text.replace(_BEGIN + old + _END, _BEGIN + reference() + _END), encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:] == ["--write-docs"]:
        _write_docs()
    else:
        print(reference(), end="")
