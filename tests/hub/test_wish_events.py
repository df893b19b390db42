"""Live wish events: the triggers of migration 0016 and the process's listener
(``hub.events``), on the test run's PostgreSQL."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from hub import events
from hub.events import WishEvents
from hub.models import WishEvent, WishEventKind
from tests.http.conftest import push_items, wenhuayun_items


async def _last_event_id(pool: asyncpg.Pool) -> int:
    return int(await pool.fetchval("select coalesce(max(id), 0) from wish_events"))


async def _events_since(pool: asyncpg.Pool, after: int) -> list[tuple[str, str]]:
    rows = await pool.fetch(
        "select w.source_id, u.kinds from wish_events e, unnest(e.wish_ids, e.kinds) "
        "with ordinality as u(wish_id, kinds, n) join wishes w on w.id = u.wish_id "
        "where e.id > $1 order by e.id, u.n", after)
    return [(r["source_id"], kind) for r in rows for kind in r["kinds"].split(",")]


def _open_wishes(n: int) -> list[dict[str, Any]]:
    return wenhuayun_items(n, teams=0, stations=0)


def _newer(item: dict[str, Any], **changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(item)
    out.update(changes, updated_at="2022-04-01T08:00:00+08:00")
    return out


@pytest.fixture
async def listening(pool: asyncpg.Pool) -> AsyncIterator[list[str]]:
    """Notifications of the events channel, as a separate session receives them."""
    received: list[str] = []
    conn = await pool.acquire()

    def got(_conn: object, _pid: int, _channel: str, payload: str) -> None:
        received.append(payload)

    await conn.add_listener("hub_wish_events", got)
    try:
        yield received
    finally:
        await conn.remove_listener("hub_wish_events", got)
        await pool.release(conn)


async def test_a_push_of_1000_wishes_is_1000_events_and_one_notification(
    clean_db: asyncpg.Pool, listening: list[str]
) -> None:
    before = await _last_event_id(clean_db)
    await push_items(clean_db, _open_wishes(1000))
    await asyncio.sleep(0.3)  # notifications arrive after commit
    found = await _events_since(clean_db, before)
    assert len(found) == 1000 and {kind for _, kind in found} == {"SUBMITTED"}
    assert listening == [""]
    # The statement's events are one row.
    assert await clean_db.fetchval("select count(*) from wish_events where id > $1", before) == 1


async def test_changes_become_events_and_repeats_do_not(clean_db: asyncpg.Pool) -> None:
    wish = _open_wishes(1)[0]
    await push_items(clean_db, [wish])
    before = await _last_event_id(clean_db)

    await push_items(clean_db, [wish])  # the same version again: a duplicate
    assert await _events_since(clean_db, before) == []

    claimed = _newer(wish, state="已认领", claim_time="2022-03-30T08:00:00+08:00",
                     claimers=[{"kind": "志愿者", "name": "李某某", "team_id": None}])
    await push_items(clean_db, [claimed])
    assert await _events_since(clean_db, before) == [("WS-0000", "CLAIMED")]

    before = await _last_event_id(clean_db)
    await clean_db.execute("update wishes set handling_level = 'CITY' where source_id = 'WS-0000'")
    await clean_db.execute("update wishes set dispatch_team_id = 42, dispatched_at = now(), "
                           "dispatched_by = 'office' where source_id = 'WS-0000'")
    await clean_db.execute("update wishes set dispatch_note = '再说明' where source_id = 'WS-0000'")
    assert await _events_since(clean_db, before) == [
        ("WS-0000", "ESCALATED"), ("WS-0000", "DISPATCHED")]

    before = await _last_event_id(clean_db)
    fulfilled = _newer(claimed, state="已实现", done_time="2022-04-01T08:00:00+08:00")
    fulfilled["updated_at"] = "2022-04-02T08:00:00+08:00"
    await push_items(clean_db, [fulfilled])
    assert await _events_since(clean_db, before) == [("WS-0000", "FULFILLED")]


async def test_a_wish_first_seen_fulfilled_is_submitted_and_fulfilled(clean_db: asyncpg.Pool) -> None:
    before = await _last_event_id(clean_db)
    item = _open_wishes(1)[0]
    item.update(state="已实现", claim_time="2022-03-02T08:00:00+08:00",
                done_time="2022-03-03T08:00:00+08:00")
    await push_items(clean_db, [item])
    assert await _events_since(clean_db, before) == [
        ("WS-0000", "SUBMITTED"), ("WS-0000", "FULFILLED")]


async def _next(subscription: AsyncIterator[WishEvent], timeout: float = 10.0) -> WishEvent:
    return await asyncio.wait_for(anext(subscription), timeout)


async def test_subscribers_get_their_regions_events_with_the_wish(clean_db: asyncpg.Pool) -> None:
    hub = WishEvents(clean_db)
    try:
        async with hub.subscribe(lambda w: w.region_code.startswith("210102")) as heping, \
                   hub.subscribe(lambda w: True) as everything:
            await push_items(clean_db, _open_wishes(6))  # one wish in each of six counties
            mine = heping.events()
            first = await _next(mine)
            assert first.kind is WishEventKind.SUBMITTED
            assert first.wish.source_id == "WS-0000" and first.wish.title == "想要一个新书包0"
            all_of_them = everything.events()
            seen = [await _next(all_of_them) for _ in range(6)]
            assert sorted(e.wish.source_id for e in seen) == [f"WS-{i:04d}" for i in range(6)]
            assert heping.queue.empty()  # the other counties' wishes were not for it
        assert hub.subscribers == 0
    finally:
        await hub.close()


async def test_a_transaction_that_commits_late_is_not_missed(clean_db: asyncpg.Pool) -> None:
    """Event ids are taken at insert; a transaction holding a lower id that
    commits after a higher one has been read must still be delivered."""
    await push_items(clean_db, _open_wishes(2))
    hub = WishEvents(clean_db)
    slow = await clean_db.acquire()
    try:
        async with hub.subscribe(lambda w: True) as subscriber:
            stream = subscriber.events()
            transaction = slow.transaction()
            await transaction.start()
            await slow.execute("update wishes set handling_level = 'CITY' where source_id = 'WS-0000'")
            await clean_db.execute(
                "update wishes set handling_level = 'CITY' where source_id = 'WS-0001'")
            fast = await _next(stream)
            assert (fast.wish.source_id, fast.kind) == ("WS-0001", WishEventKind.ESCALATED)
            await transaction.commit()
            late = await _next(stream)
            assert (late.wish.source_id, late.kind) == ("WS-0000", WishEventKind.ESCALATED)
    finally:
        await clean_db.release(slow)
        await hub.close()


async def test_a_subscriber_that_does_not_read_is_ended(clean_db: asyncpg.Pool) -> None:
    hub = WishEvents(clean_db, queue_size=3)
    try:
        async with hub.subscribe(lambda w: True) as subscriber:
            await push_items(clean_db, _open_wishes(10))
            stream = subscriber.events()
            got = [await _next(stream) for _ in range(3)]
            assert len(got) == 3
            with pytest.raises(Exception, match="fell more than 3 events behind"):
                await _next(stream)
    finally:
        await hub.close()


async def test_old_events_are_pruned(clean_db: asyncpg.Pool) -> None:
    await push_items(clean_db, _open_wishes(3))
    await clean_db.execute("update wish_events set at = at - interval '1 hour'")
    await push_items(clean_db, [_newer(_open_wishes(1)[0], state="已撤销")])
    gone = await events.prune(clean_db, older_than=600)
    assert gone >= 3
    left = await clean_db.fetch("select kinds from wish_events")
    assert [r["kinds"] for r in left] == [["CANCELLED"]]  # 3 SUBMITTED went


async def test_a_batch_of_events_loads_its_relations_together(
    database_url: str, clean_db: asyncpg.Pool
) -> None:
    """A push of 20 village wishes to a subscriber asking for their region and
    claims: a statement per relation for the batch, not one per event."""
    from types import SimpleNamespace

    from strawberry.types.nodes import SelectedField

    from hub import db
    from hub.config import Config
    from hub.security.roles import Caller, Role
    from resolvers.context import Context
    from resolvers.events import wish_events
    from tests.http.conftest import StatementLog

    log = StatementLog()

    async def init(conn: asyncpg.Connection) -> None:
        conn.add_query_logger(log)

    def field(name: str, *below: SelectedField) -> SelectedField:
        return SelectedField(name=name, directives={}, arguments={}, selections=list(below))

    selections = [field("kind"), field("wish", field("title"), field("region", field("code")),
                                       field("claims", field("claimantName")))]
    pool = await db.create_pool(database_url, min_size=1, max_size=4, init=init)
    app = SimpleNamespace(state=SimpleNamespace())
    ctx = Context(pool=pool, config=Config(), request=SimpleNamespace(app=app),
                  caller=Caller(Role.PROVINCE, name="ops"))
    items = _open_wishes(20)
    for i, item in enumerate(items):
        item["division_code"] = f"210102001{i:03d}"
    stream = wish_events(ctx, None, selections)
    try:
        first = asyncio.ensure_future(anext(stream))
        await asyncio.sleep(0.5)  # the listener starts
        log.reset()
        await push_items(clean_db, items)
        got = [await asyncio.wait_for(first, 10)]
        got += [await asyncio.wait_for(anext(stream), 10) for _ in range(19)]
        assert sorted(e.wish.source_id for e in got) == sorted(i["wish_id"] for i in items)
        # The listener's reads (events, their wishes), then one statement for the
        # villages and one for the claims: not 20 of each.
        relations = [s for s in log.statements if "from regions" in s or "from claims" in s]
        assert len(relations) == 2, relations
    finally:
        await stream.aclose()
        await events.close_app(app)
        await pool.close()


async def test_a_mutation_is_an_event_too(clean_db: asyncpg.Pool) -> None:
    """Events come from the rows, whoever changes them: here escalateWish."""
    from hub import ids
    from tests.security.conftest import TOKENS, config, hub_client, post

    await push_items(clean_db, _open_wishes(1))
    wish = await clean_db.fetchval("select id from wishes where source_id = 'WS-0000'")
    before = await _last_event_id(clean_db)
    from schema.schema import schema

    # escalateWish takes a reason once issue 21's escalation lands (part A).
    escalate = schema.get_field_for_type("escalateWish", "Mutation")
    assert escalate is not None
    reason = ', reason: "县里无力承接"' if any(
        a.python_name == "reason" for a in escalate.arguments) else ""
    async with hub_client(clean_db, config()) as client:
        response = await post(
            client, "mutation($id: ID!) { escalateWish(id: $id, level: CITY" + reason + ") "
            "{ handlingLevel } }", TOKENS["province"], id=ids.encode_id("Wish", wish))
    assert response.json()["data"]["escalateWish"]["handlingLevel"] == "CITY", response.text
    assert await _events_since(clean_db, before) == [("WS-0000", "ESCALATED")]


@pytest.mark.parametrize("direct", [False, True], ids=["polling", "direct-listen"])
async def test_behind_a_bouncer_events_come_by_polling_or_a_direct_listener(
    clean_db: asyncpg.Pool, database_url: str, direct: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pool whose URL names a PgBouncer never LISTENs on its own connections
    (the bouncer would hand that session to someone else): it listens on
    DATABASE_DIRECT_URL, or reads every POLL_SECONDS_UNHEARD without it."""
    from hub import db

    if direct:
        monkeypatch.setenv("DATABASE_DIRECT_URL", database_url)
    else:
        monkeypatch.delenv("DATABASE_DIRECT_URL", raising=False)
        monkeypatch.setattr(events, "POLL_SECONDS_UNHEARD", 0.2)
    sep = "&" if "?" in database_url else "?"
    pool = await db.create_pool(f"{database_url}{sep}pgbouncer=true", min_size=2, max_size=2)
    hub = WishEvents(pool)
    try:
        async with hub.subscribe(lambda w: True) as subscriber:
            # Both of the pool's connections are free and listen to nothing.
            held = [await pool.acquire(timeout=2) for _ in range(2)]
            for conn in held:
                assert await conn.fetchval("select count(*) from pg_listening_channels()") == 0
                await pool.release(conn)
            await push_items(clean_db, _open_wishes(1))
            started = asyncio.get_running_loop().time()
            got = await _next(subscriber.events(), timeout=5)
            assert got.wish.source_id == "WS-0000"
            # Notified at once, long before the direct listener's next poll (5 s).
            assert not direct or asyncio.get_running_loop().time() - started < 2.0
    finally:
        await hub.close()
        await pool.close()
