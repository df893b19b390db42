"""Versioned SQL migrations, applied in order, each in its own transaction.

Files are ``hub/migrations/NNNN_name.sql``. ``schema_migrations`` records what
ran. A database that records a version this hub does not ship was migrated by
a newer hub: we refuse to touch it rather than guess.

After them comes the repeatable file ``hub/migrations/functions.sql``: the
current body of every function, applied whenever its checksum differs from
the one ``schema_repeatables`` records (and never over a higher revision,
which a newer hub applied). A function is changed by editing that file, not
by copying its body into a new numbered migration.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from importlib import resources

import asyncpg

from hub import sql
from hub.errors import MigrationError

log = logging.getLogger("hub.migrate")

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
FUNCTIONS_FILE = "functions.sql"
_REVISION = re.compile(r"\A-- revision: (\d+)\n")
# Any constant works; it serialises concurrent migrators (workers, hosts).
_LOCK_KEY = 210000


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


@dataclass(frozen=True, slots=True)
class Repeatable:
    """A file applied again whenever it changes (``functions.sql``)."""

    name: str
    revision: int
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def shipped_functions() -> Repeatable:
    text = resources.files("hub.migrations").joinpath(FUNCTIONS_FILE).read_text(encoding="utf-8")
    match = _REVISION.match(text)
    if match is None:
        raise MigrationError(f"{FUNCTIONS_FILE} must start with its '-- revision: N' line")
    return Repeatable(FUNCTIONS_FILE, int(match[1]), text)


def shipped() -> list[Migration]:
    found = []
    for entry in resources.files("hub.migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError("two migrations share a version number")
    return found


async def migrate(conn: asyncpg.Connection) -> list[Migration]:
    """Apply what is missing; returns the migrations applied now.

    One transaction per migration, each taking a transaction-level advisory
    lock first and reading what is applied under it: concurrent migrators
    (several workers, several hosts) apply each migration once, and no lock
    outlives its transaction (a transaction-pooling PgBouncer may run the
    next one on another server session).
    """
    migrations = shipped()
    latest = migrations[-1].version if migrations else 0
    applied: list[Migration] = []
    while True:
        async with conn.transaction():
            await conn.execute(sql.LOCK_MIGRATIONS, _LOCK_KEY)
            await conn.execute(sql.CREATE_MIGRATIONS_TABLE)
            done = {r["version"] for r in await conn.fetch(sql.APPLIED_MIGRATIONS)}
            newer = sorted(v for v in done if v > latest)
            if newer:
                raise MigrationError(
                    f"this database was migrated by a newer hub (schema version {newer[-1]}, "
                    f"this hub knows up to {latest}); upgrade the hub instead"
                )
            missing = [m for m in migrations if m.version not in done]
            if not missing:
                break
            migration = missing[0]
            await conn.execute(migration.sql)
            await conn.execute(sql.RECORD_MIGRATION, migration.version, migration.name)
        applied.append(migration)
    async with conn.transaction():
        await conn.execute(sql.LOCK_MIGRATIONS, _LOCK_KEY)
        await _apply_repeatable(conn, shipped_functions())
    return applied


async def _apply_repeatable(conn: asyncpg.Connection, file: Repeatable) -> bool:
    """Apply ``file`` unless the database holds it already or a higher revision
    (inside the caller's transaction, which holds the migrations' lock)."""
    await conn.execute(sql.CREATE_REPEATABLES_TABLE)
    held = await conn.fetchrow(sql.REPEATABLE_STATE, file.name)
    if held is not None and held["checksum"] == file.checksum:
        return False
    if held is not None and held["revision"] > file.revision:
        log.warning("%s: the database holds revision %d, applied by a newer hub; this hub "
                    "ships revision %d and leaves it alone", file.name, held["revision"],
                    file.revision)
        return False
    await conn.execute(file.sql)
    await conn.execute(sql.RECORD_REPEATABLE, file.name, file.revision, file.checksum)
    log.info("%s: revision %d applied", file.name, file.revision)
    return True


async def current_version(conn: asyncpg.Connection) -> int:
    """The newest applied version, 0 for an empty database."""
    exists = await conn.fetchval(sql.MIGRATIONS_TABLE_EXISTS)
    if not exists:
        return 0
    value = await conn.fetchval(sql.LATEST_MIGRATION)
    return int(value or 0)


def latest_shipped() -> int:
    migrations = shipped()
    return migrations[-1].version if migrations else 0
