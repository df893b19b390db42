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
    │   └── SyncBusy           another process is pulling that source now
    ├── QueryError             a GraphQL argument the hub refuses (first > 100 ...)
    ├── RequestTimeout         a request ran past its deadline (GraphQL code TIMEOUT)
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
    """PostgreSQL cannot be reached now (stopped, restarting, no free connection).

    ``hub.db`` translates every form of it into this one exception; requests
    meeting it are answered 503 with ``Retry-After: RETRY_AFTER_SECONDS``
    (``/ingest``, ``/readyz``; in GraphQL an error with this code, HTTP 503).
    """

    extensions = {"code": "SERVICE_UNAVAILABLE"}  # noqa: RUF012 (read-only)
    RETRY_AFTER_SECONDS = 5


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


class SyncBusy(SyncError):
    """Another process holds the source's sync lease (a watch skips it this round)."""


class QueryError(HubError):
    """A request the API refuses (a bad argument, a wish in a state that does
    not allow the change); the message is shown. In GraphQL an error with
    ``extensions.code = BAD_USER_INPUT``."""

    extensions = {"code": "BAD_USER_INPUT"}  # noqa: RUF012 (read-only)


class RequestTimeout(HubError):
    """A request ran past its deadline; its work was cancelled. The message is shown."""


class AccessError(HubError):
    """The caller's key does not allow this: in GraphQL an error on the field.

    ``extensions`` is read by graphql-core into the error it reports.
    """

    extensions = {"code": "FORBIDDEN"}  # noqa: RUF012 (read-only)
