"""Masking people's names: 王建国 → 王某某, 欧阳娜娜 → 欧阳某某."""

from __future__ import annotations

# Two-character surnames that stay whole when a name is masked.
_COMPOUND_PAIRS = (
    "欧阳司马诸葛上官东方皇甫尉迟公孙慕容长孙宇文司徒夏侯轩辕令狐"
    "端木独孤南宫西门百里呼延澹台公冶宗政濮阳淳于单于太叔申屠仲孙"
    "钟离闻人万俟赫连东郭闾丘子车亓官司空司寇拓跋第五"
)
COMPOUND_SURNAMES = frozenset(_COMPOUND_PAIRS[i : i + 2] for i in range(0, len(_COMPOUND_PAIRS), 2))

_MASK = "某某"
_MASK_MARKS = ("某", "*", "＊", "×")


def is_masked(name: str) -> bool:
    return any(mark in name for mark in _MASK_MARKS)


def mask_name(name: str) -> str:
    """The masked form of a person's name; an already-masked name passes through.

    Only the surname is kept. A name that is empty stays empty; a name with no
    Chinese surname to keep (Latin letters, digits) becomes ``某某`` whole.
    """
    cleaned = "".join(name.split())
    if not cleaned or is_masked(cleaned):
        return cleaned
    if cleaned[:2] in COMPOUND_SURNAMES and len(cleaned) > 2:
        return cleaned[:2] + _MASK
    first = cleaned[0]
    if not _is_han(first):
        return _MASK
    return first + _MASK


def _is_han(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\U00020000" <= char <= "\U0003134f"
