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
