"""The store's write rules, with hand-built canonical records on a real PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace

import asyncpg

from hub.models import (
    ActivityRecord,
    Batch,
    BeneficiaryGroup,
    ClaimantKind,
    ClaimCardRecord,
    ClaimIn,
    Parsed,
    RecordMeta,
    Region,
    RegionLevel,
    Rejection,
    ServiceCategory,
    TeamRecord,
    WishCategory,
    WishKind,
    WishRecord,
    WishStatus,
)
from hub.report import Report
from hub.store_write import apply_batch

UTC = dt.UTC
TIEXI = Region("210106", "铁西区", RegionLevel.COUNTY, "210100")
SUIZHONG = Region("211421", "绥中县", RegionLevel.COUNTY, "211400")
BENXI_COUNTY = Region("210521", "本溪满族自治县", RegionLevel.COUNTY, "210500")
T0 = dt.datetime(2022, 3, 12, 2, 0, tzinfo=UTC)


def at(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def wish(source: str, sid: str, version: int, *, region: Region = TIEXI, **kw: object) -> WishRecord:
    fields: dict[str, object] = {
        "title": f"心愿 {sid} v{version}",
        "kind": WishKind.GOODS,
        "category": WishCategory.BOOKS,
        "beneficiary_group": BeneficiaryGroup.ELDERLY,
        "beneficiary_name": "王某某",
        "status": WishStatus.OPEN,
        "region": region,
        "submitted_at": T0,
    }
    deleted = bool(kw.pop("deleted", False))
    fields.update(kw)
    return WishRecord(meta=RecordMeta(source, sid, version, deleted), **fields)  # type: ignore[arg-type]


def pink(sid: str, seq: int, state: str, ts: dt.datetime) -> WishRecord:
    status = {"open": WishStatus.OPEN, "closed": WishStatus.FULFILLED,
              "withdrawn": WishStatus.CANCELLED}[state]
    return wish("huludao", sid, seq, region=SUIZHONG, status=status, submitted_at=ts,
                fulfilled_at=ts if state == "closed" else None, claims_from_cards=True,
                open_state=state == "open")


def card(cid: str, seq: int, pink_code: str, *, done: bool, ts: dt.datetime,
         deleted: bool = False) -> ClaimCardRecord:
    return ClaimCardRecord(RecordMeta("huludao", cid, seq, deleted), pink_code,
                           ClaimantKind.TEAM, f"队伍{cid}", done, ts)


def team(source: str, sid: str, version: int, *, region: Region = TIEXI, inferred: bool = False,
         name: str = "爱心队") -> TeamRecord:
    return TeamRecord(RecordMeta(source, sid, version), name, ServiceCategory.RELIEF, region, 10,
                      inferred=inferred)


async def apply(pool: asyncpg.Pool, source: str, *records: object,
                sides: dict[int, tuple[object, ...]] | None = None) -> Report:
    items = []
    for i, r in enumerate(records):
        if isinstance(r, Rejection):
            items.append(r)
        else:
            items.append(Parsed(i, r, tuple((sides or {}).get(i, ()))))  # type: ignore[arg-type]
    async with pool.acquire() as conn, conn.transaction():
        return await apply_batch(conn, Batch(source, tuple(items)), via="push",
                                 batch_id=uuid.uuid4())


async def wish_row(pool: asyncpg.Pool, source: str, sid: str) -> asyncpg.Record:
    row = await pool.fetchrow(
        "select w.* from wishes w join sources s on s.id = w.source "
        "where s.code = $1 and w.source_id = $2", source, sid)
    assert row is not None
    return row


async def claims_of(pool: asyncpg.Pool, source: str, sid: str) -> list[tuple[str, str]]:
    rows = await pool.fetch(
        "select c.claimant_name, c.claimed_at from claims c join wishes w on w.id = c.wish_id "
        "join sources s on s.id = w.source where s.code = $1 and w.source_id = $2 "
        "order by c.ordinal", source, sid)
    return [(r["claimant_name"], r["claimed_at"]) for r in rows]


# ---------------------------------------------------------------- versions


async def test_newer_version_wins_in_any_order(clean_db: asyncpg.Pool) -> None:
    r = await apply(clean_db, "shengjing", wish("shengjing", "SJ1", 5, title="新"))
    assert (r.accepted, r.duplicates, r.rejected) == (1, 0, 0)
    r = await apply(clean_db, "shengjing", wish("shengjing", "SJ1", 3, title="旧"))
    assert (r.accepted, r.duplicates) == (0, 1)
    r = await apply(clean_db, "shengjing", wish("shengjing", "SJ1", 5, title="同版本"))
    assert (r.accepted, r.duplicates) == (0, 1)
    assert (await wish_row(clean_db, "shengjing", "SJ1"))["title"] == "新"
    r = await apply(clean_db, "shengjing", wish("shengjing", "SJ1", 9, title="更新"))
    assert r.accepted == 1
    row = await wish_row(clean_db, "shengjing", "SJ1")
    assert (row["title"], row["version"]) == ("更新", 9)


async def test_a_batch_holding_one_record_twice_keeps_the_newest(clean_db: asyncpg.Pool) -> None:
    r = await apply(clean_db, "shengjing",
                    wish("shengjing", "SJ1", 2, title="二"),
                    wish("shengjing", "SJ1", 7, title="七"),
                    wish("shengjing", "SJ1", 7, title="七again"),
                    wish("shengjing", "SJ2", 1))
    assert (r.received, r.accepted, r.duplicates, r.rejected) == (4, 2, 2, 0)
    assert (await wish_row(clean_db, "shengjing", "SJ1"))["title"] == "七"


async def test_a_deleted_version_is_stored_like_any_version(clean_db: asyncpg.Pool) -> None:
    await apply(clean_db, "shengjing", wish("shengjing", "SJ1", 1))
    r = await apply(clean_db, "shengjing", wish("shengjing", "SJ1", 2, deleted=True))
    assert r.accepted == 1
    assert (await wish_row(clean_db, "shengjing", "SJ1"))["deleted"] is True
    r = await apply(clean_db, "shengjing", wish("shengjing", "SJ1", 1))
    assert r.duplicates == 1
    assert (await wish_row(clean_db, "shengjing", "SJ1"))["deleted"] is True


async def test_adapter_rejections_are_reported_in_index_order(clean_db: asyncpg.Pool) -> None:
    r = await apply(clean_db, "shengjing",
                    Rejection(0, "SJX", "status", "must be 0 1 2 3 or 9", {"xyId": "SJX"}),
                    wish("shengjing", "SJ1", 1))
    assert (r.received, r.accepted, r.rejected) == (2, 1, 1)
    assert r.to_json()["errors"] == [
        {"index": 0, "sourceId": "SJX", "field": "status", "message": "must be 0 1 2 3 or 9"}]


# ---------------------------------------------------------------- places and scope


async def test_a_record_outside_the_source_scope_is_rejected_not_stored(
    clean_db: asyncpg.Pool,
) -> None:
    r = await apply(clean_db, "shengjing", wish("shengjing", "SJ9", 1, region=SUIZHONG),
                    wish("shengjing", "SJ1", 1))
    assert (r.accepted, r.rejected) == (1, 1)
    assert r.errors[0].index == 0 and r.errors[0].field == "region"
    assert await clean_db.fetchval("select count(*) from wishes where source_id = 'SJ9'") == 0


async def test_new_towns_and_villages_are_created_with_the_record(clean_db: asyncpg.Pool) -> None:
    village = Region("210106001201", "新湖社区", RegionLevel.VILLAGE, "210106001")
    r = await apply(clean_db, "shengjing", wish("shengjing", "SJ1", 1, region=village))
    assert r.accepted == 1
    rows = await clean_db.fetch(
        "select code, level, parent_code from regions where code like '210106001%' order by code")
    assert [tuple(x) for x in rows] == [
        ("210106001", "TOWN", "210106"), ("210106001201", "VILLAGE", "210106001")]
    row = await wish_row(clean_db, "shengjing", "SJ1")
    assert (row["region_code"], row["city_code"], row["county_code"]) == (
        "210106001201", "210100", "210106")


async def test_city_and_county_columns_follow_the_region_level(clean_db: asyncpg.Pool) -> None:
    city = Region("210100", "沈阳市", RegionLevel.CITY, "210000")
    await apply(clean_db, "shengjing", wish("shengjing", "SJC", 1, region=city),
                wish("shengjing", "SJK", 1))
    c = await wish_row(clean_db, "shengjing", "SJC")
    k = await wish_row(clean_db, "shengjing", "SJK")
    assert (c["city_code"], c["county_code"]) == ("210100", None)
    assert (k["city_code"], k["county_code"]) == ("210100", "210106")


async def test_a_region_under_an_unknown_county_is_rejected(clean_db: asyncpg.Pool) -> None:
    nowhere = Region("210199001", "210199001", RegionLevel.TOWN, "210199")
    r = await apply(clean_db, "shengjing", wish("shengjing", "SJ1", 1, region=nowhere))
    assert (r.accepted, r.rejected) == (0, 1)
    assert await clean_db.fetchval("select count(*) from regions where code = '210199001'") == 0


# ---------------------------------------------------------------- side records, claims


async def test_side_records_fill_gaps_but_never_overwrite(clean_db: asyncpg.Pool) -> None:
    order = wish("fengxiang", "FX-1", 1, region=BENXI_COUNTY)
    inferred = team("fengxiang", "451", 1, region=BENXI_COUNTY, inferred=True, name="推断队")
    r = await apply(clean_db, "fengxiang", order, sides={0: (inferred,)})
    assert (r.received, r.accepted) == (1, 1)
    assert await clean_db.fetchval("select name from teams where source_id = '451'") == "推断队"
    # A real version replaces the inferred row, whatever its number...
    await apply(clean_db, "fengxiang", team("fengxiang", "451", 0, region=BENXI_COUNTY,
                                            name="真队"))
    # ...and a later inferred sighting does not touch it.
    r = await apply(clean_db, "fengxiang", wish("fengxiang", "FX-1", 2, region=BENXI_COUNTY),
                    sides={0: (replace(inferred, meta=RecordMeta("fengxiang", "451", 99)),)})
    assert (r.accepted, r.duplicates) == (1, 0)
    row = await clean_db.fetchrow("select name, inferred from teams where source_id = '451'")
    assert (row["name"], row["inferred"]) == ("真队", False)


async def test_claims_are_replaced_only_by_a_newer_version(clean_db: asyncpg.Pool) -> None:
    a = ClaimIn(ClaimantKind.TEAM, "甲队", at(1), team_ref="T-1")
    b = ClaimIn(ClaimantKind.ORGANIZATION, "乙组织", at(2))
    await apply(clean_db, "shengjing", wish("shengjing", "SJ1", 1, claims=(a, b)))
    assert await claims_of(clean_db, "shengjing", "SJ1") == [("甲队", at(1)), ("乙组织", at(2))]
    await apply(clean_db, "shengjing", wish("shengjing", "SJ1", 1, claims=(b,)))
    assert len(await claims_of(clean_db, "shengjing", "SJ1")) == 2
    await apply(clean_db, "shengjing", wish("shengjing", "SJ1", 2, claims=(b,)))
    assert await claims_of(clean_db, "shengjing", "SJ1") == [("乙组织", at(2))]
    ref = await clean_db.fetchval("select count(*) from claims where team_ref is not null")
    assert ref == 0


async def test_other_record_kinds_are_upserted(clean_db: asyncpg.Pool) -> None:
    act = ActivityRecord(RecordMeta("fengxiang", "A1", 1), "科普进农家", ServiceCategory.SCIENCE,
                         BENXI_COUNTY, dt.date(2022, 3, 12), 1, 12, 40, 36.5, team_ref="451")
    r = await apply(clean_db, "fengxiang", act, replace(act, meta=RecordMeta("fengxiang", "A1", 2),
                                                        sessions=2))
    assert (r.accepted, r.duplicates) == (1, 1)
    row = await clean_db.fetchrow("select sessions, volunteer_hours, team_ref from activities")
    assert tuple(row) == (2, 36.5, "451")


# ---------------------------------------------------------------- mirrors


async def test_a_mirror_is_shadowed_whichever_copy_arrives_first(clean_db: asyncpg.Pool) -> None:
    why = Region("210106", "铁西区", RegionLevel.COUNTY, "210100")
    await apply(clean_db, "wenhuayun",
                wish("wenhuayun", "WHY-1", 1, region=why, origin="shengjing:SJ1"),
                wish("wenhuayun", "WHY-2", 1, region=why, origin="shengjing:SJ2"))
    assert (await wish_row(clean_db, "wenhuayun", "WHY-1"))["shadowed"] is False
    await apply(clean_db, "shengjing", wish("shengjing", "SJ1", 1))
    assert (await wish_row(clean_db, "wenhuayun", "WHY-1"))["shadowed"] is True
    assert (await wish_row(clean_db, "wenhuayun", "WHY-2"))["shadowed"] is False
    # City copy first, mirror after; a newer mirror version stays shadowed.
    await apply(clean_db, "shengjing", wish("shengjing", "SJ3", 1))
    await apply(clean_db, "wenhuayun",
                wish("wenhuayun", "WHY-3", 1, region=why, origin="shengjing:SJ3"))
    assert (await wish_row(clean_db, "wenhuayun", "WHY-3"))["shadowed"] is True
    await apply(clean_db, "wenhuayun",
                wish("wenhuayun", "WHY-1", 2, region=why, origin="shengjing:SJ1"))
    assert (await wish_row(clean_db, "wenhuayun", "WHY-1"))["shadowed"] is True
    visible = await clean_db.fetchval(
        "select count(*) from wishes where not deleted and not shadowed")
    assert visible == 3  # SJ1, SJ3, WHY-2


# ---------------------------------------------------------------- 葫芦岛 cards


async def test_cards_before_their_pink_are_applied_when_it_arrives(clean_db: asyncpg.Pool) -> None:
    r = await apply(clean_db, "huludao", card("BL-1", 1, "PK-1", done=False, ts=at(5)),
                    card("BL-2", 1, "PK-1", done=False, ts=at(4)))
    assert r.accepted == 2
    assert await clean_db.fetchval("select count(*) from wishes") == 0
    await apply(clean_db, "huludao", pink("PK-1", 1, "open", at(0)))
    row = await wish_row(clean_db, "huludao", "PK-1")
    assert (row["status"], row["claimed_at"], row["submitted_at"]) == ("CLAIMED", at(4), at(0))
    assert [n for n, _ in await claims_of(clean_db, "huludao", "PK-1")] == ["队伍BL-2", "队伍BL-1"]


async def test_all_cards_fulfilled_fulfils_the_wish(clean_db: asyncpg.Pool) -> None:
    await apply(clean_db, "huludao", pink("PK-1", 1, "open", at(0)),
                card("BL-1", 1, "PK-1", done=False, ts=at(1)),
                card("BL-2", 1, "PK-1", done=True, ts=at(3)))
    row = await wish_row(clean_db, "huludao", "PK-1")
    assert (row["status"], row["fulfilled_at"]) == ("CLAIMED", None)
    await apply(clean_db, "huludao", card("BL-1", 2, "PK-1", done=True, ts=at(6)))
    row = await wish_row(clean_db, "huludao", "PK-1")
    assert (row["status"], row["fulfilled_at"], row["claimed_at"]) == ("FULFILLED", at(6), at(3))
    # A deleted card no longer counts.
    await apply(clean_db, "huludao", card("BL-2", 2, "PK-1", done=True, ts=at(3), deleted=True))
    row = await wish_row(clean_db, "huludao", "PK-1")
    assert (row["status"], row["claimed_at"]) == ("FULFILLED", at(6))
    assert len(await claims_of(clean_db, "huludao", "PK-1")) == 1


async def test_the_pinks_own_state_wins(clean_db: asyncpg.Pool) -> None:
    await apply(clean_db, "huludao", card("BL-1", 1, "PK-1", done=False, ts=at(1)),
                pink("PK-1", 2, "closed", at(8)))
    row = await wish_row(clean_db, "huludao", "PK-1")
    assert (row["status"], row["fulfilled_at"], row["own_status"]) == ("FULFILLED", at(8),
                                                                       "FULFILLED")
    await apply(clean_db, "huludao", pink("PK-1", 3, "withdrawn", at(9)))
    row = await wish_row(clean_db, "huludao", "PK-1")
    assert (row["status"], row["fulfilled_at"]) == ("CANCELLED", None)


async def test_submission_is_the_earliest_open_state_ever_seen(clean_db: asyncpg.Pool) -> None:
    await apply(clean_db, "huludao", pink("PK-1", 3, "closed", at(9)))
    row = await wish_row(clean_db, "huludao", "PK-1")
    assert row["submitted_at"] == at(9)  # no open state seen yet: the first state seen
    # An older version is a duplicate, yet its open state dates the submission.
    r = await apply(clean_db, "huludao", pink("PK-1", 1, "open", at(2)))
    assert r.duplicates == 1
    row = await wish_row(clean_db, "huludao", "PK-1")
    assert (row["submitted_at"], row["status"], row["version"]) == (at(2), "FULFILLED", 3)
    await apply(clean_db, "huludao", pink("PK-1", 2, "open", at(1)),
                pink("PK-1", 2, "open", at(3)))
    assert (await wish_row(clean_db, "huludao", "PK-1"))["submitted_at"] == at(1)


async def test_pushes_of_one_source_stay_in_their_own_rows(clean_db: asyncpg.Pool) -> None:
    await apply(clean_db, "shengjing", team("shengjing", "T-1", 1))
    await apply(clean_db, "wenhuayun", team("wenhuayun", "T-1", 1))
    assert await clean_db.fetchval("select count(*) from teams where source_id = 'T-1'") == 2


async def test_a_card_moving_to_another_pink_leaves_the_first(clean_db: asyncpg.Pool) -> None:
    await apply(clean_db, "huludao", pink("PK-1", 1, "open", at(0)),
                pink("PK-2", 1, "open", at(0)), card("BL-1", 1, "PK-1", done=False, ts=at(1)))
    assert (await wish_row(clean_db, "huludao", "PK-1"))["status"] == "CLAIMED"
    await apply(clean_db, "huludao", card("BL-1", 2, "PK-2", done=False, ts=at(2)))
    assert (await wish_row(clean_db, "huludao", "PK-1"))["status"] == "OPEN"
    assert (await wish_row(clean_db, "huludao", "PK-2"))["status"] == "CLAIMED"
    assert await claims_of(clean_db, "huludao", "PK-1") == []
