"""All of the hub's SQL, as named constants (in the manner of asyncpg's
``introspection.py``): ``$n`` placeholders only, never text built from values.

One module per concern: ``migrations``, ``reference`` (regions, sources),
``read`` (the API's pages and loaders), ``write`` (ingest upserts),
``deadletters``, ``stats``. Optional filters are written as
``($n::type is null or ...)``: such a statement keeps custom plans (planned
with its values, so the planner sees which are unset) under PostgreSQL's
``plan_cache_mode = auto``, while point lookups get generic ones (``hub.db``,
``SERVER_SETTINGS``, says why and what was measured).
"""

from hub.sql.migrations import (
    APPLIED_MIGRATIONS,
    CREATE_MIGRATIONS_TABLE,
    CREATE_REPEATABLES_TABLE,
    LATEST_MIGRATION,
    LOCK_MIGRATIONS,
    MIGRATIONS_TABLE_EXISTS,
    RECORD_MIGRATION,
    RECORD_REPEATABLE,
    REPEATABLE_STATE,
)

__all__ = [
    "APPLIED_MIGRATIONS",
    "CREATE_MIGRATIONS_TABLE",
    "CREATE_REPEATABLES_TABLE",
    "LATEST_MIGRATION",
    "LOCK_MIGRATIONS",
    "MIGRATIONS_TABLE_EXISTS",
    "RECORD_MIGRATION",
    "RECORD_REPEATABLE",
    "REPEATABLE_STATE",
]
