"""Dead letters: kept on rejection, listed, replayed through the current adapter."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

import adapters
from adapters.base import Adapter, Platform
from hub.deadletters import list_dead_letters, replay
from hub.errors import AdapterError
from hub.ingest import ingest
from hub.models import Batch, Parsed, Places, Rejection
from hub.orphans import list_orphan_cards
from hub.privacy import scrub_text, scrub_value

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "adapters"
REAL = adapters.REGISTRY["shengjing"]


def with_adapter(adapter: Adapter) -> Platform:
    """盛京使者 with another translation (before or after a fix)."""
    return dataclasses.replace(REAL, adapter=adapter)


def example() -> dict[str, object]:
    value = json.loads((FIXTURES / "shengjing" / "fixtures" / "example.json").read_bytes())
    assert isinstance(value, dict)
    return value


class Picky:
    """The 盛京 adapter before a fix: it rejects every wish (XY record)."""

    info = REAL.info

    def parse(self, body: bytes, places: Places) -> Batch:
        batch = REAL.parse(body, places)
        natives = json.loads(body)["records"]
        items: list[Parsed | Rejection] = []
        for item in batch.items:
            native = natives[item.index]
            if isinstance(item, Parsed) and native.get("recordType") == "XY":
                items.append(Rejection(item.index, item.record.meta.source_id, "xyType",
                                       "label not known yet", scrub_value(native)))
            else:
                items.append(item)
        return Batch(batch.source, tuple(items))


class Broken:
    """An adapter before a fix that reads no body at all."""

    info = REAL.info

    def parse(self, body: bytes, places: Places) -> Batch:
        raise AdapterError("shengjing: envelope not understood")


async def wishes(pool: asyncpg.Pool) -> int:
    return int(await pool.fetchval("select count(*) from wishes"))


async def test_rejected_records_land_after_a_fix(clean_db: asyncpg.Pool,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    body = json.dumps(example(), ensure_ascii=False).encode()
    monkeypatch.setitem(adapters.REGISTRY, "shengjing", with_adapter(Picky()))
    report = await ingest(clean_db, "shengjing", body)
    assert (report.accepted, report.rejected) == (1, 1)
    letters = await list_dead_letters(clean_db, source="shengjing")
    assert [(x.source_id, x.field, x.resolved) for x in letters] == [
        ("SJ202203050017", "xyType", False)]
    assert await list_dead_letters(clean_db, source="huludao") == []

    # Replayed with the adapter still unfixed: kept, with the reason of today.
    outcomes = await replay(clean_db, source="shengjing")
    assert [o.outcome for o in outcomes] == ["rejected"]
    assert len(await list_dead_letters(clean_db)) == 1
    assert await wishes(clean_db) == 0

    monkeypatch.setitem(adapters.REGISTRY, "shengjing", REAL)
    outcomes = await replay(clean_db)
    assert [(o.source_id, o.outcome) for o in outcomes] == [("SJ202203050017", "landed")]
    assert await wishes(clean_db) == 1
    # The letter kept no full name, and neither does the wish it became.
    assert await clean_db.fetchval("select beneficiary_name from wishes") == "王某某"
    assert await list_dead_letters(clean_db) == []
    (resolved,) = await list_dead_letters(clean_db, include_resolved=True)
    assert resolved.resolved and resolved.replayed_at is not None
    counted = await clean_db.fetchrow(
        "select records_accepted, records_rejected from sources where code = 'shengjing'")
    assert tuple(counted) == (2, 1)
    assert await replay(clean_db) == []


async def test_a_re_sent_rejected_record_is_one_letter_that_counts(
    clean_db: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = json.dumps(example(), ensure_ascii=False).encode()
    monkeypatch.setitem(adapters.REGISTRY, "shengjing", Picky())
    await ingest(clean_db, "shengjing", body)
    await ingest(clean_db, "shengjing", body)  # the platform re-sends after a timeout
    twice = json.loads(body)
    twice["records"] = [twice["records"][0], twice["records"][0]]  # and twice in one batch
    await ingest(clean_db, "shengjing", json.dumps(twice, ensure_ascii=False).encode())
    (letter,) = await list_dead_letters(clean_db, source="shengjing")
    assert (letter.source_id, letter.times) == ("SJ202203050017", 4)
    assert letter.last_received_at is not None and letter.last_received_at >= letter.received_at
    # A different reason for the same record is another letter.
    changed = example()
    changed["records"][0]["xyType"] = 12  # type: ignore[index]
    monkeypatch.setitem(adapters.REGISTRY, "shengjing", REAL)
    await ingest(clean_db, "shengjing", json.dumps(changed, ensure_ascii=False).encode())
    assert [x.times for x in await list_dead_letters(clean_db, source="shengjing")] == [1, 4]
    # Once it lands, the one letter is resolved, and a later rejection starts a new count.
    outcomes = await replay(clean_db, source="shengjing")
    assert sorted(o.outcome for o in outcomes) == ["landed", "rejected"]


async def test_a_letter_of_a_record_already_held_resolves_as_a_duplicate(
    clean_db: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = json.dumps(example(), ensure_ascii=False).encode()
    monkeypatch.setitem(adapters.REGISTRY, "shengjing", with_adapter(Picky()))
    await ingest(clean_db, "shengjing", body)
    monkeypatch.setitem(adapters.REGISTRY, "shengjing", REAL)
    await ingest(clean_db, "shengjing", body)  # the platform re-sent it meanwhile
    outcomes = await replay(clean_db, source="shengjing")
    assert [o.outcome for o in outcomes] == ["landed"]
    assert await wishes(clean_db) == 1


async def test_an_unreadable_body_is_replayed_whole(clean_db: asyncpg.Pool,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    body = json.dumps(example(), ensure_ascii=False).encode()
    monkeypatch.setitem(adapters.REGISTRY, "shengjing", with_adapter(Broken()))
    with pytest.raises(AdapterError):
        await ingest(clean_db, "shengjing", body)
    (letter,) = await list_dead_letters(clean_db)
    assert letter.whole_body and letter.field == "body"
    raw_text = await clean_db.fetchval("select raw_text from dead_letters")
    assert "王建国" not in raw_text and "13800001234" not in raw_text

    outcomes = await replay(clean_db, letter_id=letter.id)
    assert [o.outcome for o in outcomes] == ["unreadable"]

    monkeypatch.setitem(adapters.REGISTRY, "shengjing", REAL)
    outcomes = await replay(clean_db, letter_id=letter.id)
    assert [o.outcome for o in outcomes] == ["landed"]
    assert await wishes(clean_db) == 1
    assert await clean_db.fetchval("select count(*) from teams") == 1


async def test_replay_by_id_touches_only_that_letter(clean_db: asyncpg.Pool) -> None:
    for text in (b"not json", b"[1, 2]"):
        with pytest.raises(AdapterError):
            await ingest(clean_db, "huludao", text)
    _, second = sorted(x.id for x in await list_dead_letters(clean_db))
    outcomes = await replay(clean_db, letter_id=second)
    assert [(o.letter_id, o.outcome) for o in outcomes] == [(second, "unreadable")]
    times = await clean_db.fetch("select id, replayed_at from dead_letters order by id")
    assert times[0]["replayed_at"] is None and times[1]["replayed_at"] is not None


async def test_orphan_cards_are_listed_until_their_pink_arrives(clean_db: asyncpg.Pool) -> None:
    blue = {"type": "blue", "card": "BL-1", "pink": "PK-211421-000001",
            "by": {"kind": "volunteer", "name": "张三丰"}, "fulfilled": False,
            "ts": "2022-03-12T06:30:00Z", "seq": 1}
    pink = {"type": "pink", "code": "PK-211421-000001", "wish": "代购常用药", "cat": "食品药品",
            "kind": "物", "who": "老人", "name": "刘某某", "county": "绥中县", "state": "open",
            "ts": "2022-03-12T02:00:00Z", "seq": 1}
    await ingest(clean_db, "huludao", json.dumps({"events": [blue]}).encode())
    (orphan,) = await list_orphan_cards(clean_db)
    assert (orphan.source, orphan.source_id, orphan.wish_ref) == ("huludao", "BL-1",
                                                                  "PK-211421-000001")
    assert await list_orphan_cards(clean_db, "shengjing") == []
    await ingest(clean_db, "huludao", json.dumps({"events": [pink]}).encode())
    assert await list_orphan_cards(clean_db) == []
    assert await clean_db.fetchval("select claimant_name from claims") == "张某某"


def test_unreadable_text_loses_numbers_and_names() -> None:
    text = ('{"objName": "欧阳娜娜", "objPhone": "13912345678", "note": "身份证 21010219800101123X'
            ' 老号 210102800101123 电话13800001234", "updateTime": 1647136800000, "xyId": "SJ1"'
            ', "objIdCard": 21010219800101123')
    clean = scrub_text(text)
    for secret in ("娜娜", "13912345678", "21010219800101123X", "210102800101123",
                   "13800001234", "21010219800101123"):
        assert secret not in clean
    assert '"objName": "欧阳某某"' in clean
    assert "1647136800000" in clean and '"xyId": "SJ1"' in clean  # not personal: kept


def test_raw_records_lose_contacts_and_names() -> None:
    raw = {"objName": "王建国", "objPhone": "13912345678", "person": {"phone_tail": "0421"},
           "xyContent": "联系 13912345678", "claimers": [{"name": "霁虹街道办事处"}]}
    assert scrub_value(raw) == {"objName": "王某某", "person": {}, "xyContent": "联系 ***",
                                "claimers": [{"name": "霁虹街道办事处"}]}


async def test_the_commands_list_and_replay(clean_db: asyncpg.Pool, database_url: str) -> None:
    await ingest(clean_db, "huludao", json.dumps({"events": [
        {"type": "blue", "card": "BL-9", "pink": "PK-211421-000009",
         "by": {"kind": "team", "name": "爱心队"}, "fulfilled": False,
         "ts": "2022-03-12T06:30:00Z", "seq": 1},
        {"type": "pink", "code": "PK-X", "state": "lost"},
    ]}).encode())
    env = {**os.environ, "DATABASE_URL": database_url}

    def hub(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "hub.cli", *args], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout

    listed = hub("deadletters", "--source", "huludao")
    assert "PK-X" in listed
    # Times as the API speaks them: Beijing time with its offset, whatever the machine's zone.
    (letter,) = await list_dead_letters(clean_db, source="huludao")
    beijing = letter.received_at.astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert beijing.isoformat(sep=" ", timespec="seconds") in listed
    assert "+08:00" in listed and "Beijing time" in listed
    assert "BL-9" in hub("orphans") and "PK-211421-000009" in hub("orphans")
    assert "1 rejected" in hub("replay", "--source", "huludao")
    assert "PK-X" in hub("deadletters")
    assert "no dead letters" in hub("deadletters", "--source", "shengjing")
