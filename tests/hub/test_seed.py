"""The seed: deterministic, in the platforms' own formats, covering everything a demo shows."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from typing import Any

import asyncpg

import adapters
from hub import seed
from hub.models import (
    BeneficiaryGroup,
    ClaimCardRecord,
    Parsed,
    StationLevel,
    StationRecord,
    WishCategory,
    WishRecord,
)
from hub.places import load_places
from hub.seed.bodies import generate, writers
from hub.seed.geo import geography
from hub.seed.load import load
from hub.seed.plan import make_plan

NOW = dt.datetime(2026, 3, 20, 4, 0, tzinfo=dt.UTC)


def _demo(seed_value: int = 7) -> list[tuple[str, bytes]]:
    return list(generate(seed.DEMO_SCALE, seed=seed_value, now=NOW))


def _records(bodies: list[tuple[str, bytes]]) -> list[tuple[str, dict[str, Any]]]:
    """The records of the JSON platforms' bodies (each envelope holds one list of them)."""
    out = []
    for source, body in bodies:
        if adapters.REGISTRY[source].text_bodies:
            lists = [v for v in json.loads(body).values() if isinstance(v, list)]
            assert len(lists) == 1, source
            out += [(source, r) for r in lists[0]]
    return out


def test_the_same_seed_gives_the_same_bytes() -> None:
    assert _demo(7) == _demo(7)
    assert _demo(7) != _demo(8)


def test_every_body_translates_without_a_rejection_and_covers_every_value() -> None:
    places = load_places()
    kinds: Counter[str] = Counter()
    statuses: dict[str, set[str]] = {}
    categories: set[WishCategory] = set()
    groups: set[BeneficiaryGroup] = set()
    levels: set[StationLevel] = set()
    for source, body in _demo():
        batch = adapters.REGISTRY[source].parse(body, places)
        assert all(isinstance(item, Parsed) for item in batch.items), source
        for item in batch.items:
            assert isinstance(item, Parsed)
            record = item.record
            kinds[f"{source}:{type(record).__name__}"] += 1
            if isinstance(record, WishRecord):
                statuses.setdefault(source, set()).add(record.status.value)
                categories.add(record.category)
                groups.add(record.beneficiary_group)
                assert NOW - dt.timedelta(days=366) <= record.submitted_at < NOW
            elif isinstance(record, StationRecord):
                levels.add(record.level)
    assert {f"{code}:WishRecord" for code in adapters.REGISTRY} <= set(kinds)
    assert set(kinds) >= {
        "shengjing:WishRecord", "shengjing:TeamRecord", "fengxiang:WishRecord",
        "fengxiang:ActivityRecord", "wenhuayun:StationRecord", "wenhuayun:TeamRecord",
        "wenhuayun:ActivityRecord", "wenhuayun:WishRecord", "huludao:WishRecord",
        "huludao:ClaimCardRecord",
    }
    assert categories == set(WishCategory)
    assert groups == set(BeneficiaryGroup)
    assert levels == set(StationLevel)
    everything = {"PENDING", "OPEN", "CLAIMED", "FULFILLED", "CANCELLED"}
    assert statuses["shengjing"] == statuses["wenhuayun"] == everything
    # 枫乡 has no review stage; 葫芦岛's pinks say open/closed/withdrawn (cards make CLAIMED).
    assert statuses["fengxiang"] == everything - {"PENDING"}
    assert statuses["huludao"] == {"OPEN", "FULFILLED", "CANCELLED"}


