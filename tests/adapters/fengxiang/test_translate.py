"""枫乡: orders and activities, pushed or pulled, epoch-millisecond events, village codes."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest

from adapters import REGISTRY
from adapters.fengxiang import ADAPTER
from adapters.fengxiang.pull import PULLER
from hub.errors import AdapterError
from hub.models import (
    ActivityRecord,
    BeneficiaryGroup,
    ClaimantKind,
    ClaimIn,
    Places,
    RecordMeta,
    RegionLevel,
    ServiceCategory,
    TeamRecord,
    WishCategory,
    WishKind,
    WishRecord,
    WishStatus,
)
from tests.adapters.conftest import record_as

if TYPE_CHECKING:
    from conftest import Kit

UTC = dt.UTC
T0 = dt.datetime(2022, 3, 13, 0, 0, tzinfo=UTC)  # 1647129600000
HOUR = dt.timedelta(hours=1)


def wish(item: object) -> WishRecord:
    return record_as(WishRecord, item)


def activity(item: object) -> ActivityRecord:
    return record_as(ActivityRecord, item)


def test_registered_with_its_scope() -> None:
    assert REGISTRY["fengxiang"].adapter is ADAPTER
    assert (ADAPTER.info.name, ADAPTER.info.scope_code) == ("枫乡", "210521")


def test_document_example(places: Places, kit: Kit) -> None:
    batch = ADAPTER.parse(kit.fixture("fengxiang/example.json"), places)
    kit.assert_body_order(batch, 2)
    items = kit.parsed(batch)

    order = items["FX-20220313-0007"]
    w = wish(order)
    assert w.meta == RecordMeta("fengxiang", "FX-20220313-0007", 3)
    assert w.status is WishStatus.CLAIMED  # SONGDAN
    assert w.title == "孩子即将入学，想要书包等学习用品"
    assert w.category is WishCategory.STUDY_SUPPLIES
    assert w.kind is WishKind.GOODS
    assert w.beneficiary_group is BeneficiaryGroup.LEFT_BEHIND_CHILD
    assert w.beneficiary_name == "李某某"
    assert w.region.code == "210521100201"
    assert w.region.level is RegionLevel.VILLAGE
    # Events arrive unordered: DIANDAN submits, the first of ZHIDAN/SONGDAN claims.
    assert w.submitted_at == T0
    assert w.claimed_at == T0 + 3 * HOUR
    assert w.fulfilled_at is None
    assert w.claims == (ClaimIn(ClaimantKind.TEAM, "爱心连心志愿服务队", T0 + 3 * HOUR, "451"),)

    # The inline team rides along so the hub knows team 451.
    assert len(order.side) == 1
    team = order.side[0]
    assert isinstance(team, TeamRecord)
    assert team.meta == RecordMeta("fengxiang", "451", 0)
    assert team.inferred
    assert team.name == "爱心连心志愿服务队"
    assert team.category is ServiceCategory.RELIEF
    assert team.member_count == 0
    assert team.region.code == "210521"

    a = activity(items["FX-ACT-0192"])
    assert a.meta == RecordMeta("fengxiang", "FX-ACT-0192", 1)
    assert a.title == "科普进农家"
    assert a.category is ServiceCategory.SCIENCE
    assert a.region.code == "210521100201"
    assert a.date == dt.date(2022, 3, 12)
    assert (a.sessions, a.volunteer_attendances, a.beneficiaries) == (1, 12, 40)
    assert a.volunteer_hours == 36.5
    assert a.team_ref == "451"
    assert items["FX-ACT-0192"].side == ()


def test_phone_tail_never_reaches_a_record(places: Places, kit: Kit) -> None:
    batch = ADAPTER.parse(kit.fixture("fengxiang/example.json"), places)
    assert "0421" not in repr(batch)


def test_variants(places: Places, kit: Kit) -> None:
    batch = ADAPTER.parse(kit.fixture("fengxiang/variants.json"), places)
    kit.assert_body_order(batch, 6)
    assert not kit.rejected(batch)
    items = kit.parsed(batch)

    done = wish(items["FX-20220313-0010"])
    assert done.status is WishStatus.FULFILLED
    assert done.category is WishCategory.OTHER  # 其他
    assert done.beneficiary_group is BeneficiaryGroup.ELDERLY  # 空巢老人
    assert done.submitted_at == T0
    assert done.claimed_at == T0 + 2 * HOUR  # ZHIDAN precedes SONGDAN
    assert done.fulfilled_at == T0 + 30 * HOUR
    assert [(c.team_ref, c.claimed_at) for c in done.claims] == [("451", T0 + 2 * HOUR)]
    assert done.meta.version == 5

    fresh = wish(items["FX-20220313-0011"])
    assert fresh.status is WishStatus.OPEN
    assert fresh.kind is WishKind.SERVICE
    assert fresh.category is WishCategory.POLICY_TALK
    assert fresh.beneficiary_group is BeneficiaryGroup.PARTY_VETERAN
    assert fresh.beneficiary_name == "欧阳某某"
    assert fresh.region.code == "210521101204"
    assert fresh.claims == () and fresh.claimed_at is None
    assert items["FX-20220313-0011"].side == ()

    # One team claims several orders: the same team_ref each time.
    planned = wish(items["FX-20220313-0012"])
    assert planned.status is WishStatus.CLAIMED
    assert planned.submitted_at == T0 + HOUR
    assert [c.team_ref for c in planned.claims] == ["451"]
    assert planned.claims[0].claimed_at == T0 + 4 * HOUR

    cancelled = wish(items["FX-20220313-0013"])
    assert cancelled.status is WishStatus.CANCELLED
    assert not cancelled.meta.deleted
    assert cancelled.submitted_at == T0 + 7 * HOUR

    a = activity(items["FX-ACT-0200"])
    assert a.team_ref is None
    assert a.category is ServiceCategory.OTHER
    assert (a.sessions, a.volunteer_attendances, a.beneficiaries, a.volunteer_hours) == (
        0,
        0,
        0,
        0.0,
    )

    # A full name sent by mistake is masked all the same.
    assert wish(items["FX-20220313-0014"]).beneficiary_name == "孙某某"
    assert "孙秀兰" not in repr(batch) and "7788" not in repr(batch)


def test_pull_pages_name_their_kind(places: Places, kit: Kit) -> None:
    orders = ADAPTER.parse(_pulled("orders", kit.fixture("fengxiang/pull_orders.json")), places)
    w = wish(kit.parsed(orders)["FX-20220314-0001"])
    assert w.status is WishStatus.CLAIMED
    assert w.claimed_at == T0 + 3 * HOUR

    acts = ADAPTER.parse(_pulled("activities", kit.fixture("fengxiang/pull_activities.json")), places)
    assert activity(kit.parsed(acts)["FX-ACT-0301"]).volunteer_hours == 12.5

    # Without the endpoint's kind, a pulled record cannot be placed.
    plain = ADAPTER.parse(kit.fixture("fengxiang/pull_orders.json"), places)
    assert [r.field for r in kit.rejected(plain).values()] == ["kind"]


def _pulled(entity: str, payload: bytes) -> bytes:
    """The page as the puller hands it to ingest (records tagged with the endpoint's kind)."""
    page = PULLER.read(entity, None, 100, payload)
    assert page.body is not None
    return page.body


def test_push_and_pull_agree(places: Places, kit: Kit) -> None:
    native = kit.fixture_json("fengxiang/example.json")
    records = native["data"]
    assert isinstance(records, list)
    pushed = ADAPTER.parse(kit.body({"sent_at": 1, "data": records}), places)
    pulled = ADAPTER.parse(kit.body({"data": records, "next_cursor": "x", "has_more": False}), places)
    assert pushed.items == pulled.items


def test_bad_records_are_rejected_by_field(places: Places, kit: Kit) -> None:
    batch = ADAPTER.parse(kit.fixture("fengxiang/bad_records.json"), places)
    kit.assert_body_order(batch, 14)
    assert not kit.parsed(batch)
    assert {k: r.field for k, r in kit.rejected(batch).items()} == {
        "FX-BAD-STAGE": "stage",
        "FX-BAD-COUNTY": "village_code",
        "FX-BAD-CODE": "village_code",
        "FX-BAD-REV": "rev",
        "FX-NEG-REV": "rev",
        "FX-BAD-TIMES": "times",
        "FX-BAD-HOURS": "hours",
        "FX-BAD-DATE": "date",
        "FX-BAD-AT": "events[0].at",
        "FX-NO-KIND": "kind",
        "FX-NO-EVENTS": "events",
        "FX-NO-TEXT": "demand.text",
        "FX-BAD-TYPE": "demand_type",
        "FX-BAD-TEAM": "team.team_id",
    }
    county = kit.rejected(batch)["FX-BAD-COUNTY"]
    assert "210502100201" in county.message and "210521" in county.message


def test_rejections_hold_no_personal_data(places: Places, kit: Kit) -> None:
    batch = ADAPTER.parse(kit.fixture("fengxiang/bad_records.json"), places)
    kit.assert_free_of(batch, ["李建华", "1234", "5566"])
    raw = kit.rejected(batch)["FX-BAD-STAGE"].raw
    assert isinstance(raw, dict)
    assert raw["person"] == {"group": "老人", "name_masked": "李某某"}
    assert raw["stage"] == "PAIDAN"


@pytest.mark.parametrize(
    "payload",
    [b"", b"{oops", b'"data"', b'{"sent_at": 1}', b'{"data": null}', b'{"data": {"kind": "order"}}'],
)
def test_not_the_envelope(payload: bytes, places: Places) -> None:
    with pytest.raises(AdapterError):
        ADAPTER.parse(payload, places)
