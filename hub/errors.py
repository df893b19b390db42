"""The hub's one exception tree.

Foreign errors (asyncpg, httpx, json, tomllib ...) are translated into these at
the boundary where they occur (``raise X(...) from exc``), so callers and the
HTTP/GraphQL layers only ever handle ``HubError`` subclasses. Messages are
meant for the person reading them: no SQL, no file paths of the hub's code, no
personal data.

    HubError
    ├── ConfigError            bad or missing HUB_CONFIG / environment
    ├── DatabaseError
    │   ├── DatabaseUnavailable    cannot reach or log in to PostgreSQL
    │   └── MigrationError         e.g. database migrated by a newer hub
    ├── AdapterError           a native body that is not the platform's envelope
    ├── IngestError            a push that cannot be accepted (auth, size ...)
    ├── SyncError              a pull that could not complete
    ├── QueryError             a GraphQL argument the hub refuses (first > 100 ...)
    └── AccessError            the caller's key does not allow this (role, region)
"""

from __future__ import annotations


class HubError(Exception):
    """Base of every error the hub raises on purpose."""


class ConfigError(HubError):
    pass


class DatabaseError(HubError):
    pass


class DatabaseUnavailable(DatabaseError):
    pass


class MigrationError(DatabaseError):
    pass


class AdapterError(HubError):
    """The body is not the platform's envelope at all (HTTP 400 on push).

    ``error_code`` says why, for the platform's programs: ``BODY_NOT_UTF8``,
    ``BODY_NOT_JSON``, ``BODY_TOO_DEEP``, ``NOT_ENVELOPE`` or
    ``PLATFORM_ERROR`` (a pulled platform answered with its own error).
    """

    def __init__(self, message: str, error_code: str = "NOT_ENVELOPE") -> None:
        super().__init__(message)
        self.error_code = error_code


class IngestError(HubError):
    def __init__(self, message: str, status: int = 400, error_code: str = "BAD_REQUEST") -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code


class SyncError(HubError):
    pass


class QueryError(HubError):
    """A request the API refuses before any SQL runs; the message is shown."""


class AccessError(HubError):
    """The caller's key does not allow this: in GraphQL an error on the field.

    ``extensions`` is read by graphql-core into the error it reports.
    """

    extensions = {"code": "FORBIDDEN"}  # noqa: RUF012 (read-only)
