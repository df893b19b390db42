"""Migration 0011 on a database that already holds wishes: their events are
counted once, cancellations dated when their version arrived."""

from __future__ import annotations

import datetime as dt
import uuid

from hub import db, migrate
from hub.models import WishStatus
from hub.sql import migrations as msql
from hub.stats import StatsFilter
from hub.stats_flow import flows
from tests.hub.test_stats import BEIJING, _wish, brute_flow


async def test_0011_counts_the_wishes_already_held(database_url: str) -> None:
    server = db.with_database(database_url, "postgres")
    name = f"hub_test_0011_{uuid.uuid4().hex[:8]}"
    await db.ensure_database(server, name)
    conn = await db.connect(db.with_database(server, name))
    try:
        await conn.execute(msql.CREATE_MIGRATIONS_TABLE)
        for m in migrate.shipped():
            if m.version < 11:
                async with conn.transaction():
                    await conn.execute(m.sql)
                    await conn.execute(msql.RECORD_MIGRATION, m.version, m.name)
        await conn.execute(
            "insert into regions (code, name, level, parent_code) values"
            " ('210000', '辽宁省', 'PROVINCE', null), ('210100', '沈阳市', 'CITY', '210000')")
        await conn.execute(
            "insert into sources (id, code, name, scope_code) values (1, 'shengjing', '盛京使者', "
            "'210100') on conflict do nothing")
        start = dt.datetime(2026, 2, 27, 7, 0, tzinfo=BEIJING)
        await _wish(conn, "W1", start, status=WishStatus.FULFILLED, claim=60 * 24,
                    fulfil=60 * 24 * 5)
        await _wish(conn, "W2", start, region="210102", status=WishStatus.CANCELLED)
        await _wish(conn, "W3", start, region="210202", status=WishStatus.OPEN, deleted=True)
        received = await conn.fetchval("select received_at from wishes where source_id = 'W2'")

        applied = await migrate.migrate(conn)
        assert 11 in [m.version for m in applied]
        assert await conn.fetchval(
            "select cancelled_at from wishes where source_id = 'W2'") == received
        assert await conn.fetchval("select count(*) from stats_pending_flows") == 0
        filters = [StatsFilter(), StatsFilter("210100", dt.date(2026, 3, 1), dt.date(2026, 4, 1)),
                   StatsFilter("210106", None, dt.date(2026, 3, 1)), StatsFilter("210200")]
        got = await flows(conn, filters)
        assert got == [await brute_flow(conn, f) for f in filters]
        assert (got[0].submitted, got[0].claimed, got[0].fulfilled, got[0].cancelled) == (2, 1, 1, 1)
    finally:
        await conn.close()
        admin = await db.connect(server)
        try:
            await admin.execute(f'drop database if exists "{name}" with (force)')
        finally:
            await admin.close()
