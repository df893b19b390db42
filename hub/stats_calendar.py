"""Calendar arithmetic of the statistics: date ranges as day, month and year blocks.

Figures are sums over cells of one day ('D'), month ('M') or year ('Y');
a range ``[lo, hi)`` of Beijing calendar dates is covered by the fewest such
blocks: the whole years inside it, then whole months, then single days at the
edges. A missing bound is the distant past or future, so "all time" is one
range of years.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

# Bounds standing for "no bound": both fall on 1 January, so all time is years.
FLOOR = dt.date(1900, 1, 1)
CEILING = dt.date(2200, 1, 1)

GRAINS = ("Y", "M", "D")  # coarsest first


class Granularity(StrEnum):
    """Series buckets; weeks start on Monday."""

    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"
    YEAR = "YEAR"

    @property
    def unit(self) -> str:
        """PostgreSQL's ``date_trunc`` unit."""
        return self.value.lower()

    @property
    def coarsest(self) -> str:
        """The coarsest cell grain that never straddles one of these buckets."""
        return {"DAY": "D", "WEEK": "D", "MONTH": "M", "YEAR": "Y"}[self.value]


@dataclass(frozen=True, slots=True)
class Block:
    g: str  # 'D', 'M' or 'Y'
    lo: dt.date  # first period start (aligned to g)
    hi: dt.date  # end, exclusive (aligned to g)


def _year_floor(d: dt.date) -> dt.date:
    return dt.date(d.year, 1, 1)


def _year_ceil(d: dt.date) -> dt.date:
    floor = _year_floor(d)
    return floor if floor == d else dt.date(d.year + 1, 1, 1)


def _month_floor(d: dt.date) -> dt.date:
    return dt.date(d.year, d.month, 1)


def _month_ceil(d: dt.date) -> dt.date:
    floor = _month_floor(d)
    if floor == d:
        return d
    return dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)


def bounds(lo: dt.date | None, hi: dt.date | None) -> tuple[dt.date, dt.date]:
    """The range with missing bounds replaced by the distant past/future."""
    return (lo or FLOOR, hi or CEILING)


def cover(lo: dt.date, hi: dt.date, coarsest: str = "Y") -> list[Block]:
    """``[lo, hi)`` as whole years, then months, then days; none coarser than ``coarsest``."""
    if lo >= hi:
        return []
    if coarsest == "Y":
        ya, yb = _year_ceil(lo), _year_floor(hi)
        if ya < yb:
            return [*cover(lo, ya, "M"), Block("Y", ya, yb), *cover(yb, hi, "M")]
    if coarsest in ("Y", "M"):
        ma, mb = _month_ceil(lo), _month_floor(hi)
        if ma < mb:
            return [*cover(lo, ma, "D"), Block("M", ma, mb), *cover(mb, hi, "D")]
    return [Block("D", lo, hi)]


def route(blocks: Iterable[Block], kept: Callable[[str], bool]) -> tuple[list[Block], list[Block]]:
    """Split blocks into those cells answer (at their grain or a finer kept one) and the rest.

    A block aligned to a grain is aligned to every finer grain, so a month
    block whose month cells are not kept can be read from day cells.
    """
    cells: list[Block] = []
    records: list[Block] = []
    for block in blocks:
        for g in GRAINS[GRAINS.index(block.g):]:
            if kept(g):
                cells.append(Block(g, block.lo, block.hi))
                break
        else:
            records.append(block)
    return merge(cells), merge(records)


def merge(blocks: Iterable[Block]) -> list[Block]:
    """Adjacent blocks of one grain as one range (cells are summed per period anyway)."""
    out: list[Block] = []
    for block in sorted(blocks, key=lambda b: (b.g, b.lo)):
        if out and out[-1].g == block.g and out[-1].hi == block.lo:
            out[-1] = Block(block.g, out[-1].lo, block.hi)
        else:
            out.append(block)
    return out


def bucket_start(d: dt.date, granularity: Granularity) -> dt.date:
    if granularity is Granularity.DAY:
        return d
    if granularity is Granularity.WEEK:
        return d - dt.timedelta(days=d.weekday())
    if granularity is Granularity.MONTH:
        return _month_floor(d)
    return _year_floor(d)


def bucket_end(start: dt.date, granularity: Granularity) -> dt.date:
    if granularity is Granularity.DAY:
        return start + dt.timedelta(days=1)
    if granularity is Granularity.WEEK:
        return start + dt.timedelta(days=7)
    if granularity is Granularity.MONTH:
        return _month_ceil(start + dt.timedelta(days=1))
    return dt.date(start.year + 1, 1, 1)


def buckets(lo: dt.date, hi: dt.date, granularity: Granularity) -> list[dt.date]:
    """Start of every bucket meeting ``[lo, hi)``, the first one possibly before ``lo``."""
    out: list[dt.date] = []
    start = bucket_start(lo, granularity)
    while start < hi:
        out.append(start)
        start = bucket_end(start, granularity)
    return out


def clip(blocks: Iterable[Block], lo: dt.date, hi: dt.date) -> list[Block]:
    """The blocks' parts inside ``[lo, hi)`` (bounds aligned to every block's grain)."""
    out = []
    for b in blocks:
        a, z = max(b.lo, lo), min(b.hi, hi)
        if a < z:
            out.append(Block(b.g, a, z))
    return out