def test_the_bodies_carry_what_the_hub_must_handle() -> None:
    bodies = _demo()
    records = _records(bodies)
    xy = [r for s, r in records if s == "shengjing" and r["recordType"] == "XY"]
    # Full names and phones, so that masking and scrubbing have work to do.
    assert all("某" not in r["objName"] and len(r["objPhone"]) == 11 for r in xy)
    # Districts typed three ways: 沈阳市铁西区, 铁西区, 铁西.
    areas = [r["areaName"] for r in xy]
    assert any(a.startswith("沈阳市") for a in areas)
    assert any(a.endswith(("区", "县", "市")) and not a.startswith("沈阳市") for a in areas)
    assert any(not a.endswith(("区", "县", "市")) for a in areas)
    # Several claimers on one wish; one team holding many wishes.
    assert any(len(r["claimers"]) >= 2 for r in xy)
    holders = Counter(c["id"] for r in xy for c in r["claimers"] if c["type"] == "队伍")
    assert holders.most_common(1)[0][1] >= 5
    # Mirrors of 盛京使者 wishes, deletions, re-sent versions.
    items = [r for s, r in records if s == "wenhuayun"]
    sj_ids = {r["xyId"] for r in xy}
    mirrors = [r for r in items if r.get("origin")]
    assert mirrors and all(m["origin"].split(":", 1)[1] in sj_ids for m in mirrors)
    assert any(r["deleted"] for r in items if r["entity"] == "wish")
    assert any(r["delFlag"] == 1 for r in xy) or any(r["deleted"] for r in items)
    ids = Counter(r["wish_id"] for r in items if r["entity"] == "wish")
    assert ids.most_common(1)[0][1] >= 2
    # 葫芦岛: a blue card sent before its pink code, and withdrawn wishes.
    first_seen: dict[str, int] = {}
    for n, (s, r) in enumerate(records):
        if s == "huludao":
            key = r["code"] if r["type"] == "pink" else r["pink"]
            first_seen.setdefault(f"{r['type']}:{key}", n)
    pinks = {k.split(":", 1)[1]: v for k, v in first_seen.items() if k.startswith("pink:")}
    assert any(v < pinks[k.split(":", 1)[1]] for k, v in first_seen.items()
               if k.startswith("blue:"))
    assert any(r.get("state") == "withdrawn" for s, r in records if s == "huludao")
    # Platform limits: 盛京使者 at most 1,000 records, 葫芦岛 a few hundred events.
    sizes = {s: max(len(json.loads(b)[k]) for t, b in bodies if t == s)
             for s, k in (("shengjing", "records"), ("huludao", "events"))}
    assert sizes["shengjing"] <= 1000 and sizes["huludao"] <= 200


def test_province_scale_matches_the_published_figures() -> None:
    plan = make_plan(seed.PROVINCE_SCALE, geography(7), writers())
    assert 880_000 <= plan.total_wishes <= 920_000
    teams = sum(plan.teams.values())
    assert 32_000 <= teams <= 34_000
    assert abs(plan.mean_members * 33_000 - 7_300_000) < 10_000
    assert 990_000 <= sum(plan.activities.values()) <= 1_010_000
    small = make_plan(seed.DEMO_SCALE, geography(7), writers())
    assert 400 <= small.total_wishes <= 550
    assert min(small.wishes.values()) >= 40


async def test_loading_goes_through_ingest_and_twice_adds_nothing(
    clean_db: asyncpg.Pool,
) -> None:
    summary = await load(clean_db, seed.DEMO_SCALE, seed=7, now=NOW)
    assert summary.rejected == 0
    assert summary.accepted > 1000 and 400 <= summary.wishes <= 600
    async with clean_db.acquire() as conn:
        by = await conn.fetch(
            "select s.code, w.status, count(*) as n from wishes w join sources s on s.id = w.source"
            " where not w.deleted and not w.shadowed group by 1, 2")
        shadowed = await conn.fetchval("select count(*) from wishes where shadowed")
        batches = await conn.fetchval("select count(*) from batches where via = 'seed'")
        # Every place a seeded record names is shown by its name, never by a number.
        numbered = await conn.fetch(
            "select code, name from regions where name ~ '^[0-9]+$' or name = code")
    statuses: dict[str, set[str]] = {}
    for r in by:
        statuses.setdefault(r["code"], set()).add(r["status"])
    assert set(statuses) == set(adapters.REGISTRY)
    assert set().union(*statuses.values()) == {"PENDING", "OPEN", "CLAIMED", "FULFILLED",
                                               "CANCELLED"}
    assert "CLAIMED" in statuses["huludao"]  # derived from its blue cards
    assert shadowed > 0
    assert batches == summary.bodies
    assert numbered == []
    again = await load(clean_db, seed.DEMO_SCALE, seed=7, now=NOW)
    assert (again.accepted, again.rejected, again.wishes) == (0, 0, summary.wishes)


def test_no_card_waits_for_a_pink_that_never_comes() -> None:
    places = load_places()
    pinks: set[str] = set()
    cards: set[str] = set()
    for source, body in _demo():
        if source != "huludao":
            continue
        for item in adapters.REGISTRY[source].parse(body, places).items:
            assert isinstance(item, Parsed)
            if isinstance(item.record, ClaimCardRecord):
                cards.add(item.record.wish_ref)
            else:
                pinks.add(item.record.meta.source_id)
    assert cards <= pinks
