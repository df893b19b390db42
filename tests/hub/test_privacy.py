"""Masking of people's names."""

from __future__ import annotations

import pytest

from hub.privacy import COMPOUND_SURNAMES, mask_name


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("王建国", "王某某"),
        ("李娜", "李某某"),
        ("欧阳娜娜", "欧阳某某"),
        ("司马相如", "司马某某"),
        ("诸葛亮", "诸葛某某"),
        ("上官婉儿", "上官某某"),
        (" 王 建国 ", "王某某"),
        ("王某某", "王某某"),  # already masked
        ("欧阳某某", "欧阳某某"),
        ("张**", "张**"),
        ("", ""),
        ("Li Lei", "某某"),
    ],
)
def test_mask_name(name: str, masked: str) -> None:
    assert mask_name(name) == masked


def test_masking_is_idempotent() -> None:
    for name in ("王建国", "欧阳娜娜", "慕容复", "Li Lei"):
        assert mask_name(mask_name(name)) == mask_name(name)


def test_compound_surnames() -> None:
    wanted = "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐"
    assert set(wanted.split()) <= COMPOUND_SURNAMES
    assert all(len(s) == 2 for s in COMPOUND_SURNAMES)
