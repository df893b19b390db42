"""Medians from histograms of whole hours.

A wish's time to claim (or to fulfil) counts as its whole hours,
``floor((claimedAt - submittedAt) / 1 h)``, 0 when negative. The median of a
set is the middle one of those values, or the mean of the two middle ones
for an even count: PostgreSQL's ``percentile_cont(0.5)`` over them, read off
summed histograms instead of sorted rows.

Histograms come in two resolutions (migration 0003): 24 coarse buckets,
narrow where medians fall, say which hours hold the middle values; only the
one-hour buckets inside those are then read.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# Upper edges of the coarse buckets (hours); the last bucket is open-ended.
# Must match stats_coarse() in migration 0003.
COARSE_EDGES = (4, 8, 12, 16, 24, 32, 40, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
                384, 512, 768, 1024, 2048)
_NO_END = 2**31 - 1


def coarse_of(hours: int) -> int:
    return bisect.bisect_right(COARSE_EDGES, hours)


def coarse_range(bucket: int) -> tuple[int, int]:
    """The hours ``[lo, hi)`` of a coarse bucket."""
    lo = 0 if bucket == 0 else COARSE_EDGES[bucket - 1]
    hi = COARSE_EDGES[bucket] if bucket < len(COARSE_EDGES) else _NO_END
    return lo, hi


def coarse_counts(fine: Mapping[int, int]) -> Counter[int]:
    out: Counter[int] = Counter()
    for hours, n in fine.items():
        out[coarse_of(hours)] += n
    return out


def middle_ranks(total: int) -> tuple[int, int]:
    """0-based ranks of the middle value(s) of ``total`` sorted values."""
    return (total - 1) // 2, total // 2


def value_at(rank: int, below: int, fine: Iterable[tuple[int, int]]) -> int | None:
    """The value of 0-based ``rank``, walking ``(hours, n)`` pairs, in order of
    hours, that start after ``below`` values."""
    seen = below
    for hours, n in fine:
        seen += n
        if seen > rank:
            return hours
    return None


def median(fine: Mapping[int, int]) -> float | None:
    """The median of a whole one-hour histogram (small sets read from records)."""
    total = sum(fine.values())
    if total <= 0:
        return None
    k1, k2 = middle_ranks(total)
    pairs = sorted((h, n) for h, n in fine.items() if n)
    a, b = value_at(k1, 0, pairs), value_at(k2, 0, pairs)
    if a is None or b is None:
        return None
    return (a + b) / 2


@dataclass(frozen=True, slots=True)
class Request:
    """The one-hour counts wanted inside one coarse bucket of one group's histogram."""

    key: tuple[str, dt.date | None]  # (area, bucket)
    m: str  # 'c' claim, 'f' fulfil
    b: int  # coarse bucket
    below: int  # values in the coarse buckets before it
    lo: int  # its hours [lo, hi)
    hi: int


def pick(total: int, requests: list[Request], fine: list[dict[int, int]],
         records: dict[int, int]) -> float | None:
    """The median, from the one-hour counts of the coarse buckets holding the middle ranks."""
    if total <= 0:
        return None
    spans = []  # per request: the ranks [below, end) it holds, its (hours, n) in order
    for r, counts in zip(requests, fine, strict=True):
        inside = counts
        if records:
            inside = dict(counts)
            for hours, n in records.items():
                if r.lo <= hours < r.hi:
                    inside[hours] = inside.get(hours, 0) + n
        spans.append((r.below, r.below + sum(inside.values()), sorted(inside.items())))
    values = []
    for rank in middle_ranks(total):
        for below, end, pairs in spans:
            if below <= rank < end:
                value = value_at(rank, below, pairs)
                if value is not None:
                    values.append(value)
                break
    if len(values) != 2:
        return None
    return (values[0] + values[1]) / 2
