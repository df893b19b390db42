"""``hub sync``: pulling 枫乡 and 文化云 from fakes of their APIs over real HTTP.

What a user of the hub would notice: every record lands exactly once in its
newest version, a re-sync brings only what changed, busy or slow platforms
are waited for, a dead one ends the sync with an error naming it and leaves
the cursor where it was, and nothing is skipped when 文化云's pages shift.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from hub.commands.sync import Display, Target, select_targets, watch
from hub.config import parse_config
from hub.errors import ConfigError, SyncBusy, SyncError
from hub.sync import PULLERS, SyncResult, SyncSettings, sync_source
from hub.sync.fetch import parse_retry_after
from tests.adapters.fengxiang.fake_api import FengxiangFake
from tests.adapters.wenhuayun.fake_api import ENTITIES, WenhuayunFake, busy
from tests.fakes._server import Fault

ROOT = Path(__file__).resolve().parents[2]

# Tiny waits keep the suite fast; the retry logic is the same at any scale.
FAST = SyncSettings(
    page_size=10,
    max_retries=3,
    backoff_base=0.01,
    backoff_max=0.02,
    retry_after_max=2.0,
    timeout=2.0,
    max_repeats=3,
)
_TABLES = {
    "orders": "wishes",
    "activities": "activities",
    "stations": "stations",
    "teams": "teams",
    "wishes": "wishes",
}


@pytest.fixture
def fengxiang() -> Iterator[FengxiangFake]:
    fake = FengxiangFake()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def wenhuayun() -> Iterator[WenhuayunFake]:
    fake = WenhuayunFake()
    fake.start()
    yield fake
    fake.stop()


async def pull(pool: asyncpg.Pool, code: str, fake: Any, **overrides: Any) -> SyncResult:
    settings = dataclasses.replace(FAST, **overrides)
    return await sync_source(pool, PULLERS[code], fake.base_url, settings=settings)


async def held(pool: asyncpg.Pool, code: str, entity: str) -> dict[str, int]:
    """What the hub holds of one entity of one source: source_id → version."""
    rows = await pool.fetch(
        f"select t.source_id, t.version from {_TABLES[entity]} t "
        "join sources s on s.id = t.source where s.code = $1",
        code,
    )
    return {r["source_id"]: r["version"] for r in rows}


async def stored_cursor(pool: asyncpg.Pool, code: str, entity: str) -> str | None:
    value: str | None = await pool.fetchval(
        "select c.cursor from sync_cursors c join sources s on s.id = c.source "
        "where s.code = $1 and c.entity = $2",
        code,
        entity,
    )
    return value


async def source_row(pool: asyncpg.Pool, code: str) -> asyncpg.Record:
    row: asyncpg.Record = await pool.fetchrow("select * from sources where code = $1", code)
    return row


# ---------------------------------------------------------------- 枫乡


async def test_full_sync_lands_every_record_once(
    clean_db: asyncpg.Pool, fengxiang: FengxiangFake
) -> None:
    fengxiang.add_orders(1200)
    fengxiang.add_activities(300)
    result = await pull(clean_db, "fengxiang", fengxiang, page_size=500)
    assert await held(clean_db, "fengxiang", "orders") == fengxiang.versions("orders")
    assert await held(clean_db, "fengxiang", "activities") == fengxiang.versions("activities")
    assert (result.received, result.accepted, result.duplicates) == (1500, 1500, 0)
    # 3 pages of orders, 1 of activities, each its own pull batch.
    assert await clean_db.fetchval("select count(*) from batches where via = 'pull'") == 4
    row = await source_row(clean_db, "fengxiang")
    assert row["last_success_at"] is not None and row["last_failure_at"] is None
    assert row["records_accepted"] == 1500


async def test_resync_lands_only_the_changes(
    clean_db: asyncpg.Pool, fengxiang: FengxiangFake
) -> None:
    fengxiang.add_orders(40)
    fengxiang.add_activities(12)
    await pull(clean_db, "fengxiang", fengxiang)
    for ident in ("FX-20220313-0003", "FX-20220313-0017", "FX-20220313-0040"):
        fengxiang.advance("orders", ident)
    fengxiang.add_orders(3)
    fengxiang.advance("activities", "FX-ACT-0005")
    first_request = len(fengxiang.seen)

    result = await pull(clean_db, "fengxiang", fengxiang)

    assert (result.received, result.accepted, result.duplicates) == (7, 7, 0)
    assert await held(clean_db, "fengxiang", "orders") == fengxiang.versions("orders")
    assert await held(clean_db, "fengxiang", "activities") == fengxiang.versions("activities")
    # The second run resumed from the stored cursors, not from the beginning.
    assert all("cursor" in s.query for s in fengxiang.seen[first_request:])


async def test_from_start_reads_everything_again_as_duplicates(
    clean_db: asyncpg.Pool, fengxiang: FengxiangFake
) -> None:
    fengxiang.add_orders(23)
    await pull(clean_db, "fengxiang", fengxiang)
    again = await sync_source(
        clean_db, PULLERS["fengxiang"], fengxiang.base_url, settings=FAST, from_start=True
    )
    assert (again.received, again.accepted, again.duplicates) == (23, 0, 23)
    assert await held(clean_db, "fengxiang", "orders") == fengxiang.versions("orders")


async def test_last_page_without_next_cursor_keeps_the_position(
    clean_db: asyncpg.Pool, fengxiang: FengxiangFake
) -> None:
    fengxiang.null_cursor_at_end = True
    fengxiang.add_orders(25)
    await pull(clean_db, "fengxiang", fengxiang)
    assert await stored_cursor(clean_db, "fengxiang", "orders") is not None
    fengxiang.add_orders(2)
    result = await pull(clean_db, "fengxiang", fengxiang)
    # Only the last page (5 already held) and the 2 new orders: no full re-read.
    assert result.accepted == 2
    assert result.received <= 7
    assert await held(clean_db, "fengxiang", "orders") == fengxiang.versions("orders")


async def test_repeated_pages_are_read_again_harmlessly(
    clean_db: asyncpg.Pool, fengxiang: FengxiangFake
) -> None:
    fengxiang.add_orders(30)
    fengxiang.repeat_pages = 2  # the first two pages come twice

    def revise(path: str, query: dict[str, str], doc: Any) -> None:
        # Asked again, the platform may answer newer revisions of the same records.
        if path == "/open/orders" and len(fengxiang.requests("/open/orders")) == 0:
            fengxiang.advance("orders", doc["data"][0]["order_no"])

    fengxiang.after_answer.append(revise)
    result = await pull(clean_db, "fengxiang", fengxiang)
    assert await held(clean_db, "fengxiang", "orders") == fengxiang.versions("orders")
    assert result.duplicates >= 19  # two pages, one record of them revised in between


async def test_a_platform_that_repeats_forever_is_stopped(
    clean_db: asyncpg.Pool, fengxiang: FengxiangFake
) -> None:
    fengxiang.add_orders(30)
    fengxiang.repeat_pages = 1000
    with pytest.raises(SyncError, match=r"fengxiang: orders: .*same position"):
        await pull(clean_db, "fengxiang", fengxiang)
    assert len(fengxiang.seen) == FAST.max_repeats + 1
    assert await held(clean_db, "fengxiang", "orders") == {
        k: v for k, v in fengxiang.versions("orders").items() if k <= "FX-20220313-0010"
    }


async def test_busy_and_slow_answers_are_retried(
    clean_db: asyncpg.Pool, fengxiang: FengxiangFake
) -> None:
    fengxiang.add_orders(30)
    fengxiang.add_activities(5)
    fengxiang.inject(
        Fault(status=429),
        Fault(status=503),
        Fault(delay=1.5),  # longer than the 0.5 s time-out
        Fault(status=503, retry_after="0"),
        Fault(status=429, path="/open/activities"),
    )
    started = time.monotonic()
    result = await pull(clean_db, "fengxiang", fengxiang, max_retries=4, timeout=0.5)
    assert result.retries == 5
    assert await held(clean_db, "fengxiang", "orders") == fengxiang.versions("orders")
    assert await held(clean_db, "fengxiang", "activities") == fengxiang.versions("activities")
    assert time.monotonic() - started < 5


async def test_retry_after_is_honoured(clean_db: asyncpg.Pool, fengxiang: FengxiangFake) -> None:
    fengxiang.add_orders(5)
    fengxiang.inject(Fault(status=429, retry_after="1"))
    await pull(clean_db, "fengxiang", fengxiang)
    refused, retried = fengxiang.requests("/open/orders")[:2]
    assert refused.status == 429
    # Backoff alone would have waited at most 0.02 s.
    assert retried.at - refused.at >= 0.95


async def test_dead_platform_ends_with_an_error_and_the_cursor_where_it_was(
    clean_db: asyncpg.Pool, fengxiang: FengxiangFake
) -> None:
    fengxiang.add_orders(30)
    first_cursor: list[str] = []

    def die_after_first_page(path: str, query: dict[str, str], doc: Any) -> None:
        if not first_cursor:
            first_cursor.append(doc["next_cursor"])
            fengxiang.dead = 503

    fengxiang.after_answer.append(die_after_first_page)
    with pytest.raises(SyncError) as caught:
        await pull(clean_db, "fengxiang", fengxiang)
    message = str(caught.value)
    assert message.startswith("fengxiang: GET /open/orders failed 4 times")
    assert "HTTP 503" in message
    assert len(fengxiang.seen) == 1 + FAST.max_retries + 1
    assert await stored_cursor(clean_db, "fengxiang", "orders") == first_cursor[0]
    assert len(await held(clean_db, "fengxiang", "orders")) == 10
    row = await source_row(clean_db, "fengxiang")
    assert row["last_failure_at"] > row["last_success_at"]  # health: FAILING
    assert "HTTP 503" in row["last_failure"]

    fengxiang.dead = None
    resumed_at = len(fengxiang.seen)
    await pull(clean_db, "fengxiang", fengxiang)
    assert fengxiang.seen[resumed_at].query.get("cursor") == first_cursor[0]
    assert await held(clean_db, "fengxiang", "orders") == fengxiang.versions("orders")
    row = await source_row(clean_db, "fengxiang")
    assert row["last_success_at"] > row["last_failure_at"]


async def test_unreachable_platform_ends_with_an_error(clean_db: asyncpg.Pool) -> None:
    fake = FengxiangFake(orders=3).start()
    url = fake.base_url
    fake.stop()  # nothing listens there any more
    with pytest.raises(SyncError, match=r"fengxiang: .*cannot reach http://127\.0\.0\.1"):
        await sync_source(clean_db, PULLERS["fengxiang"], url, settings=FAST)
    assert await stored_cursor(clean_db, "fengxiang", "orders") is None


async def test_faults_are_not_retried(clean_db: asyncpg.Pool, fengxiang: FengxiangFake) -> None:
    fengxiang.add_orders(3)
    fengxiang.inject(Fault(body={"message": "maintenance"}))
    with pytest.raises(SyncError, match="no 'data' list"):
        await pull(clean_db, "fengxiang", fengxiang)
    fengxiang.inject(Fault(status=401))
    with pytest.raises(SyncError, match="answered HTTP 401"):
        await pull(clean_db, "fengxiang", fengxiang)
    assert len(fengxiang.seen) == 2


async def test_cursor_is_stored_only_after_the_page_is_committed(
    clean_db: asyncpg.Pool, fengxiang: FengxiangFake
) -> None:
    fengxiang.add_orders(30)
    page_one: list[str] = []
    fengxiang.after_answer.append(
        lambda path, query, doc: page_one.append(doc["next_cursor"]) if not page_one else None
    )
    # The database refuses one record of page 2: the whole page rolls back.
    await clean_db.execute(
        """
        create function test_refuse_wish() returns trigger language plpgsql as $$
        begin
            if new.source_id = 'FX-20220313-0015' then
                raise exception 'disk full';
            end if;
            return new;
        end $$;
        create trigger test_refuse_wish before insert or update on wishes
            for each row execute function test_refuse_wish();
        """
    )
    try:
        with pytest.raises(SyncError, match="fengxiang: orders: page 2 could not be stored"):
            await pull(clean_db, "fengxiang", fengxiang)
    finally:
        await clean_db.execute(
            "drop trigger test_refuse_wish on wishes; drop function test_refuse_wish()"
        )
    assert await stored_cursor(clean_db, "fengxiang", "orders") == page_one[0]
    assert len(await held(clean_db, "fengxiang", "orders")) == 10

    result = await pull(clean_db, "fengxiang", fengxiang)
    assert (result.accepted, result.duplicates) == (20, 0)
    assert await held(clean_db, "fengxiang", "orders") == fengxiang.versions("orders")
    assert await clean_db.fetchval(
        "select sum(accepted) from batches b join sources s on s.id = b.source "
        "where s.code = 'fengxiang'"
    ) == 30


async def test_one_sync_per_source_at_a_time(
    clean_db: asyncpg.Pool, fengxiang: FengxiangFake
) -> None:
    fengxiang.add_orders(3)
    fengxiang.inject(Fault(delay=0.5))
    settings = FAST
    slow = asyncio.create_task(
        sync_source(clean_db, PULLERS["fengxiang"], fengxiang.base_url, settings=settings)
    )
    for _ in range(100):  # until the first run holds its lease (it then waits on the fake)
        if await clean_db.fetchval(
            "select exists (select 1 from job_leases "
            "where name = 'sync:fengxiang' and leased_until > now())"
        ):
            break
        await asyncio.sleep(0.01)
    with pytest.raises(SyncBusy, match="another sync of this source is running"):
        await sync_source(clean_db, PULLERS["fengxiang"], fengxiang.base_url, settings=settings)
    assert (await slow).accepted == 3
    # Released at the end: the next run goes at once.
    assert (await sync_source(clean_db, PULLERS["fengxiang"], fengxiang.base_url,
                              settings=settings)).duplicates == 0


# ---------------------------------------------------------------- 文化云


async def test_wenhuayun_full_sync_and_resync(
    clean_db: asyncpg.Pool, wenhuayun: WenhuayunFake
) -> None:
    wenhuayun.add("stations", 12)
    wenhuayun.add("teams", 15)
    wenhuayun.add("activities", 23)
    wenhuayun.add("wishes", 41)
    await pull(clean_db, "wenhuayun", wenhuayun)
    for entity in ENTITIES:
        assert await held(clean_db, "wenhuayun", entity) == wenhuayun.versions(entity), entity

    wenhuayun.touch("wishes", "WHY-WS-000007")
    wenhuayun.touch("teams", "WHY-TM-000002")
    wenhuayun.add("wishes", 2)
    result = await pull(clean_db, "wenhuayun", wenhuayun)
    assert result.accepted == 4
    for entity in ENTITIES:
        assert await held(clean_db, "wenhuayun", entity) == wenhuayun.versions(entity), entity
    state = await clean_db.fetchval(
        "select status from wishes where source_id = 'WHY-WS-000007'"
    )
    assert state == "CLAIMED"


async def test_items_that_name_their_entity_land_too(clean_db: asyncpg.Pool) -> None:
    with WenhuayunFake(tag_entity=True, stations=4, wishes=6) as fake:
        await pull(clean_db, "wenhuayun", fake)
        assert await held(clean_db, "wenhuayun", "wishes") == fake.versions("wishes")


async def test_the_fake_really_shifts_pages(wenhuayun: WenhuayunFake) -> None:
    """Without this, the next test could pass against a platform that never shifts."""
    wenhuayun.add("wishes", 30)
    before = wenhuayun.order("wishes")
    params = {"updated_since": "2022-01-01T00:00:00+08:00", "page_size": "10"}
    async with httpx.AsyncClient(base_url=wenhuayun.base_url) as client:
        one = (await client.get("/api/v2/wishes", params={**params, "page": "1"})).json()
        wenhuayun.touch("wishes", before[0])
        two = (await client.get("/api/v2/wishes", params={**params, "page": "2"})).json()
    seen = {i["wish_id"] for i in one["items"] + two["items"]}
    assert before[10] not in seen  # page numbers alone would skip it


async def test_shifting_pages_lose_nothing(
    clean_db: asyncpg.Pool, wenhuayun: WenhuayunFake
) -> None:
    wenhuayun.add("wishes", 95)
    order = wenhuayun.order("wishes")
    answers: list[int] = []

    def change_while_paging(path: str, query: dict[str, str], doc: Any) -> None:
        if path != "/api/v2/wishes" or len(answers) >= 4:
            return
        answers.append(doc["total"])
        wenhuayun.touch("wishes", order[len(answers)])  # already read: moves to the end
        wenhuayun.touch("wishes", order[50 + len(answers)])  # not read yet
        wenhuayun.add("wishes", 1)  # total grows

    wenhuayun.after_answer.append(change_while_paging)
    await pull(clean_db, "wenhuayun", wenhuayun)
    assert len(answers) == 4 and len(wenhuayun.items["wishes"]) == 99
    assert await held(clean_db, "wenhuayun", "wishes") == wenhuayun.versions("wishes")


async def test_more_items_than_a_page_sharing_one_time_end(
    clean_db: asyncpg.Pool, wenhuayun: WenhuayunFake
) -> None:
    wenhuayun.add("wishes", 3)
    wenhuayun.add("wishes", 34, same_time=True)  # a bulk import: one updated_at
    wenhuayun.add("wishes", 4)
    await pull(clean_db, "wenhuayun", wenhuayun)
    assert await held(clean_db, "wenhuayun", "wishes") == wenhuayun.versions("wishes")
    assert len(wenhuayun.requests("/api/v2/wishes")) <= 8
    # A second run starts at the newest time, not inside the tie.
    before = len(wenhuayun.seen)
    result = await pull(clean_db, "wenhuayun", wenhuayun)
    assert result.accepted == 0
    assert len(wenhuayun.requests("/api/v2/wishes")) - len(
        [s for s in wenhuayun.seen[:before] if s.path == "/api/v2/wishes"]
    ) == 1


async def test_code_5003_and_busy_statuses_are_retried(
    clean_db: asyncpg.Pool, wenhuayun: WenhuayunFake
) -> None:
    wenhuayun.add("stations", 5)
    wenhuayun.add("wishes", 25)
    wenhuayun.inject(
        busy(),
        Fault(status=503, retry_after="0"),
        busy(),
        Fault(delay=1.5, path="/api/v2/wishes"),  # longer than the 0.5 s time-out
        busy(),
    )
    result = await pull(clean_db, "wenhuayun", wenhuayun, max_retries=5, timeout=0.5)
    assert result.retries == 5
    for entity in ("stations", "wishes"):
        assert await held(clean_db, "wenhuayun", entity) == wenhuayun.versions(entity)


async def test_endless_5003_ends_with_an_error(
    clean_db: asyncpg.Pool, wenhuayun: WenhuayunFake
) -> None:
    wenhuayun.add("stations", 15)
    await pull(clean_db, "wenhuayun", wenhuayun)
    kept = await stored_cursor(clean_db, "wenhuayun", "stations")
    wenhuayun.add("stations", 3)
    wenhuayun.inject(*[busy()] * 10)
    with pytest.raises(SyncError, match=r"wenhuayun: GET /api/v2/stations failed 4 times.*5003"):
        await pull(clean_db, "wenhuayun", wenhuayun)
    assert await stored_cursor(clean_db, "wenhuayun", "stations") == kept
    row = await source_row(clean_db, "wenhuayun")
    assert row["last_failure_at"] > row["last_success_at"]


async def test_other_codes_are_faults(clean_db: asyncpg.Pool, wenhuayun: WenhuayunFake) -> None:
    wenhuayun.inject(Fault(body={"code": 4001, "msg": "参数错误"}))
    with pytest.raises(SyncError, match="answered code 4001"):
        await pull(clean_db, "wenhuayun", wenhuayun)
    assert len(wenhuayun.seen) == 1


# ---------------------------------------------------------------- the command


def test_targets_come_from_the_configuration() -> None:
    config = parse_config(
        {
            "sources": {
                "fengxiang": {"base_url": "http://127.0.0.1:1"},
                "wenhuayun": {"base_url": "http://127.0.0.1:2"},
                "shengjing": {"base_url": "http://127.0.0.1:3", "token": "t"},
                "huludao": {"token": "t"},
            }
        }
    )
    assert select_targets(config, [], every=True) == [
        Target("fengxiang", "http://127.0.0.1:1"),
        Target("wenhuayun", "http://127.0.0.1:2"),
    ]
    with pytest.raises(SyncError, match="'huludao' cannot be pulled"):
        select_targets(config, ["huludao"], every=False)
    with pytest.raises(ConfigError, match=r"\[sources.fengxiang\] base_url is not set"):
        select_targets(parse_config({}), ["fengxiang"], every=False)
    with pytest.raises(ConfigError, match="--all"):
        select_targets(config, [], every=False)


def test_sync_settings_are_checked() -> None:
    assert parse_config({"sync": {"page_size": 50, "timeout": 2}}).sync.timeout == 2.0
    with pytest.raises(ConfigError, match=r"has no setting 'page' \(did you mean 'page_size'"):
        parse_config({"sync": {"page": 5}})
    with pytest.raises(ConfigError, match=r"max_retries must be a whole number >= 0, found 2\.5"):
        parse_config({"sync": {"max_retries": 2.5}})
    with pytest.raises(ConfigError, match="timeout must be a number > 0, found 0"):
        parse_config({"sync": {"timeout": 0}})


def test_retry_after_reads_seconds_and_dates() -> None:
    import datetime as dt

    now = dt.datetime(2022, 3, 14, 9, 30, tzinfo=dt.UTC)
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("Mon, 14 Mar 2022 09:30:05 GMT", now) == 5.0
    assert parse_retry_after("soon") is None


async def test_watch_tries_again_after_a_failed_round(
    clean_db: asyncpg.Pool, fengxiang: FengxiangFake, caplog: pytest.LogCaptureFixture
) -> None:
    fengxiang.add_orders(12)
    fengxiang.inject(*[Fault(status=503)] * (FAST.max_retries + 1))
    stream = io.StringIO()
    with caplog.at_level(logging.ERROR, logger="hub.sync"):
        await watch(
            clean_db,
            [Target("fengxiang", fengxiang.base_url)],
            FAST,
            Display(stream, live=True),
            interval=0.05,
            rounds=2,
        )
    assert any("HTTP 503" in r.getMessage() for r in caplog.records)
    assert await held(clean_db, "fengxiang", "orders") == fengxiang.versions("orders")
    shown = stream.getvalue()
    assert "\rfengxiang: 1 pages, 10 records (10 new, 0 duplicates, 0 rejected), reading orders" in shown
    assert "HTTP 503; retrying in" in shown
    assert "fengxiang: 3 pages, 12 records (12 new, 0 duplicates, 0 rejected)" in shown


def _hub(database_url: str, config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "HUB_CONFIG": str(config)}
    return subprocess.run(
        [sys.executable, "-m", "hub.cli", "sync", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_hub_sync_command(
    clean_db: asyncpg.Pool, database_url: str, tmp_path: Path
) -> None:
    with FengxiangFake(orders=15, activities=4) as fx, WenhuayunFake(wishes=7) as why:
        config = tmp_path / "hub.toml"
        config.write_text(
            f'[sources.fengxiang]\nbase_url = "{fx.base_url}"\n'
            f'[sources.wenhuayun]\nbase_url = "{why.base_url}"\n'
            "[sync]\npage_size = 10\nmax_retries = 1\nbackoff_base = 0.01\ntimeout = 1\n",
            encoding="utf-8",
        )
        done = await asyncio.to_thread(_hub, database_url, config, "--all")
        assert done.returncode == 0, done.stderr
        assert "fengxiang: 3 pages, 19 records (19 new" in done.stderr
        assert "wenhuayun: " in done.stderr and "\r" not in done.stderr
        assert len(await held(clean_db, "wenhuayun", "wishes")) == 7

        fx.dead = 503
        failed = await asyncio.to_thread(_hub, database_url, config, "fengxiang")
        assert failed.returncode == 2
        assert "hub: fengxiang: GET /open/orders failed 2 times; last: HTTP 503" in failed.stderr
        assert "Traceback" not in failed.stderr


async def test_a_watch_skips_a_source_another_host_is_syncing(
    clean_db: asyncpg.Pool, fengxiang: FengxiangFake, caplog: pytest.LogCaptureFixture
) -> None:
    """Watches on several hosts: a source whose lease another process holds is
    skipped that round (no error), and synced by the round after it is free."""
    fengxiang.add_orders(3)
    await clean_db.execute(  # another host's run holds it for 0.3 s
        "insert into job_leases (name, holder, leased_until) "
        "values ('sync:fengxiang', 'another-host:4242:cafe0000', now() + interval '0.3 s')")
    with caplog.at_level(logging.INFO, logger="hub.sync"):
        await watch(clean_db, [Target("fengxiang", fengxiang.base_url)], FAST,
                    Display(io.StringIO(), live=False), interval=0.5, rounds=2)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("another sync of this source is running; skipped" in r.getMessage()
               for r in caplog.records)
    assert await held(clean_db, "fengxiang", "orders") == fengxiang.versions("orders")
