"""盛京使者: XY wishes and DW teams pushed in batches, Beijing clock, typed places."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING

import pytest

from adapters import REGISTRY
from adapters.shengjing import ADAPTER
from hub.errors import AdapterError
from hub.models import (
    BeneficiaryGroup,
    ClaimantKind,
    ClaimIn,
    Places,
    RegionLevel,
    ServiceCategory,
    TeamRecord,
    WishCategory,
    WishKind,
    WishRecord,
    WishStatus,
)
from tests.adapters.conftest import record_as, utc

if TYPE_CHECKING:
    from conftest import Kit

UTC = dt.UTC



def wish(item: object) -> WishRecord:
    return record_as(WishRecord, item)


def team(item: object) -> TeamRecord:
    return record_as(TeamRecord, item)


def test_registered_with_its_scope() -> None:
    assert REGISTRY["shengjing"].adapter is ADAPTER
    assert ADAPTER.info.name == "盛京使者"
    assert ADAPTER.info.scope_code == "210100"


def test_document_example(places: Places, kit: Kit) -> None:
    batch = ADAPTER.parse(kit.fixture("shengjing/example.json"), places)
    assert batch.source == "shengjing"
    kit.assert_body_order(batch, 2)
    items = kit.parsed(batch)

    w = wish(items["SJ202203050017"])
    assert w.meta.source == "shengjing"
    assert not w.meta.deleted
    assert w.title == "想要一部电梯"
    assert w.kind is WishKind.SERVICE
    assert w.category is WishCategory.LIVING_HELP
    assert w.beneficiary_group is BeneficiaryGroup.ELDERLY
    assert w.beneficiary_name == "王某某"
    assert w.status is WishStatus.FULFILLED
    # streetName 霁虹街道 is an official town of 沈阳市铁西区 (210106): the wish is placed there.
    assert (w.region.code, w.region.name) == ("210106019", "霁虹街道")
    assert w.region.level is RegionLevel.TOWN
    # Beijing wall-clock times are 8 hours ahead of UTC.
    assert w.submitted_at == utc(2022, 3, 5, 2, 12)
    assert w.claimed_at == utc(2022, 3, 6, 0, 0)
    assert w.fulfilled_at == utc(2022, 3, 13, 9, 45)
    assert w.submitted_at.utcoffset() is not None
    assert w.claims == (ClaimIn(ClaimantKind.ORGANIZATION, "霁虹街道办事处", utc(2022, 3, 6, 0, 0), None),)
    assert w.meta.version == int(utc(2022, 3, 13, 9, 45, 2).timestamp()) * 1_000_000
    assert not w.claims_from_cards

    t = team(items["T-88"])
    assert t.name == "华清爱心联盟志愿者服务队"
    assert t.category is ServiceCategory.RELIEF
    assert t.region.code == "210114"  # 于洪区
    assert t.member_count == 46
    assert not t.inferred


def test_personal_data_never_reaches_a_record(places: Places, kit: Kit) -> None:
    batch = ADAPTER.parse(kit.fixture("shengjing/example.json"), places)
    text = repr(batch)
    assert "13800001234" not in text
    assert "王建国" not in text


def test_variants(places: Places, kit: Kit) -> None:
    batch = ADAPTER.parse(kit.fixture("shengjing/variants.json"), places)
    kit.assert_body_order(batch, 7)
    assert not kit.rejected(batch)
    items = kit.parsed(batch)

    first = wish(items["SJ202203010001"])
    assert first.beneficiary_name == "欧阳某某"  # compound surname kept whole
    assert first.region.code == "210106"  # "铁西": no city, no suffix
    assert first.beneficiary_group is BeneficiaryGroup.ELDERLY  # 空巢老人
    assert first.category is WishCategory.OTHER  # unknown label
    assert first.kind is WishKind.GOODS
    assert first.status is WishStatus.OPEN
    # "0000-00-00 00:00:00" and null are unset times.
    assert first.claimed_at is None
    assert first.fulfilled_at is None
    assert first.claims == ()

    several = wish(items["SJ202203020002"])
    assert several.status is WishStatus.CLAIMED
    assert several.beneficiary_group is BeneficiaryGroup.LEFT_BEHIND_CHILD
    assert several.category is WishCategory.TUTORING
    # No claimTime: the claims are dated from the submission.
    submitted = utc(2022, 3, 2, 6, 30)
    assert several.claimed_at == submitted
    assert several.claims == (
        ClaimIn(ClaimantKind.TEAM, "华清爱心联盟志愿者服务队", submitted, "T-88"),
        ClaimIn(ClaimantKind.VOLUNTEER, "张某某", submitted, None),  # a person: masked
        ClaimIn(ClaimantKind.ENTERPRISE, "沈阳北方重工集团", submitted, None),
    )

    # One team holds several wishes, and is a DW record of the same batch.
    other = wish(items["SJ202203030003"])
    assert other.region.code == "210114"  # 沈阳市于洪区
    assert other.beneficiary_group is BeneficiaryGroup.HARDSHIP  # 低保户
    assert [c.team_ref for c in other.claims] == ["T-88"]
    assert other.claims[0].claimed_at == utc(2022, 3, 3, 4, 0)
    assert other.fulfilled_at == utc(2022, 3, 5, 8, 20)
    assert team(items["T-88"]).meta.source_id == "T-88"
    assert team(items["T-88"]).region.code == "210114"  # "于洪"

    pending = wish(items["SJ202203040004"])
    assert pending.status is WishStatus.PENDING
    assert pending.beneficiary_group is BeneficiaryGroup.GOOD_PERSON
    assert pending.beneficiary_name is None  # blank name
    assert pending.submitted_at == utc(2022, 3, 4, 15, 59, 59)

    deleted = wish(items["SJ202203050005"])
    assert deleted.meta.deleted
    assert deleted.status is WishStatus.CANCELLED
    assert deleted.region.code == "210181"  # 新民市: a 市 that is a county

    assert not team(items["T-88"]).meta.deleted  # delFlag "0"
    reading_club = team(items["T-90"])
    assert reading_club.meta.deleted
    assert reading_club.category is ServiceCategory.OTHER
    assert reading_club.region.code == "210103"  # 沈河区


def test_versions_order_by_update_time(places: Places, kit: Kit) -> None:
    native = kit.fixture_json("shengjing/example.json")
    records = native["records"]
    assert isinstance(records, list)
    older = dict(records[0], updateTime="2022-03-13 17:45:01")
    newer = dict(records[0], updateTime="2022-03-13 17:45:03")
    batch = ADAPTER.parse(kit.body({"platform": "shengjing", "records": [newer, older]}), places)
    versions = [wish(item).meta.version for item in batch.items]
    assert versions[0] > versions[1]
    assert versions[0] - versions[1] == 2_000_000  # microseconds


def test_every_status_code(places: Places, kit: Kit) -> None:
    native = kit.fixture_json("shengjing/example.json")
    records = native["records"]
    assert isinstance(records, list)
    codes = {"0": "PENDING", "1": "OPEN", "2": "CLAIMED", "3": "FULFILLED", "9": "CANCELLED"}
    batch = ADAPTER.parse(kit.body({"records": [dict(records[0], status=code) for code in codes]}), places)
    assert [wish(item).status.value for item in batch.items] == list(codes.values())


def test_bad_records_are_rejected_by_field(places: Places, kit: Kit) -> None:
    batch = ADAPTER.parse(kit.fixture("shengjing/bad_records.json"), places)
    kit.assert_body_order(batch, 14)
    assert not kit.parsed(batch)
    by_id = kit.rejected(batch)
    expected = {
        "SJ-BAD-STATUS": "status",
        "SJ-BAD-CITY": "areaName",
        "SJ-BAD-CITYONLY": "areaName",
        "SJ-HD-1": "recordType",
        "SJ-BAD-TIME": "createTime",
        "T-STR": "memberNum",
        "T-NEG": "memberNum",
        "SJ-NO-TITLE": "xyTitle",
        None: "record",
        "SJ-NO-VERSION": "updateTime",
        "SJ-BAD-CLAIMER": "claimers[0].type",
        "SJ-BAD-KIND": "xyKind",
        "SJ-BAD-DELFLAG": "delFlag",
        "SJ-BAD-DATE": "createTime",
    }
    assert {k: r.field for k, r in by_id.items()} == expected
    assert "'7'" in by_id["SJ-BAD-STATUS"].message
    assert "大连市中山区" in by_id["SJ-BAD-CITY"].message


def test_rejections_hold_no_personal_data(places: Places, kit: Kit) -> None:
    batch = ADAPTER.parse(kit.fixture("shengjing/bad_records.json"), places)
    secrets = ["13912345678", "13800001234", "210102198001011234", "21010219800101123X"]
    secrets += ["王建国", "李秀英", "李四光"]
    kit.assert_free_of(batch, secrets)
    raw = kit.rejected(batch)["SJ-BAD-STATUS"].raw
    assert isinstance(raw, dict)
    assert "objPhone" not in raw and "objIdCard" not in raw
    assert raw["objName"] == "王某某"
    # The rest of the record is kept for a replay.
    assert raw["xyId"] == "SJ-BAD-STATUS" and raw["status"] == "7"
    assert kit.rejected(batch)["SJ-BAD-CLAIMER"].raw["claimers"][0]["name"] == "李某某"  # type: ignore[index]
    kind_raw = kit.rejected(batch)["SJ-BAD-KIND"].raw
    assert isinstance(kind_raw, dict)
    assert kind_raw["xyContent"] == "联系人王某某，电话***"


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        b"\xff\xfe{}",
        b"[]",
        b'{"platform": "shengjing"}',
        b'{"platform": "shengjing", "records": {}}',
        b'{"platform": "fengxiang", "records": []}',
        b'{"platform": "shengjing", "records": [',
    ],
)
def test_not_the_envelope(payload: bytes, places: Places) -> None:
    with pytest.raises(AdapterError) as info:
        ADAPTER.parse(payload, places)
    assert "shengjing" in str(info.value)


def test_envelope_error_does_not_quote_the_body(places: Places, kit: Kit) -> None:
    payload = json.dumps({"objPhone": "13800001234", "objName": "王建国"}, ensure_ascii=False)
    with pytest.raises(AdapterError) as info:
        ADAPTER.parse(payload.encode(), places)
    assert "13800001234" not in str(info.value) and "王建国" not in str(info.value)


def test_empty_push(places: Places, kit: Kit) -> None:
    batch = ADAPTER.parse(b'{"platform": "shengjing", "records": []}', places)
    assert batch.received == 0
