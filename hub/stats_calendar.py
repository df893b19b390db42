"""Calendar arithmetic of the statistics: date ranges as day, month and year blocks.

Figures are sums over cells of one day ('D'), month ('M') or year ('Y');
a range ``[lo, hi)`` of Beijing calendar dates is covered by the fewest such
blocks: the whole years inside it, then whole months, then single days at the
edges. A missing bound is the distant past or future, so "all time" is one
range of years.

Counts add up, so a range can also be read as blocks added and blocks taken
away (``signed_cover``): 10-28 November as November less its first 9 days
and its last 2, 2026-01-01 to 2026-11-20 as 2026 less 20 November on. Where
every grain has cells, that reads far fewer of them.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

from hub.errors import QueryError

# Bounds standing for "no bound": both fall on 1 January, so all time is years.
FLOOR = dt.date(1900, 1, 1)
CEILING = dt.date(2200, 1, 1)

GRAINS = ("Y", "M", "D")  # coarsest first

# A series has at most this many points: a DAY series of almost three years,
# a WEEK one of 19, MONTH and YEAR ones of any range the dates allow. Enough
# for every chart; the answer stays around a megabyte and its work bounded.
MAX_SERIES_POINTS = 1000


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
    sign: int = 1  # -1: its periods are taken away (signed_cover)


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
                cells.append(replace(block, g=g))
                break
        else:
            records.append(block)
    return merge(cells), merge(records)


def merge(blocks: Iterable[Block]) -> list[Block]:
    """Adjacent blocks of one grain and sign as one range (cells are summed per period anyway)."""
    out: list[Block] = []
    for block in sorted(blocks, key=lambda b: (b.g, b.sign, b.lo)):
        if out and (out[-1].g, out[-1].sign, out[-1].hi) == (block.g, block.sign, block.lo):
            out[-1] = Block(block.g, out[-1].lo, block.hi, block.sign)
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


def check_dates(lo: dt.date | None, hi: dt.date | None) -> None:
    """Dates a filter may name: from 1900-01-01 to 2200-01-01 (the calendar's bounds)."""
    for name, day in (("from", lo), ("to", hi)):
        if day is not None and not FLOOR <= day <= CEILING:
            raise QueryError(
                f"`{name}` must lie between {FLOOR.isoformat()} and {CEILING.isoformat()}; "
                "leave it out for no bound"
            )
    if lo is not None and hi is not None and lo > hi:
        raise QueryError("`from` must not be after `to`")


def point_count(lo: dt.date, hi: dt.date, granularity: Granularity) -> int:
    """How many buckets ``buckets(lo, hi, granularity)`` has, by arithmetic."""
    if lo >= hi:
        return 0
    first = bucket_start(lo, granularity)
    if granularity is Granularity.DAY:
        return (hi - lo).days
    if granularity is Granularity.WEEK:
        return -(-(hi - first).days // 7)
    if granularity is Granularity.MONTH:
        return (hi.year - first.year) * 12 + hi.month - first.month + (hi.day > 1)
    return hi.year - first.year + (hi > dt.date(hi.year, 1, 1))


def check_series(lo: dt.date, hi: dt.date, granularity: Granularity) -> None:
    """At most ``MAX_SERIES_POINTS`` points, refused before any figure is read."""
    points = point_count(lo, hi, granularity)
    if points > MAX_SERIES_POINTS:
        raise QueryError(
            f"A {granularity.value} series from {lo.isoformat()} to {hi.isoformat()} would have "
            f"{points:,} points; the limit is {MAX_SERIES_POINTS:,}. Narrow `from`/`to` or "
            "choose a coarser granularity."
        )


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
            out.append(Block(b.g, a, z, b.sign))  # not replace(): 3x the time, 365 times
    return out


def periods(blocks: Iterable[Block], until: dt.date) -> int:
    """About how many cells per area reading ``blocks`` sums: a day or a month
    each, a range of years one (data spans a few years at most), and none for
    periods from ``until`` on (they hold nothing yet)."""
    out = 0
    for b in blocks:
        hi = min(b.hi, until)
        if hi <= b.lo:
            continue
        if b.g == "D":
            out += (hi - b.lo).days
        elif b.g == "M":
            out += (hi.year - b.lo.year) * 12 + hi.month - b.lo.month + (hi.day > 1)
        else:
            out += 1
    return out


def signed_cover(lo: dt.date, hi: dt.date, until: dt.date) -> list[Block]:
    """``[lo, hi)`` as blocks added and taken away, reading the fewest periods
    before ``until`` (``periods``); ``cover`` when nothing does better.

    The range is everything before ``hi`` less everything before ``lo``, and
    each of those is read in one of four ways: its year's months and month's
    days up to the date, or the whole month less its days from the date on,
    or the whole year less its months (and days) from the date on. Of the 16
    combinations the cheapest wins; a period both added and taken away is
    not read at all.
    """
    return list(_signed_cover(lo, hi, until))


# A dashboard asks for the same few ranges again and again, and weighing the
# 16 ways of one takes ~0.2 ms: the answers are kept (a few KB per thousand).
@functools.lru_cache(maxsize=4096)
def _signed_cover(lo: dt.date, hi: dt.date, until: dt.date) -> tuple[Block, ...]:
    if lo >= hi:
        return ()
    best = cover(lo, hi)
    cost = periods(best, until)
    if cost <= 1:
        return tuple(best)
    ends = [_prefix(hi, *way) for way in _WAYS]
    starts = [_prefix(lo, *way) for way in _WAYS]
    for end in ends:
        for start in starts:
            blocks = _net([*end, *(Block(b.g, b.lo, b.hi, -b.sign) for b in start)])
            found = periods(blocks, until)
            if found < cost:
                best, cost = blocks, found
    return tuple(best)


_WAYS = tuple(itertools.product((False, True), repeat=2))


def _prefix(x: dt.date, years_up: bool, days_up: bool) -> list[Block]:
    """Every day before ``x``, from 1 January 1 on, as at most three signed blocks."""
    month, year = _month_floor(x), _year_floor(x)
    out = []
    if days_up and x != month:  # the whole month less its days from x on
        edge = _month_ceil(x)
        out.append(Block("D", x, edge, -1))
    else:
        edge = month
        if month < x:
            out.append(Block("D", month, x))
    if years_up and edge != year:  # the whole year less its months from edge on
        ceiling = dt.date(x.year + 1, 1, 1)
        if edge < ceiling:
            out.append(Block("M", edge, ceiling, -1))
        out.append(Block("Y", _ORIGIN, ceiling))
    else:
        if year < edge:
            out.append(Block("M", year, edge))
        out.append(Block("Y", _ORIGIN, year))
    return out


_ORIGIN = dt.date(1, 1, 1)  # prefixes' years start here, and cancel out in a difference


def _net(blocks: list[Block]) -> list[Block]:
    """The same sum with each period read once, at its net count (none when 0)."""
    return [b for b, _ in net_pair(blocks, ())]


def net_pair(first: Iterable[Block], second: Iterable[Block]) -> list[tuple[Block, int]]:
    """The periods two signed sums of blocks read, each period once: blocks
    whose ``sign`` is the period's net count in ``first``, paired with its
    net count in ``second`` (either may be 0, never both).

    Two sums over one range mostly share their periods (a year of figures and
    its overdue wishes: all but the last weeks), so reading them together
    reads the shared ones once.
    """
    deltas: dict[tuple[str, dt.date], list[int]] = {}
    for which, blocks in enumerate((first, second)):
        for b in blocks:
            deltas.setdefault((b.g, b.lo), [0, 0])[which] += b.sign
            deltas.setdefault((b.g, b.hi), [0, 0])[which] -= b.sign
    out: list[tuple[Block, int]] = []
    g, at, one, two = "", dt.date.min, 0, 0
    for (grain, day), (d1, d2) in sorted(deltas.items()):
        if grain != g:
            g, one, two = grain, 0, 0  # each grain's deltas sum to 0: its sweep starts afresh
        elif one or two:
            last = out[-1] if out else None
            if last is not None and (last[0].g, last[0].hi, last[0].sign, last[1]) == (g, at, one, two):
                out[-1] = (Block(g, last[0].lo, day, one), two)
            else:
                out.append((Block(g, at, day, one), two))
        at, one, two = day, one + d1, two + d2
    return out
