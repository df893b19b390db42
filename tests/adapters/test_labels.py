"""The province's shared labels and the clocks every adapter reads."""

from __future__ import annotations

import datetime as dt

from adapters import _clock, _labels
from hub.models import BeneficiaryGroup, ServiceCategory, WishCategory


def test_every_wish_category_but_other_has_one_label() -> None:
    assert len(_labels.WISH_CATEGORIES) == 17
    assert set(_labels.WISH_CATEGORIES.values()) == set(WishCategory) - {WishCategory.OTHER}


def test_beneficiary_labels() -> None:
    assert set(_labels.BENEFICIARY_GROUPS.values()) == set(BeneficiaryGroup) - {BeneficiaryGroup.OTHER}
    for label in ("老人", "空巢老人", "独居老人"):
        assert _labels.beneficiary_group(label) is BeneficiaryGroup.ELDERLY
    for label in ("困难群众", "低保户", "涉疫群众"):
        assert _labels.beneficiary_group(label) is BeneficiaryGroup.HARDSHIP
    for label in ("辽宁好人", "身边好人"):
        assert _labels.beneficiary_group(label) is BeneficiaryGroup.GOOD_PERSON
    assert _labels.beneficiary_group("外来务工人员") is BeneficiaryGroup.OTHER


def test_service_labels_and_unknowns() -> None:
    assert set(_labels.SERVICE_CATEGORIES.values()) == set(ServiceCategory) - {ServiceCategory.OTHER}
    assert _labels.service_category("扶危帮困") is ServiceCategory.RELIEF
    assert _labels.service_category(" 科学 普及 ") is ServiceCategory.SCIENCE
    assert _labels.service_category(None) is ServiceCategory.OTHER
    assert _labels.wish_category("其他") is WishCategory.OTHER
    assert _labels.wish_category("") is WishCategory.OTHER


def test_clocks_give_the_same_instant() -> None:
    instant = dt.datetime(2022, 3, 12, 2, 0, tzinfo=dt.UTC)
    assert _clock.beijing_local("2022-03-12 10:00:00") == instant
    assert _clock.epoch_millis(1647050400000) == instant
    assert _clock.iso_aware("2022-03-12T10:00:00+08:00") == instant
    assert _clock.iso_aware("2022-03-12T02:00:00Z") == instant
    assert _clock.iso_aware("2022-03-12T02:00:00") is None  # no offset: not guessed
    assert _clock.beijing_local("2022-02-30 10:00:00") is None
    assert _clock.beijing_local("2022-03-12T10:00:00") is None
    assert _clock.epoch_millis(-1) is None
    assert _clock.epoch_millis(10**20) is None
    assert _clock.local_date("2022-03-12") == dt.date(2022, 3, 12)
    assert _clock.local_date("2022-3-12") is None


def test_version_is_epoch_microseconds() -> None:
    early = dt.datetime(2022, 3, 12, 2, 0, tzinfo=dt.UTC)
    assert _clock.epoch_micros(early) == 1647050400 * 1_000_000
    assert _clock.epoch_micros(early + dt.timedelta(microseconds=1)) == 1647050400000001
