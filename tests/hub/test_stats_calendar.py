"""Date ranges as blocks of day, month and year cells, added and taken away."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from hub.stats_calendar import Block, cover, net_pair, periods, signed_cover

_dates = st.dates(dt.date(2020, 1, 1), dt.date(2030, 1, 1))


def _days(blocks: list[Block]) -> Counter[dt.date]:
    """How many times each day counts, added and taken away."""
    out: Counter[dt.date] = Counter()
    for b in blocks:
        day = b.lo
        while day < b.hi:
            out[day] += b.sign
            day += dt.timedelta(days=1)
    return Counter({day: n for day, n in out.items() if n})


@given(_dates, _dates, _dates)
def test_a_signed_cover_counts_every_day_of_the_range_once_and_no_other(
        lo: dt.date, hi: dt.date, until: dt.date) -> None:
    blocks = signed_cover(lo, hi, until)
    expected = Counter({lo + dt.timedelta(days=i): 1 for i in range((hi - lo).days)})
    assert _days(blocks) == expected
    for b in blocks:
        assert b.sign != 0  # a period counted twice over (or taken away) says so
        if b.g != "D":
            assert b.lo.day == 1 and b.hi.day == 1
        if b.g == "Y":
            assert b.lo.month == 1 and b.hi.month == 1
    assert periods(blocks, until) <= periods(cover(lo, hi), until)


def test_a_year_to_last_week_is_read_as_the_year_less_its_last_days() -> None:
    today = dt.date(2026, 11, 23)
    lo, hi = dt.date(2025, 12, 10), dt.date(2026, 11, 5)
    plain = cover(lo, hi)
    signed = signed_cover(lo, hi, today + dt.timedelta(days=1))
    # 22 days of December, January to October, 4 days of November ...
    assert periods(plain, today) == 22 + 10 + 4
    # ... or December less its first 9 days, 2026 less November and December
    # (nothing in it yet: free), and 4 days of November.
    assert sorted(signed, key=lambda b: (b.g, b.lo)) == [
        Block("D", dt.date(2025, 12, 1), dt.date(2025, 12, 10), -1),
        Block("D", dt.date(2026, 11, 1), dt.date(2026, 11, 5), 1),
        Block("M", dt.date(2025, 12, 1), dt.date(2026, 1, 1), 1),
        Block("M", dt.date(2026, 11, 1), dt.date(2027, 1, 1), -1),
        Block("Y", dt.date(2026, 1, 1), dt.date(2027, 1, 1), 1),
    ]
    assert periods(signed, today) == 9 + 4 + 2 + 1


def test_ranges_no_signed_cover_improves_keep_their_plain_cover() -> None:
    until = dt.date(2026, 11, 24)
    for lo, hi in ((dt.date(2026, 3, 1), dt.date(2026, 4, 1)),
                   (dt.date(1900, 1, 1), dt.date(2200, 1, 1)),
                   (dt.date(2026, 3, 3), dt.date(2026, 3, 9))):
        assert signed_cover(lo, hi, until) == cover(lo, hi)


def _grain_days(blocks: list[Block], weight: int | None = None) -> Counter[tuple[str, dt.date]]:
    """How many times each (grain, day) counts: cells of distinct grains are distinct."""
    out: Counter[tuple[str, dt.date]] = Counter()
    for b in blocks:
        for day, n in _days([Block("D", b.lo, b.hi, b.sign if weight is None else weight)]).items():
            out[(b.g, day)] += n
    return Counter({key: n for key, n in out.items() if n})


@given(_dates, _dates, _dates, _dates)
def test_two_sums_read_together_read_each_period_once_at_both_its_counts(
        lo: dt.date, hi: dt.date, cutoff: dt.date, until: dt.date) -> None:
    """A range's figures and its overdue wishes (the range up to a cutoff, or
    the range less its days from the cutoff on) read in one pass."""
    first = signed_cover(lo, hi, until)
    late = signed_cover(lo, min(hi, cutoff), until)
    rest = [Block(b.g, b.lo, b.hi, -b.sign) for b in signed_cover(max(lo, cutoff), hi, until)]
    for second in (late, rest):
        pairs = net_pair(first, second)
        assert _grain_days([b for b, _ in pairs]) == _grain_days(first)
        seconds: Counter[tuple[str, dt.date]] = Counter()
        for b, n in pairs:
            assert (b.sign, n) != (0, 0)
            seconds.update(_grain_days([b], n))
        assert Counter({k: n for k, n in seconds.items() if n}) == _grain_days(second)
        once = _grain_days([b for b, _ in pairs], 1)
        assert set(once.values()) <= {1}  # no period read twice
        assert len(once) <= len(_grain_days(first, 1)) + len(_grain_days(second, 1))
