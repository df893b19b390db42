"""葫芦岛微心愿: pink wishes and blue claim cards as single events, UTC clock."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest

from adapters import REGISTRY
from adapters.huludao import ADAPTER
from hub.errors import AdapterError
from hub.models import (
    BeneficiaryGroup,
    ClaimantKind,
    ClaimCardRecord,
    Places,
    RecordMeta,
    RegionLevel,
    WishCategory,
    WishKind,
    WishRecord,
    WishStatus,
)
from tests.adapters.conftest import record_as, utc

if TYPE_CHECKING:
    from conftest import Kit

UTC = dt.UTC



def pink(item: object) -> WishRecord:
    return record_as(WishRecord, item)


def blue(item: object) -> ClaimCardRecord:
    return record_as(ClaimCardRecord, item)


def test_registered_with_its_scope() -> None:
    assert REGISTRY["huludao"].adapter is ADAPTER
    assert (ADAPTER.info.name, ADAPTER.info.scope_code) == ("葫芦岛微心愿", "211400")


def test_document_example(places: Places, kit: Kit) -> None:
    batch = ADAPTER.parse(kit.fixture("huludao/example.json"), places)
    kit.assert_body_order(batch, 2)
    # Body order is kept: the blue card comes first, before its pink code.
    card = blue(batch.items[0])
    assert card.meta == RecordMeta("huludao", "BL-000077", 1)
    assert card.wish_ref == "PK-211421-000123"
    assert card.claimant_kind is ClaimantKind.TEAM
    assert card.claimant_name == "绥中县爱心传递志愿服务队"
    assert not card.fulfilled
    assert card.at == utc(2022, 3, 12, 6, 30)

    wish = pink(batch.items[1])
    assert wish.meta == RecordMeta("huludao", "PK-211421-000123", 1)
    assert wish.title == "家中老人需要代购常用药"
    assert wish.category is WishCategory.FOOD_MEDICINE
    assert wish.kind is WishKind.GOODS
    assert wish.beneficiary_group is BeneficiaryGroup.HARDSHIP  # 涉疫群众
    assert wish.beneficiary_name == "刘某某"
    assert wish.region.code == "211421"  # 绥中县
    assert wish.region.level is RegionLevel.COUNTY
    assert wish.status is WishStatus.OPEN
    assert wish.claims_from_cards and wish.open_state
    assert wish.submitted_at == utc(2022, 3, 12, 2, 0)
    assert wish.claimed_at is None and wish.fulfilled_at is None
    assert wish.claims == ()


def test_variants(places: Places, kit: Kit) -> None:
    batch = ADAPTER.parse(kit.fixture("huludao/variants.json"), places)
    kit.assert_body_order(batch, 7)
    assert not kit.rejected(batch)
    cards = [blue(i) for i in batch.items if isinstance(getattr(i, "record", None), ClaimCardRecord)]
    wishes = {
        pink(i).meta.source_id: pink(i) for i in batch.items if isinstance(getattr(i, "record", None), WishRecord)
    }

    volunteer = cards[0]
    assert volunteer.claimant_kind is ClaimantKind.VOLUNTEER
    assert volunteer.claimant_name == "孙某某"  # a person: masked
    assert volunteer.fulfilled and volunteer.meta.version == 2

    closed = wishes["PK-211481-000200"]
    assert closed.status is WishStatus.FULFILLED
    assert closed.fulfilled_at == closed.submitted_at == utc(2022, 3, 11, 10, 0)
    assert not closed.open_state and closed.claims_from_cards
    assert closed.region.code == "211481"  # "兴城"
    assert closed.beneficiary_group is BeneficiaryGroup.DISABLED
    assert closed.beneficiary_name == "上官某某"
    assert closed.kind is WishKind.SERVICE

    withdrawn = wishes["PK-211402-000001"]
    assert withdrawn.status is WishStatus.CANCELLED and not withdrawn.open_state
    assert withdrawn.region.code == "211402"  # "葫芦岛市连山区"
    assert withdrawn.category is WishCategory.OTHER
    assert withdrawn.beneficiary_group is BeneficiaryGroup.ARMY_VETERAN
    assert withdrawn.fulfilled_at is None

    # Several claimers on one pink; one claimer on several pinks.
    on_123 = [c.claimant_kind for c in cards if c.wish_ref == "PK-211421-000123"]
    assert on_123 == [ClaimantKind.ENTERPRISE]
    by_team = {c.wish_ref for c in cards if c.claimant_name == "绥中县爱心传递志愿服务队"}
    assert by_team == {"PK-211422-000010"}

    assert wishes["PK-211421-000123"].meta.version == 2
    learner = wishes["PK-211422-000010"]
    assert learner.beneficiary_name == "刘某某"  # a full name sent by mistake
    assert learner.beneficiary_group is BeneficiaryGroup.RETIRED_TEACHER
    assert learner.region.code == "211422"
    assert "刘德华" not in repr(batch) and "孙立平" not in repr(batch)


def test_bad_events_are_rejected_by_field(places: Places, kit: Kit) -> None:
    batch = ADAPTER.parse(kit.fixture("huludao/bad_records.json"), places)
    kit.assert_body_order(batch, 12)
    assert not kit.parsed(batch)
    assert {k: r.field for k, r in kit.rejected(batch).items()} == {
        "PK-BAD-COUNTY": "county",
        "PK-BAD-CITY": "county",
        "PK-BAD-STATE": "state",
        "PK-BAD-SEQ": "seq",
        "PK-BAD-TS": "ts",
        "PK-NO-ZONE": "ts",
        "PK-GREEN": "type",
        "BL-BAD-KIND": "by.kind",
        "BL-BAD-FULFILLED": "fulfilled",
        "BL-NO-PINK": "pink",
        "PK-BAD-KIND": "kind",
        "BL-BAD-NAME": "by.name",
    }
    kit.assert_free_of(batch, ["刘建国", "13612345678"])


@pytest.mark.parametrize("payload", [b"null", b"{}", b'{"events": {}}', b'{"event": []}', "{事件}".encode()])
def test_not_the_envelope(payload: bytes, places: Places) -> None:
    with pytest.raises(AdapterError):
        ADAPTER.parse(payload, places)
