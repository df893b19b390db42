"""辽宁文化云: stations, teams, activities and wishes; ISO clocks; 6/9/12-digit codes."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest

from adapters import REGISTRY
from adapters.wenhuayun import ADAPTER, WenhuayunFault
from adapters.wenhuayun.pull import PULLER
from hub.errors import AdapterError
from hub.models import (
    ActivityRecord,
    BeneficiaryGroup,
    ClaimantKind,
    ClaimIn,
    Places,
    RegionLevel,
    ServiceCategory,
    StationLevel,
    StationRecord,
    TeamRecord,
    WishCategory,
    WishKind,
    WishRecord,
    WishStatus,
)
from tests.adapters.conftest import utc

if TYPE_CHECKING:
    from conftest import Kit

UTC = dt.UTC



def record_of(item: object) -> object:
    return getattr(item, "record", None)


def test_registered_with_its_scope() -> None:
    assert REGISTRY["wenhuayun"].adapter is ADAPTER
    assert (ADAPTER.info.name, ADAPTER.info.scope_code) == ("辽宁文化云", "210000")


def test_document_example(places: Places, kit: Kit) -> None:
    batch = ADAPTER.parse(kit.fixture("wenhuayun/example.json"), places)
    kit.assert_body_order(batch, 2)
    items = kit.parsed(batch)

    station = record_of(items["WHY-ST-0003"])
    assert isinstance(station, StationRecord)
    assert station.name == "台安县新开河镇雷屯村新时代文明实践站"
    assert station.level is StationLevel.STATION
    assert station.parent_ref == "WHY-ST-0002"
    assert station.region.code == "210321104203"
    assert station.region.level is RegionLevel.VILLAGE
    assert station.meta.version == int(utc(2022, 3, 10, 0, 0).timestamp()) * 1_000_000
    assert not station.meta.deleted

    wish = record_of(items["WHY-WS-558120"])
    assert isinstance(wish, WishRecord)
    assert wish.title == "想看一次电影"
    assert wish.category is WishCategory.PERFORMANCE
    assert wish.kind is WishKind.SERVICE
    assert wish.beneficiary_group is BeneficiaryGroup.LEFT_BEHIND_CHILD
    assert wish.beneficiary_name == "张某某"
    assert wish.region.code == "210124"  # 法库县, a county of 沈阳: inside 辽宁
    assert wish.status is WishStatus.OPEN
    assert wish.submitted_at == utc(2022, 3, 11, 7, 20)
    assert wish.claimed_at is None and wish.fulfilled_at is None
    assert wish.claims == ()
    assert wish.origin is None
    assert wish.station_ref is None


def test_variants(places: Places, kit: Kit) -> None:
    batch = ADAPTER.parse(kit.fixture("wenhuayun/variants.json"), places)
    kit.assert_body_order(batch, 11)
    assert not kit.rejected(batch)
    items = {k: record_of(v) for k, v in kit.parsed(batch).items()}

    center, institute, point = items["WHY-ST-0001"], items["WHY-ST-0002"], items["WHY-ST-0004"]
    assert isinstance(center, StationRecord) and isinstance(institute, StationRecord)
    assert isinstance(point, StationRecord)
    assert (center.level, center.parent_ref, center.region.code) == (
        StationLevel.CENTER,
        None,
        "210321",
    )
    assert (institute.level, institute.parent_ref) == (StationLevel.INSTITUTE, "WHY-ST-0001")
    assert institute.region.level is RegionLevel.TOWN
    assert point.level is StationLevel.POINT and point.meta.deleted

    team = items["WHY-TM-0101"]
    assert isinstance(team, TeamRecord)
    assert team.category is ServiceCategory.EDUCATION
    assert (team.station_ref, team.member_count, team.region.code) == (
        "WHY-ST-0003",
        25,
        "210321104203",
    )

    act = items["WHY-ACT-9001"]
    assert isinstance(act, ActivityRecord)
    assert act.category is ServiceCategory.CULTURE_ARTS
    assert (act.team_ref, act.station_ref, act.date) == (
        "WHY-TM-0101",
        "WHY-ST-0003",
        dt.date(2022, 3, 9),
    )
    assert (act.sessions, act.volunteer_attendances, act.beneficiaries) == (1, 15, 200)
    assert act.volunteer_hours == 45.5

    claimed = items["WHY-WS-600001"]
    assert isinstance(claimed, WishRecord)
    at = utc(2022, 3, 6, 2, 0)  # written with "Z"
    assert claimed.status is WishStatus.CLAIMED
    assert claimed.claimed_at == at
    assert claimed.claims == (
        ClaimIn(ClaimantKind.TEAM, "雷屯村巾帼志愿服务队", at, "WHY-TM-0101"),
        ClaimIn(ClaimantKind.VOLUNTEER, "刘某某", at, None),
        ClaimIn(ClaimantKind.ENTERPRISE, "鞍山钢铁集团", at, None),
    )
    assert claimed.station_ref == "WHY-ST-0003"

    mirror = items["WHY-WS-600002"]
    assert isinstance(mirror, WishRecord)
    assert mirror.origin == "shengjing:SJ202203050017"
    assert mirror.status is WishStatus.FULFILLED
    assert mirror.region.code == "210106"
    # The same instants as 盛京使者's own copy of this wish.
    assert mirror.submitted_at == utc(2022, 3, 5, 2, 12)
    assert mirror.fulfilled_at == utc(2022, 3, 13, 9, 45)

    pending = items["WHY-WS-600003"]
    assert isinstance(pending, WishRecord)
    assert pending.status is WishStatus.PENDING
    assert pending.beneficiary_group is BeneficiaryGroup.ELDERLY
    assert pending.beneficiary_name == "欧阳某某"

    withdrawn = items["WHY-WS-600004"]
    assert isinstance(withdrawn, WishRecord)
    assert withdrawn.status is WishStatus.CANCELLED and withdrawn.meta.deleted

    other = items["WHY-WS-600005"]
    assert isinstance(other, WishRecord)
    assert other.category is WishCategory.OTHER
    assert other.beneficiary_group is BeneficiaryGroup.MORAL_MODEL
    # No claim_time: the claim is dated from the submission.
    assert other.claimed_at == other.submitted_at == utc(2022, 3, 5, 2, 0)
    assert other.claims[0].team_ref == "WHY-TM-0999"

    far = items["WHY-WS-600006"]
    assert isinstance(far, WishRecord)
    assert far.region.code == "211481"  # anywhere in 辽宁
    assert far.beneficiary_group is BeneficiaryGroup.LABOR_MODEL


def test_versions_follow_updated_at(places: Places, kit: Kit) -> None:
    batch = ADAPTER.parse(kit.fixture("wenhuayun/variants.json"), places)
    versions = {item.record.meta.source_id: item.record.meta.version for item in kit.parsed(batch).values()}
    # 2022-03-13T18:00+08:00 is later than 2022-03-06T10:00+08:00.
    assert versions["WHY-WS-600002"] > versions["WHY-WS-600001"] > versions["WHY-ST-0001"]
    same_instant = kit.fixture_json("wenhuayun/example.json")
    items = same_instant["items"]
    assert isinstance(items, list)
    in_utc = dict(items[1], updated_at="2022-03-11T07:20:01Z")
    again = ADAPTER.parse(kit.body({"code": 0, "items": [items[1], in_utc]}), places)
    first, second = (record_of(i) for i in again.items)
    assert isinstance(first, WishRecord) and isinstance(second, WishRecord)
    assert first.meta.version == second.meta.version


def test_push_and_pull_pages(places: Places, kit: Kit) -> None:
    pushed = ADAPTER.parse(kit.fixture("wenhuayun/push.json"), places)
    assert set(kit.parsed(pushed)) == {"WHY-WS-700001", "WHY-TM-0102"}

    page = kit.fixture("wenhuayun/pull_teams.json")
    pulled = PULLER.read("teams", None, 2, page).body
    assert pulled is not None
    teams = ADAPTER.parse(pulled, places)
    team = record_of(kit.parsed(teams)["WHY-TM-0103"])
    assert isinstance(team, TeamRecord) and team.category is ServiceCategory.LEGAL
    assert [r.field for r in ADAPTER.parse(page, places).items if hasattr(r, "field")] == ["entity"]


def test_busy_is_a_fault_with_its_code(places: Places, kit: Kit) -> None:
    with pytest.raises(WenhuayunFault) as info:
        ADAPTER.parse(kit.fixture("wenhuayun/busy.json"), places)
    assert info.value.code == 5003
    assert isinstance(info.value, AdapterError)


def test_bad_records_are_rejected_by_field(places: Places, kit: Kit) -> None:
    batch = ADAPTER.parse(kit.fixture("wenhuayun/bad_records.json"), places)
    kit.assert_body_order(batch, 13)
    assert not kit.parsed(batch)
    assert {k: r.field for k, r in kit.rejected(batch).items()} == {
        "WHY-BAD-JILIN": "division_code",
        "WHY-BAD-CODE": "division_code",
        "WHY-BAD-STATE": "state",
        "WHY-BAD-CLOCK": "updated_at",
        "WHY-NO-OFFSET": "updated_at",
        "WHY-BAD-LEVEL": "level",
        "WHY-BAD-MEMBERS": "member_count",
        "WHY-BAD-CLAIMER": "claimers[0].kind",
        None: "entity",
        "WHY-BAD-ORIGIN": "origin",
        "WHY-BAD-HOURS": "service_hours",
        "WHY-BAD-DELETED": "deleted",
        "WHY-BAD-SUBMIT": "submit_time",
    }


def test_rejections_hold_no_personal_data(places: Places, kit: Kit) -> None:
    batch = ADAPTER.parse(kit.fixture("wenhuayun/bad_records.json"), places)
    kit.assert_free_of(batch, ["陈建国", "李建国", "13512345678"])
    raw = kit.rejected(batch)["WHY-BAD-STATE"].raw
    assert isinstance(raw, dict) and raw["target_name"] == "陈某某"


@pytest.mark.parametrize(
    "payload",
    [
        b"<html>502</html>",
        b'{"items": []}',
        b'{"code": "0", "items": []}',
        b'{"code": 0}',
        b'{"code": 0, "items": "none"}',
        b'{"code": 40001, "msg": "token invalid"}',
    ],
)
def test_not_the_envelope(payload: bytes, places: Places) -> None:
    with pytest.raises(AdapterError):
        ADAPTER.parse(payload, places)
