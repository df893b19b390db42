"""``hub/migrations/functions.sql``: the current body of every function, one home.

A fresh database and one migrated long ago end with the same functions and
triggers; a changed file is applied again, an unchanged one is not, and a
hub shipping an older revision leaves a newer one alone.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from hub import db, migrate
from hub.sql import migrations as msql

# The hub's own functions (not those of extensions) and triggers, as PostgreSQL prints them.
_FUNCTIONS = """
select p.proname, pg_get_functiondef(p.oid) as def
  from pg_proc p join pg_namespace n on n.oid = p.pronamespace
 where n.nspname = 'public' and p.prokind = 'f'
   and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')
 order by 1, 2
"""
_TRIGGERS = """
select tgname, pg_get_triggerdef(oid) as def from pg_trigger where not tgisinternal order by 1, 2
"""


async def _definitions(conn: asyncpg.Connection) -> tuple[list[tuple[str, str]], ...]:
    functions = [(r["proname"], r["def"]) for r in await conn.fetch(_FUNCTIONS)]
    triggers = [(r["tgname"], r["def"]) for r in await conn.fetch(_TRIGGERS)]
    return functions, triggers


@pytest.fixture
async def old_url(database_url: str) -> AsyncIterator[str]:
    """A database that stopped at migration 0011 (before functions.sql existed)."""
    server = db.with_database(database_url, "postgres")
    name = f"hub_test_old_{uuid.uuid4().hex[:8]}"
    await db.ensure_database(server, name)
    url = db.with_database(server, name)
    conn = await db.connect(url)
    try:
        await conn.execute(msql.CREATE_MIGRATIONS_TABLE)
        for m in migrate.shipped():
            if m.version <= 11:
                async with conn.transaction():
                    await conn.execute(m.sql)
                    await conn.execute(msql.RECORD_MIGRATION, m.version, m.name)
    finally:
        await conn.close()
    try:
        yield url
    finally:
        admin = await db.connect(server)
        try:
            await admin.execute(f'drop database if exists "{name}" with (force)')
        finally:
            await admin.close()


async def test_a_fresh_and_an_upgraded_database_end_with_the_same_functions(
    scratch_url: str, old_url: str
) -> None:
    fresh = await db.connect(scratch_url)
    old = await db.connect(old_url)
    try:
        await migrate.migrate(fresh)
        applied = await migrate.migrate(old)
        assert applied[0].version == 12
        functions, triggers = await _definitions(fresh)
        assert (functions, triggers) == await _definitions(old)
        # Every function of the hub has its current body in the file, once.
        text = migrate.shipped_functions().sql
        named = re.findall(r"^create or replace function (\w+)\(", text, re.MULTILINE)
        assert sorted(named) == sorted({name for name, _ in functions})
        assert len(named) == len(set(named))
        assert not re.search(r"^create (or replace )?function", "\n".join(
            m.sql for m in migrate.shipped() if m.version > 16), re.MULTILINE), \
            "a numbered migration after functions.sql defines a function: edit functions.sql"
    finally:
        await fresh.close()
        await old.close()


async def test_a_changed_file_is_applied_again_and_an_older_revision_never(
    scratch_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = await db.connect(scratch_url)
    shipped = migrate.shipped_functions()
    damaged = ("create or replace function stats_histogram(lvl integer, g \"char\")"
               " returns boolean language sql immutable as $$ select false $$")

    async def histogram() -> str:
        return str(await conn.fetchval("select stats_histogram(1, 'D')"))

    try:
        await migrate.migrate(conn)
        state = "select revision, checksum from schema_repeatables where name = 'functions.sql'"
        assert tuple(await conn.fetchrow(state)) == (shipped.revision, shipped.checksum)
        await conn.execute(damaged)
        await migrate.migrate(conn)  # unchanged: not applied again
        assert await histogram() == "False"

        edited = migrate.Repeatable(shipped.name, shipped.revision + 1, shipped.sql + "\n-- edited\n")
        monkeypatch.setattr(migrate, "shipped_functions", lambda: edited)
        await migrate.migrate(conn)
        assert await histogram() == "True"
        assert tuple(await conn.fetchrow(state)) == (edited.revision, edited.checksum)

        # A hub still shipping the older revision (restarted mid-upgrade).
        await conn.execute(damaged)
        monkeypatch.setattr(migrate, "shipped_functions", lambda: shipped)
        await migrate.migrate(conn)
        assert await histogram() == "False"
        assert tuple(await conn.fetchrow(state)) == (edited.revision, edited.checksum)
    finally:
        await conn.close()
