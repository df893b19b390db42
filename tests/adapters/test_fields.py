"""The accessors' shortcut for plain text gives what the full checks give.

``Fields.text`` and ``opt_text`` skip the storable and number checks for a
text of letters only (bench/ingest.py: most names, labels and places). The
full path is the reference: whatever a platform types, the shortcut must
return the same text, or reject it the same way.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters._fields import MAX_TEXT_CHARS, Fields, Invalid, _storable
from hub.privacy import blank_numbers, name_core

# Letters next to what is not one: digits of every script (full-width,
# Arabic-Indic), Roman numerals, NUL, a lone surrogate, spaces, 某 and *.
_TRICKY = "王建国欧阳某*xXｘ０１２３138٣٤Ⅻ一二 \u3000\x00\ud800-（）"


def _full(typed: str) -> str | Invalid:
    fields = Fields({"k": typed})
    try:
        return blank_numbers(_storable(fields, "k", typed.strip(), MAX_TEXT_CHARS))
    except Invalid as exc:
        return exc


def _shortcut(typed: str) -> str | Invalid:
    try:
        return Fields({"k": typed}).text("k")
    except Invalid as exc:
        return exc


def _same(a: str | Invalid, b: str | Invalid) -> bool:
    if isinstance(a, Invalid) or isinstance(b, Invalid):
        return isinstance(a, Invalid) and isinstance(b, Invalid) and a.message == b.message
    return a == b


@given(st.text(alphabet=st.sampled_from(_TRICKY) | st.characters(), min_size=1, max_size=24))
def test_text_is_what_the_full_checks_give(typed: str) -> None:
    if not typed.strip():
        return  # empty: rejected before either path
    assert _same(_shortcut(typed), _full(typed))


@pytest.mark.parametrize("typed", ["王建国", "１３８１２３４５６７８", "١٣٨١٢٣٤٥٦٧٨", "王\x00国", "王\ud800国",
                                   "13812345678", "一三八一二三四五六七八"])
def test_numbers_and_unstorable_text_still_go_through_the_checks(typed: str) -> None:
    assert _same(_shortcut(typed), _full(typed))
    try:
        optional: str | Invalid | None = Fields({"k": typed}).opt_text("k")
    except Invalid as exc:
        optional = exc
    assert optional is not None and _same(optional, _full(typed))


@given(st.text(alphabet=st.sampled_from(_TRICKY) | st.characters(), max_size=16))
def test_name_core_of_letters_is_the_name(typed: str) -> None:
    expected = "".join(ch for ch in blank_numbers(typed).replace("***", "")
                       if ch.isalpha() or ch in "某*＊×xX")
    assert name_core(typed) == expected
