"""Source health: the pure rule, and the sources columns deliveries maintain."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import asyncpg
import pytest

from hub.config import parse_config
from hub.errors import AdapterError, ConfigError
from hub.health import data_health, source_health, stale_after
from hub.ingest import ingest
from hub.models import SourceDataHealth, SourceHealth

FIXTURES = Path(__file__).resolve().parent.parent / "adapters"
NOW = dt.datetime(2022, 3, 14, 12, 0, tzinfo=dt.UTC)
CONFIG = parse_config({})


def row(received: float | None = None, success: float | None = None,
        failure: float | None = None) -> dict[str, dt.datetime | None]:
    """A sources row whose times are hours before NOW."""

    def ago(hours: float | None) -> dt.datetime | None:
        return None if hours is None else NOW - dt.timedelta(hours=hours)

    return {"last_received_at": ago(received), "last_success_at": ago(success),
            "last_failure_at": ago(failure)}


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (row(), SourceHealth.NEVER_SYNCED),
        (row(received=1, success=1), SourceHealth.HEALTHY),
        (row(received=25, success=25), SourceHealth.STALE),
        (row(received=1, success=2, failure=1), SourceHealth.FAILING),
        (row(received=1, success=1, failure=3), SourceHealth.HEALTHY),
        (row(failure=1), SourceHealth.FAILING),  # a pull that never got a page
        (row(received=30, success=30, failure=29), SourceHealth.FAILING),
    ],
)
def test_health_rule(state: dict[str, dt.datetime | None], expected: SourceHealth) -> None:
    assert source_health(state, NOW, CONFIG) is expected


def test_stale_after_is_configurable() -> None:
    config = parse_config({"health": {"stale_after_hours": 2}})
    assert stale_after(config) == dt.timedelta(hours=2)
    assert source_health(row(received=3, success=3), NOW, config) is SourceHealth.STALE
    assert stale_after(CONFIG) == dt.timedelta(hours=24)
    with pytest.raises(ConfigError, match=r"\[health\] stale_after_hours must be a number > 0"):
        parse_config({"health": {"stale_after_hours": "soon"}})


async def health_now(pool: asyncpg.Pool, code: str) -> SourceHealth:
    state = await pool.fetchrow("select *, now() as now from sources where code = $1", code)
    return source_health(state, state["now"], CONFIG)


async def test_deliveries_move_a_sources_health(clean_db: asyncpg.Pool) -> None:
    assert await health_now(clean_db, "shengjing") is SourceHealth.NEVER_SYNCED
    body = (FIXTURES / "shengjing" / "fixtures" / "example.json").read_bytes()
    report = await ingest(clean_db, "shengjing", body)
    assert await health_now(clean_db, "shengjing") is SourceHealth.HEALTHY
    with pytest.raises(AdapterError):
        await ingest(clean_db, "shengjing", b"<html>502</html>")
    assert await health_now(clean_db, "shengjing") is SourceHealth.FAILING
    await ingest(clean_db, "shengjing", body)  # duplicates only: still a good delivery
    assert await health_now(clean_db, "shengjing") is SourceHealth.HEALTHY
    counts = await clean_db.fetchrow(
        "select records_accepted, records_rejected from sources where code = 'shengjing'")
    assert tuple(counts) == (report.accepted, 0)
    assert await health_now(clean_db, "huludao") is SourceHealth.NEVER_SYNCED


async def data_health_now(pool: asyncpg.Pool, code: str) -> SourceDataHealth:
    return data_health(await pool.fetchrow("select * from sources where code = $1", code))


async def test_a_delivery_whose_every_record_is_rejected_is_bad_data_not_a_failing_feed(
    clean_db: asyncpg.Pool,
) -> None:
    body = json.dumps({"events": [{"type": "pink", "code": "PK-1"}]}).encode()
    report = await ingest(clean_db, "huludao", body)
    assert (report.received, report.rejected) == (1, 1)
    # The platform is up (it delivered); what it sent could not be taken.
    assert await health_now(clean_db, "huludao") is SourceHealth.HEALTHY
    assert await data_health_now(clean_db, "huludao") is SourceDataHealth.REJECTED
    counts = await clean_db.fetchrow(
        "select records_accepted, records_rejected from sources where code = 'huludao'")
    assert tuple(counts) == (0, 1)
    # A delivery with records that land: its data is good again.
    good = (FIXTURES / "huludao" / "fixtures" / "example.json").read_bytes()
    assert (await ingest(clean_db, "huludao", good)).accepted > 0
    assert await data_health_now(clean_db, "huludao") is SourceDataHealth.OK
    # A body that is not its envelope at all is a failing feed, as before.
    with pytest.raises(AdapterError):
        await ingest(clean_db, "huludao", b"<html>502</html>")
    assert await health_now(clean_db, "huludao") is SourceHealth.FAILING
