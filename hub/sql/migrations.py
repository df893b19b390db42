"""SQL of the migration runner."""

CREATE_MIGRATIONS_TABLE = """
create table if not exists schema_migrations (
    version    integer primary key,
    name       text not null,
    applied_at timestamptz not null default now()
)
"""

# For the transaction only (released at commit or rollback): see hub.migrate.
LOCK_MIGRATIONS = "select pg_advisory_xact_lock($1)"
APPLIED_MIGRATIONS = "select version from schema_migrations"
LATEST_MIGRATION = "select max(version) from schema_migrations"
RECORD_MIGRATION = "insert into schema_migrations (version, name) values ($1, $2)"
MIGRATIONS_TABLE_EXISTS = "select to_regclass('schema_migrations') is not null"

# Files applied again whenever their text changes (hub/migrations/functions.sql).
CREATE_REPEATABLES_TABLE = """
create table if not exists schema_repeatables (
    name       text primary key,
    revision   integer not null,
    checksum   text not null,
    applied_at timestamptz not null default now()
)
"""
REPEATABLE_STATE = "select revision, checksum from schema_repeatables where name = $1"
RECORD_REPEATABLE = """
insert into schema_repeatables (name, revision, checksum) values ($1, $2, $3)
on conflict (name) do update
   set revision = excluded.revision, checksum = excluded.checksum, applied_at = now()
"""
