"""Personal data: masking names, blanking phone and ID numbers in every written form."""

from __future__ import annotations

import json

import pytest

from hub.privacy import (
    BLANK,
    COMPOUND_SURNAMES,
    blank_numbers,
    mask_name,
    name_core,
    redact_text,
    scrub_value,
)


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


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("王建国***", "王某某"),  # a full name with a blanked number is no masked name
        ("王*国", "王某某"),
        ("某某", "某某"),
    ],
)
def test_half_masked_names_are_masked(name: str, masked: str) -> None:
    assert mask_name(name) == masked


WRITTEN_NUMBERS = [
    "13812345678",
    "+8613812345678",
    "+86 138 1234 5678",
    "0086-138-1234-5678",
    "138-1234-5678",
    "138 1234 5678",
    "138.1234.5678",
    "１３８１２３４５６７８",
    "＋８６ １３８ １２３４ ５６７８",
    "024-88881234",
    "(0411) 8888 1234",
    "210102198001011234",
    "21010219800101123X",
    "21010219800101123x",
    "210102 19800101 1234",
    "２１０１０２１９８００１０１１２３Ｘ",
    "210102800101123",
]


@pytest.mark.parametrize("number", WRITTEN_NUMBERS)
@pytest.mark.parametrize("around", ["{}", "联系电话{}，谢谢", "电话:{}", "ID{}", "身份证:{}",
                                    "tel{}abc", "（{}）"])
def test_numbers_in_every_written_form_are_blanked(number: str, around: str) -> None:
    text = around.format(number)
    blanked = blank_numbers(text)
    assert BLANK in blanked
    assert not any(c.isdigit() for c in blanked), blanked
    assert blanked == around.format(BLANK)


@pytest.mark.parametrize("text", [
    "210521", "210102", "2022-03-14", "2022-03-14 09:30:00", "20220314", "1647136800000",
    "1647136800", "210521100201", "PK-211421-000001", "0000-00-00 00:00:00", "3 人次 12 场次",
    "T-88", "SJ202203050017", "2022-03-12T02:00:00Z", "210521001",
])
def test_codes_dates_and_times_are_not_blanked(text: str) -> None:
    assert blank_numbers(text) == text


def test_redact_masks_the_given_names_wherever_written() -> None:
    assert redact_text("王建国老人想要轮椅，电话138-1234-5678", ["王建国"]) == "王某某老人想要轮椅，电话***"


def test_scrub_value_never_recurses_and_keeps_only_what_can_be_stored() -> None:
    deep: object = "end"
    for _ in range(5000):
        deep = [deep]
    kept = scrub_value({"title": deep, "n": float("nan"), "t": "a\x00b\ud800", "k\x00": 1,
                        "objName": "王建国13812345678", "note": "王建国老人", "phone": "1"})
    assert isinstance(kept, dict)
    json.dumps(kept, ensure_ascii=False).encode()  # no surrogate left, no NaN
    assert kept["n"] is None and kept["t"] is None
    depth, inner = 0, kept["title"]
    while isinstance(inner, list):
        depth, inner = depth + 1, inner[0]
    assert depth < 40 and inner is None  # cut off, not turned into text
    assert kept["objName"] == "王某某" and kept["note"] == "王某某老人" and "phone" not in kept
    assert "k\ufffd" in kept


@pytest.mark.parametrize("typed", ["王建国13812345678", "王建国（138-1234-5678）", " 王 建国 ", "王建国,"])
def test_the_name_in_a_name_field_is_found_whatever_follows_it(typed: str) -> None:
    assert name_core(typed) == "王建国"
    assert mask_name(name_core(typed)) == "王某某"
