"""One figures request (``Query``): its dates split over cells and records, read, added up.

The counting is done ahead, in rollup cells that migration 0003 keeps in
step with the records inside the same transactions (so a figure read after a
push's 200 includes that push); a query sums a few cells: the whole years,
months and days its dates cover, for its region, or fewer of them added and
taken away (a year up to last week: the year less its last days;
``hub.stats_calendar.signed_cover``). What no cell holds (towns, villages,
rare combinations of filters) is counted from the records themselves, just as
exactly. Medians come from histograms (``hub.stats_medians``).

``hub.stats`` is the public side: the filter's region and the groups asked
for (a region, the regions at a level, the buckets of a series).
"""

from __future__ import annotations

import asyncio
import bisect
import datetime as dt
import itertools
import operator
from collections.abc import Awaitable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar

import asyncpg

from hub import regions as _regions
from hub import stats_medians as med
from hub.db import custom_plans
from hub.models import BeneficiaryGroup, RegionLevel, WishCategory
from hub.sql import stats as q
from hub.sql import stats_flow as fq
from hub.stats_calendar import (
    CEILING,
    FLOOR,
    Block,
    Granularity,
    bounds,
    bucket_end,
    clip,
    cover,
    merge,
    net_pair,
    periods,
    route,
    signed_cover,
)

__all__ = [
    "BEIJING",
    "OVERDUE_DAYS",
    "ActivityStats",
    "Query",
    "StatsFilter",
    "StatsResult",
    "WishFlow",
    "WishStats",
    "beijing_today",
    "code_range",
    "empty_result",
]

OVERDUE_DAYS = 30
BEIJING = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")


@dataclass(frozen=True, slots=True)
class StatsFilter:
    region_code: str | None = None
    from_: dt.date | None = None
    to: dt.date | None = None
    category: WishCategory | None = None
    beneficiary_group: BeneficiaryGroup | None = None
    source_code: str | None = None


@dataclass(frozen=True, slots=True)
class WishStats:
    submitted: int  # every status
    open: int
    claimed: int  # CLAIMED now
    fulfilled: int
    cancelled: int
    pending: int
    fulfillment_rate: float  # fulfilled / (submitted - cancelled), 0 when that is 0
    median_hours_to_claim: float | None  # over wishes with claimedAt; see hub.stats.MEDIAN_DESCRIPTION
    median_hours_to_fulfill: float | None  # submittedAt -> fulfilledAt
    overdue: int  # overdue(OVERDUE_DAYS) as of the ``today`` the figures were read for


@dataclass(frozen=True, slots=True)
class WishFlow:
    """Wish events of each kind on a Beijing day of the filter's dates (``hub.stats_flow``)."""

    submitted: int
    claimed: int
    fulfilled: int
    cancelled: int


@dataclass(frozen=True, slots=True)
class ActivityStats:
    activities: int
    sessions: int
    volunteer_attendances: int
    beneficiaries: int
    volunteer_hours: float  # summed exactly as decimals


@dataclass(frozen=True, slots=True)
class StatsResult:
    wishes: WishStats
    activities: ActivityStats
    teams: int
    team_members: int
    stations: int
    flow: WishFlow | None = None  # when asked for (``Query.flow``)


def beijing_today(now: dt.datetime | None = None) -> dt.date:
    return (now or dt.datetime.now(dt.UTC)).astimezone(BEIJING).date()


# ---------------------------------------------------------------- cells and codes

# The series bucket one period of a cell grain is.
_GRAIN_BUCKET = {"D": Granularity.DAY, "M": Granularity.MONTH, "Y": Granularity.YEAR}

_CATEGORIES = list(WishCategory)
# Area keys of the province's cities, and of records placed at the province itself.
_CITY_AREAS = ["2100", *(r.code[:4] for r in _regions.reference_regions()
                        if r.level is RegionLevel.CITY)]
_GROUPS = list(BeneficiaryGroup)


def code_range(prefix: str) -> tuple[str, str]:
    """``[lo, hi)`` holding exactly the codes that start with ``prefix`` (in "C" order)."""
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


def counted(lvl: int, g: str, dims: str) -> bool:
    """Mirror of stats_counted() in migration 0003 (the flow cells keep the same combinations)."""
    if lvl == 1:
        return g != "D" or dims != "cg"
    if lvl == 2:
        return dims == "" or (g != "D" and dims != "cg")
    return dims == ""


def _histogram(lvl: int, g: str) -> bool:
    """Mirror of stats_histogram() in migration 0003 (cells without dimensions)."""
    return lvl < 3 or g != "D"


# ---------------------------------------------------------------- one query


_COARSE = len(med.COARSE_EDGES) + 1
_NO_BUCKET = dt.date.max  # "no series bucket" where SQL wants a date: asyncpg sends 'infinity'


class _Acc:
    """What one group (a region, or a series bucket) adds up to."""

    # A plain class rather than a dataclass with default factories: a year of
    # days makes 365 of them per request, and this __init__ takes 0.75 µs, not 1.3.
    __slots__ = ("activity", "coarse", "counts", "flow", "hours", "medians", "network",
                 "overdue", "srcs", "volunteer_hours")

    def __init__(self) -> None:
        self.counts = [0] * 8
        self.overdue = 0
        # One-hour counts read from the records (blocks no cell holds).
        self.hours: dict[str, dict[int, int]] = {"c": {}, "f": {}}
        # Coarse histograms, cells and records together.
        self.coarse = {"c": [0] * _COARSE, "f": [0] * _COARSE}
        self.medians: dict[str, float | None] = {}
        self.activity = [0] * 4
        self.volunteer_hours = _NO_HOURS
        self.network = (0, 0, 0)
        self.srcs: set[int] = set()  # sources with cells here
        self.flow = [0] * 4  # submitted, claimed, fulfilled, cancelled on their own days


_NO_HOURS = Decimal(0)

# Columns of a FIGURES row: kind, area, bucket, srcs, n1..n9, hours, coarse claim, fulfil.
# A wish row's n1..n8 are ``Acc.counts``, an activity row's n1..n4 ``Acc.activity``.
_WISH_COUNTS = ("n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8")
_ACTIVITY_COUNTS = _FLOW_COUNTS = _WISH_COUNTS[:4]
_FLOW_KINDS = {"s": 0, "c": 1, "f": 2, "x": 3}
_STATUS_INDEX = {"PENDING": 1, "OPEN": 2, "CLAIMED": 3, "FULFILLED": 4, "CANCELLED": 5}


@dataclass(slots=True)
class Query:
    """One figures request: its groups, its dates split over cells and records."""

    prefixes: list[str]
    lvl: int | None
    within: str  # the subtree records are read from
    dims: str
    cat: int
    grp: int
    category: str | None
    group: str | None
    src: str | None  # a source code; one the hub does not know matches nothing
    today: dt.date
    medians: bool
    overdue_days: int
    unit: str | None = None
    bucket_keys: list[dt.date | None] = field(default_factory=lambda: [None])
    # (tag, block): tag 0 the filter's dates, 1 the overdue dates, 3 the
    # filter's dates from the overdue cutoff on (see set_dates).
    cell_blocks: list[tuple[int, Block]] = field(default_factory=list)
    record_blocks: list[tuple[int, Block]] = field(default_factory=list)
    activity_blocks: list[Block] = field(default_factory=list)
    # The flow figures' periods (tag 4 in the cells statements), cells and records.
    flow_cell_blocks: list[Block] = field(default_factory=list)
    flow_record_blocks: list[Block] = field(default_factory=list)
    series: Granularity | None = None
    network: bool = True  # teams and stations too
    # What is asked for: the stock figures (every figure but the flow), the
    # flow figures (hub.stats_flow), or both: then in the same statements.
    stock: bool = True
    flow: bool = False
    overdue_from_open: bool = False  # daily buckets: see set_series
    overdue_by_rest: bool = False  # see set_dates
    _clipped: dict[dt.date | None, list[Block]] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        f: StatsFilter,
        prefixes: list[str],
        lvl: int | None,
        today: dt.date | None,
        medians: bool,
        *,
        within: str | None = None,
        overdue_days: int = OVERDUE_DAYS,
        stock: bool = True,
        flow: bool = False,
    ) -> Query:
        dims = ("c" if f.category else "") + ("g" if f.beneficiary_group else "")
        return cls(
            prefixes=prefixes, lvl=lvl, within=within or prefixes[0], dims=dims,
            cat=_CATEGORIES.index(f.category) + 1 if f.category else 0,
            grp=_GROUPS.index(f.beneficiary_group) + 1 if f.beneficiary_group else 0,
            category=f.category.value if f.category else None,
            group=f.beneficiary_group.value if f.beneficiary_group else None,
            src=f.source_code, today=today or beijing_today(), medians=medians and (stock or not flow),
            overdue_days=overdue_days, stock=stock or not flow, flow=flow,
        )

    # ------------------------------------------------------------ dates

    def _split(self, blocks: Iterable[Block], tag: int) -> None:
        lvl = self.lvl
        cells, records = route(
            blocks, lambda g: lvl is not None and counted(lvl, g, self.dims))
        self.cell_blocks += [(tag, b) for b in cells]
        self.record_blocks += [(tag, b) for b in records]

    def _split_flow(self, blocks: Iterable[Block]) -> None:
        if self.flow:
            lvl = self.lvl
            self.flow_cell_blocks, self.flow_record_blocks = route(
                blocks, lambda g: lvl is not None and counted(lvl, g, self.dims))

    def _cutoff(self) -> dt.date:
        return self.today - dt.timedelta(days=self.overdue_days)

    def _until(self) -> dt.date:
        """Periods from here on hold nothing yet (wishes are not submitted tomorrow)."""
        return self.today + dt.timedelta(days=1)

    def _cover(self, lo: dt.date, hi: dt.date) -> list[Block]:
        """``[lo, hi)`` as the cells to read: a year up to last week as the year
        less a few days rather than its months and edge days one by one.

        Only without a category or group: then every grain has cells at every
        level, and one-hour counts come from histograms (a county's days from
        those days' records). With one, some blocks are read from the records,
        where taking a period away would cost as much as reading it.
        """
        if self.lvl is not None and not self.dims:
            return signed_cover(lo, hi, self._until())
        return cover(lo, hi)

    def set_dates(self, lo: dt.date | None, hi: dt.date | None, *, figures: bool = True) -> None:
        a, z = bounds(lo, hi)
        cutoff = self._cutoff()
        self.network = figures and self.stock
        if not figures:
            self.stock, self.flow = True, False
            self._split(self._cover(a, min(z, cutoff)), 1)
            return
        blocks = self._cover(a, z)
        self._split_flow(blocks)
        if not self.stock:
            return
        self._split(blocks, 0)
        self.activity_blocks = blocks
        late, rest = self._cover(a, min(z, cutoff)), self._cover(max(a, cutoff), z)
        until = self._until()
        if a < cutoff < z and periods(rest, until) < periods(late, until):
            # The overdue wishes are the OPEN ones of the whole range, counted
            # anyway, less those of its days from the cutoff on: fewer cells
            # when the cutoff is near the end (a year up to last week: a few
            # days rather than the year's edge days and months again).
            self.overdue_by_rest = True
            self._split(rest, 3)
        else:
            self._split(late, 1)

    def set_series(self, lo: dt.date, hi: dt.date, granularity: Granularity,
                   starts: Sequence[dt.date], *, flow_lo: dt.date | None = None,
                   flow_hi: dt.date | None = None) -> None:
        """Buckets from ``starts``, over ``[lo, hi)``; the flow figures of a
        bucket count its whole period within the filter's own ``[flow_lo,
        flow_hi)`` (a bound left out: no bound), events after the last wish
        submitted too (a cancellation today)."""
        self.series = granularity
        self.unit = granularity.unit
        self.bucket_keys = list(starts)
        if self.flow:
            if granularity is Granularity.DAY:  # one block of days: the first to the last
                a = starts[0] if flow_lo is None else max(starts[0], flow_lo)
                z = starts[-1] + dt.timedelta(days=1)
                self._split_flow([Block("D", a, z if flow_hi is None else min(z, flow_hi))])
            else:
                ends = [bucket_end(start, granularity) for start in starts]
                edges = [(start if flow_lo is None else max(start, flow_lo),
                          end if flow_hi is None else min(end, flow_hi))
                         for start, end in zip(starts, ends, strict=True)]
                self._split_flow(merge(b for a, z in edges
                                       for b in cover(a, z, granularity.coarsest)))
        if not self.stock:
            return
        if granularity is Granularity.DAY:
            # Every bucket one day: the range is one block of days, and a day's
            # overdue wishes are its OPEN ones when it lies before the cutoff
            # (counted once, with the others; see run).
            main = [Block("D", lo, hi)]
            self.overdue_from_open = True
        else:
            main, late = [], []
            cutoff = self._cutoff()
            for start in starts:
                a, z = max(start, lo), min(bucket_end(start, granularity), hi)
                main += cover(a, z, granularity.coarsest)
                late += cover(a, min(z, cutoff), granularity.coarsest)
            self._split(merge(late), 1)
        self._split(merge(main), 0)
        self.activity_blocks = merge(main)

    # ------------------------------------------------------------ reading

    async def run(self, conn: asyncpg.Connection, pool: asyncpg.Pool | None = None
                  ) -> dict[tuple[str, dt.date | None], StatsResult]:
        """The figures of every group; ``pool`` may lend a second connection.

        It is borrowed only when a connection is idle (under load none is, and
        the statements run one after the other on ``conn``), and only for
        medians over many groups (a table, a series) or read both from
        histograms and from records (a county's days have no histogram).
        Then PostgreSQL uses both cores for one request: the wish cells, then
        the histograms' hours on ``conn``; the other cells, then the records'
        hours on the second (these wait for the wish cells' coarse counts).

        Where a county table over a random year goes (905,769 wishes,
        ``bench/stats_budget.py``, p50 on a loaded 2-core machine): the wish
        cells 9-12 ms (the other cells, 4-6 ms, alongside), then the
        histograms' hours 9-13 ms and the records' 9-13 ms at once; in this
        process ~5 ms of Python for the medians and ~4 ms encoding and
        decoding the statements' arrays. Splitting the cells statement by
        regions over both connections instead did not shorten the first step
        (each half cost what the whole wish cells did).
        """
        accs = {(p, b): _Acc() for p in self.prefixes for b in self.bucket_keys}
        stored = self._stored_periods(accs) if self.medians else {}
        # The statements' filters are optional: planned with their values on
        # every run (hub.db.SERVER_SETTINGS says why).
        async with custom_plans(conn):
            await self._stored_medians(conn, accs, stored)
            # Histograms are summed only for the groups whose medians are not stored.
            coarse = self.medians and len(stored) < len(accs)
            if (coarse and pool is not None and (len(accs) > 1 or self._fine_from_both())
                    and pool.get_idle_size() > 0):
                async with pool.acquire() as other, custom_plans(other):
                    await self._read(conn, other, accs, coarse, stored)
            else:
                await self._read(conn, None, accs, coarse, stored)
        return {key: _result(acc, self.medians, self.flow) for key, acc in accs.items()}

    async def _read(self, conn: asyncpg.Connection, other: asyncpg.Connection | None,
                    accs: dict[tuple[str, dt.date | None], _Acc], coarse: bool,
                    stored: dict[tuple[str, dt.date | None], tuple[str, str, dt.date]]) -> None:
        # With a second connection, the other cells are read on it while the
        # wish cells and the medians' first step run on ``conn``: only the
        # medians' second step waits for them (it reads records on ``other``).
        if not self.stock:
            if self.flow_cell_blocks:
                await self._cells(conn, accs, q.FLOW_FIGURES, False)
            await self._flow_records(conn, accs)
            return
        side: asyncio.Task[None] | None = None
        if self.lvl is not None and other is not None:
            side = asyncio.ensure_future(self._cells(other, accs, q.OTHER_FIGURES, False))
        try:
            if self.lvl is None:
                await self._activity_records(conn, accs)
                if self.network:
                    await self._network_records(conn, accs)
            elif side is not None:
                await self._cells(conn, accs, self._with_flow(q.WISH_FIGURES), coarse)
            else:
                await self._cells(conn, accs, self._with_flow(
                    q.FIGURES if coarse else q.FIGURES_COUNTS), coarse)
            await self._wish_records(conn, accs)
            if self.flow and not self.record_blocks:  # else read with the wishes'
                await self._flow_records(conn, accs)
            if self.medians:
                await self._medians(conn, other, side,
                                    {k: a for k, a in accs.items() if k not in stored})
            if side is not None:
                await asyncio.shield(side)  # the caller's cancellation is not its
        except BaseException:
            if side is not None:
                await _settle(side)
            raise
        if self.overdue_from_open:
            cutoff = self._cutoff()
            for (_, day), acc in accs.items():
                if day is not None and day < cutoff:
                    acc.overdue = acc.counts[_STATUS_INDEX["OPEN"]]
        elif self.overdue_by_rest:
            for acc in accs.values():
                acc.overdue += acc.counts[_STATUS_INDEX["OPEN"]]  # less the rest's, read above

    def _with_flow(self, statement: str) -> str:
        """The cells statement, with the flow figures' cells when they are asked for."""
        if not self.flow:
            return statement
        if statement is q.WISH_FIGURES:
            return q.WISH_FIGURES_FLOW
        return q.FIGURES_FLOW if statement is q.FIGURES else q.FIGURES_COUNTS_FLOW

    def _fine_from_both(self) -> bool:
        """Whether the medians' one-hour counts come both from histograms and from records."""
        lvl = self.lvl
        return lvl is not None and not self.dims and len(
            {_histogram(lvl, b.g) for t, b in self.cell_blocks if t == 0}) == 2

    def _stored_periods(self, accs: dict[tuple[str, dt.date | None], _Acc]
                        ) -> dict[tuple[str, dt.date | None], tuple[str, str, dt.date]]:
        """Groups whose dates are exactly one histogram period: (area, g, p) each.

        Their medians are kept per period, over all sources together
        (migrations 0005, 0006), so a source, category or group filter rules
        them out.
        """
        lvl = self.lvl
        if lvl is None or self.dims or self.src is not None or any(
                t == 0 for t, _ in self.record_blocks):
            return {}
        out = {}
        for key in accs:
            blocks = self._cell_blocks(key[1])
            if len(blocks) != 1:
                continue
            b = blocks[0]
            if b.sign != 1 or not _histogram(lvl, b.g):
                continue
            if b.hi == bucket_end(b.lo, _GRAIN_BUCKET[b.g]):
                out[key] = (key[0], b.g, b.lo)
            elif (b.g, b.lo, b.hi) == ("Y", FLOOR, CEILING):
                out[key] = (key[0], "A", FLOOR)  # all time: no dates in the filter
        return out

    async def _stored_medians(self, conn: asyncpg.Connection,
                              accs: dict[tuple[str, dt.date | None], _Acc],
                              stored: dict[tuple[str, dt.date | None], tuple[str, str, dt.date]]
                              ) -> None:
        """The stored medians of ``stored``'s groups. Groups whose periods changed
        since their medians were computed, or have none computed (a period
        without a wish has none either: summing its histograms costs nothing),
        leave ``stored``: their histograms are summed instead."""
        if not stored:
            return
        spans: dict[tuple[str, str], list[dt.date]] = {}
        for area, g, p in stored.values():
            span = spans.setdefault((area, g), [p, p])
            span[0], span[1] = min(span[0], p), max(span[1], p)
        keys = list(spans)
        rows = await conn.fetch(q.STORED_MEDIANS, [k[0] for k in keys], [k[1] for k in keys],
                                [spans[k][0] for k in keys], [spans[k][1] for k in keys])
        kept: dict[tuple[str, str, dt.date], asyncpg.Record] = {}
        marked: set[tuple[str, str, dt.date]] = set()
        for r in rows:
            period = (r["area"], r["g"], r["p"])
            if r["kind"] == "d":
                marked.add(period)
            else:
                kept[period] = r
        for key, period in list(stored.items()):
            row = kept.get(period)
            if row is None or period in marked:
                del stored[key]
            else:
                accs[key].medians = {"c": row["claim"], "f": row["fulfil"]}

    def _ranges(self, tagged: Sequence[tuple[int, Block]]) -> list[list[object]]:
        """(tag, g, lo, hi, sign) as parallel arrays, as the statements take them."""
        return [[t for t, _ in tagged], [b.g for _, b in tagged], [b.lo for _, b in tagged],
                [b.hi for _, b in tagged], [b.sign for _, b in tagged]]

    def _key(self, area: str, bucket: dt.date | None) -> tuple[str, dt.date | None]:
        return (area, bucket if self.unit else None)

    async def _cells(self, conn: asyncpg.Connection,
                     accs: dict[tuple[str, dt.date | None], _Acc], statement: str,
                     coarse: bool) -> None:
        """The figures the cells hold: all of them or a part (see q.FIGURES)."""
        if statement is q.OTHER_FIGURES:
            rows = await conn.fetch(statement, *self._ranges([(2, b) for b in self.activity_blocks]),
                                    self.unit, self.prefixes, self.src, self.network)
        else:
            wish = self._wish_periods()
            tagged = [(0, b) for b, _ in wish]
            odue = [n for _, n in wish]
            # The wish cells alone (and the flow's) read no activity and no
            # network: a parameter a statement does not use has no type, and
            # PostgreSQL refuses to prepare it.
            alone = statement in (q.WISH_FIGURES, q.WISH_FIGURES_FLOW, q.FLOW_FIGURES)
            if not alone:
                tagged += [(2, b) for b in self.activity_blocks]
                odue += [0] * len(self.activity_blocks)
            if self.flow:
                tagged += [(4, b) for b in self.flow_cell_blocks]
                odue += [0] * len(self.flow_cell_blocks)
            flag = () if alone else (self.network,)
            rows = await conn.fetch(statement, *self._ranges(tagged), odue, self.unit,
                                    self.prefixes, self.cat, self.src, self.grp, *flag)
        network: dict[str, list[int]] = {}
        for r in rows:
            kind = r["kind"]
            if kind in ("t", "s"):
                held = network.setdefault(r["area"], [0, 0, 0])
                if kind == "t":
                    held[0], held[1] = int(r["n1"]), int(r["n2"])
                else:
                    held[2] = int(r["n1"])
                continue
            acc = accs.get(self._key(r["area"], r["bucket"]))
            if acc is None:
                continue
            if kind == "f":
                flow = acc.flow
                for i, name in enumerate(_FLOW_COUNTS):
                    flow[i] += r[name]
                continue
            if kind == "w":
                acc.srcs.update(r["srcs"])
                counts = acc.counts
                for i, name in enumerate(_WISH_COUNTS):
                    counts[i] += r[name]
                acc.overdue += r["n9"]
                if not coarse:
                    continue
                sums = acc.coarse
                sums["c"] = list(map(operator.add, sums["c"], r["claim"]))
                sums["f"] = list(map(operator.add, sums["f"], r["fulfil"]))
            else:
                activity = acc.activity
                for i, name in enumerate(_ACTIVITY_COUNTS):
                    activity[i] += r[name]
                acc.volunteer_hours += r["hours"]
        for (area, _), acc in accs.items():
            found = network.get(area)
            if found is not None:
                acc.network = (found[0], found[1], found[2])

    def _wish_periods(self) -> list[tuple[Block, int]]:
        """Each wish cell period once, with its count for the filter's figures
        (the block's sign) and for the overdue wishes: the OPEN ones in the
        overdue blocks (tag 1), less those in the rest's (tag 3)."""
        return net_pair([b for t, b in self.cell_blocks if t == 0],
                        [b if t == 1 else Block(b.g, b.lo, b.hi, -b.sign)
                         for t, b in self.cell_blocks if t in (1, 3)])

    async def _wish_records(self, conn: asyncpg.Connection,
                            accs: dict[tuple[str, dt.date | None], _Acc]) -> None:
        if not self.record_blocks:
            return
        lo, hi = code_range(self.within)
        key_len = len(self.prefixes[0])
        # Records are read over plain covers only (see _cover): every sign is 1.
        tags, _, los, his, _ = self._ranges(self.record_blocks)
        # The flow's records in the same statement (tag 4), when it is asked for.
        flow = self.flow_record_blocks if self.flow else []
        statement, more = ((q.BASE_WISHES_FLOWS, ([b.lo for b in flow], [b.hi for b in flow]))
                           if flow else (q.BASE_WISHES, ()))
        rows = await conn.fetch(statement, tags, los, his, lo, hi, key_len, self.unit,
                                self.category, self.group, self.src, *more)
        for r in rows:
            acc = accs.get(self._key(r["key"], r["bucket"]))
            if acc is None:
                continue
            n = r["n"]
            if r["tag"] == 4:
                acc.flow[_FLOW_KINDS[r["kind"]]] += n
            elif r["kind"] == "s":
                if r["tag"] in (1, 3):
                    if r["label"] == "OPEN":
                        acc.overdue += n if r["tag"] == 1 else -n
                    continue
                acc.counts[0] += n
                acc.counts[_STATUS_INDEX[r["label"]]] += n
            else:
                found = acc.hours[r["kind"]]
                found[r["hours"]] = found.get(r["hours"], 0) + n
                acc.coarse[r["kind"]][med.coarse_of(r["hours"])] += n

    async def _flow_records(self, conn: asyncpg.Connection,
                            accs: dict[tuple[str, dt.date | None], _Acc]) -> None:
        """The flow figures of the filter's periods no cell holds, from the records."""
        blocks = self.flow_record_blocks
        if not blocks:
            return
        lo, hi = code_range(self.within)
        # Records are read over plain covers only (see _cover): every sign is 1.
        rows = await conn.fetch(fq.BASE_FLOWS, [b.lo for b in blocks], [b.hi for b in blocks],
                                lo, hi, len(self.prefixes[0]), self.unit, self.category,
                                self.group, self.src)
        for r in rows:
            acc = accs.get(self._key(r["key"], r["bucket"]))
            if acc is not None:
                acc.flow[_FLOW_KINDS[r["kind"]]] += r["n"]

    async def _medians(self, conn: asyncpg.Connection, other: asyncpg.Connection | None,
                       busy: asyncio.Task[None] | None,
                       accs: dict[tuple[str, dt.date | None], _Acc]) -> None:
        """Per group and measure: the coarse buckets holding the middle ranks, then their hours."""
        # A county table makes ~220 requests, a year of days ~740: the loops
        # here stay plain (its Python was ~5 ms of the county table's request).
        requests: list[med.Request] = []
        groups: list[tuple[_Acc, str, int, int]] = []  # acc, measure, total, first request
        for key, acc in accs.items():
            for m in ("c", "f"):
                ends = list(itertools.accumulate(acc.coarse[m]))  # ranks before each bucket's end
                total = ends[-1]
                if total <= 0:
                    acc.medians[m] = None
                    continue
                groups.append((acc, m, total, len(requests)))
                # The buckets holding the middle ranks: the first whose end passes each.
                k1, k2 = med.middle_ranks(total)
                b1, b2 = bisect.bisect_right(ends, k1), bisect.bisect_right(ends, k2)
                requests.append(med.Request(key, m, b1, ends[b1 - 1] if b1 else 0,
                                            *med.coarse_range(b1)))
                if b2 != b1:
                    requests.append(med.Request(key, m, b2, ends[b2 - 1], *med.coarse_range(b2)))
        fine = await self._fine(conn, other, busy, requests, accs)
        for n, (acc, m, total, first) in enumerate(groups):
            end = groups[n + 1][3] if n + 1 < len(groups) else len(requests)
            acc.medians[m] = med.pick(total, requests[first:end], fine[first:end], acc.hours[m])

    def _cell_blocks(self, bucket: dt.date | None) -> list[Block]:
        """The filter's cell blocks, cut to one series bucket."""
        cached = self._clipped.get(bucket)
        if cached is None:
            blocks = [b for t, b in self.cell_blocks if t == 0]
            if self.series is not None and bucket is not None:
                blocks = clip(blocks, bucket, bucket_end(bucket, self.series))
            cached = self._clipped[bucket] = blocks
        return cached

    async def _fine_cells(self, conn: asyncpg.Connection, requests: list[med.Request],
                          accs: dict[tuple[str, dt.date | None], _Acc]) -> list[dict[int, int]]:
        """One-hour counts from the histograms, for cell blocks that have them."""
        fine: list[dict[int, int]] = [{} for _ in requests]
        lvl = self.lvl
        if lvl is None or self.dims:
            return fine
        wanted: list[tuple[int, str, int, str, int, int]] = []  # i, area, src, m, cb, set
        blocks: list[tuple[str, dt.date, dt.date, int]] = []  # g, lo, hi, sign
        sets: dict[dt.date | None, int] = {}
        starts: list[int] = []  # where each set's blocks start (from 1, as SQL arrays)
        for i, r in enumerate(requests):
            s = sets.get(r.key[1])
            if s is None:
                s = sets[r.key[1]] = len(sets)
                starts.append(len(blocks) + 1)
                blocks += [(b.g, b.lo, b.hi, b.sign) for b in self._cell_blocks(r.key[1])
                           if _histogram(lvl, b.g)]
            if lvl == 1 and self.src is None:
                wanted.append((i, r.key[0], 0, r.m, r.b, s))
            elif lvl == 1:
                # The province keeps one-hour histograms for all sources together;
                # one source's are its cities'.
                wanted += [(i, area, src, r.m, r.b, s)
                           for src in sorted(accs[r.key].srcs) for area in _CITY_AREAS]
            else:
                wanted += [(i, r.key[0], src, r.m, r.b, s) for src in sorted(accs[r.key].srcs)]
        if wanted and blocks:
            columns = [list(c) for c in zip(*wanted, strict=True)]
            ranges = [list(c) for c in zip(*blocks, strict=True)]
            if len(sets) == 1:
                rows = await conn.fetch(q.HIST_FINE, *columns, *ranges)
            else:
                starts.append(len(blocks) + 1)
                rows = await conn.fetch(q.HIST_FINE_SETS, *columns, *ranges, starts)
            for row in rows:
                if fine[row["i"]]:  # one request, several sources
                    _add_hours(fine[row["i"]], row["hours"], row["counts"])
                else:
                    fine[row["i"]] = dict(zip(row["hours"], row["counts"], strict=True))
        return fine

    async def _fine(self, conn: asyncpg.Connection, other: asyncpg.Connection | None,
                    busy: asyncio.Task[None] | None, requests: list[med.Request],
                    accs: dict[tuple[str, dt.date | None], _Acc]) -> list[dict[int, int]]:
        """The requests' one-hour counts, from the histograms and the records
        (on ``other`` at the same time, when there is one, once ``busy`` is done
        with it)."""
        if other is not None and requests:
            fine, rows = await _both(self._fine_cells(conn, requests, accs),
                                     self._fine_records(other, requests, busy))
        else:
            fine = await self._fine_cells(conn, requests, accs)
            rows = await self._fine_records(conn, requests)
        if not rows:
            return fine
        # As the rows name them: (key, bucket as sent, measure, coarse bucket).
        index = {(r.key[0], r.key[1] if self.unit else None, r.m, r.b): i
                 for i, r in enumerate(requests)}
        for key, bucket, m, cb, hours, counts in rows:
            i = index.get((key, bucket, m, cb))
            if i is not None:
                _add_hours(fine[i], hours, counts)
        return fine

    async def _fine_records(self, conn: asyncpg.Connection, requests: list[med.Request],
                            busy: asyncio.Task[None] | None = None) -> list[asyncpg.Record]:
        """One-hour counts from the records, for cell blocks without histograms
        (on ``conn`` once ``busy``, if any, is done with it)."""
        lvl = self.lvl
        # The days of the blocks without histograms (those with one are read by
        # _fine_cells when there are no dimensions), of each series bucket, once.
        bare: dict[dt.date | None, list[tuple[dt.date, dt.date, int]]] = {}
        wanted: dict[tuple[str, int, int, dt.date, dt.date, int], None] = {}
        for r in requests:
            days = bare.get(r.key[1])
            if days is None:
                days = bare[r.key[1]] = _day_ranges(
                    b for b in self._cell_blocks(r.key[1])
                    if lvl is None or self.dims or not _histogram(lvl, b.g))
            for first, end, sign in days:
                wanted[(r.m, r.lo, r.hi, first, end, sign)] = None
        if not wanted:
            return []
        if busy is not None:
            # Shielded: ``busy`` is _read's to wait for, whatever becomes of this.
            await asyncio.shield(busy)
        ranges = list(wanted)
        lo, hi = code_range(self.within)
        # Many keys (a table of regions): their lookups' rows as they are (see q.RECORDS_FINE).
        statement = q.RECORDS_FINE_ROWS if len(self.prefixes) > 1 else q.RECORDS_FINE
        rows: list[asyncpg.Record] = await conn.fetch(
            statement, [w[0] for w in ranges], [w[1] for w in ranges],
            [w[2] for w in ranges], [w[3] for w in ranges], [w[4] for w in ranges],
            [w[5] for w in ranges], len(self.prefixes[0]), self.unit, lo, hi, self.category,
            self.group, self.src, [r.key[0] for r in requests],
            [r.key[1] or _NO_BUCKET for r in requests], [r.m for r in requests],
            [r.b for r in requests])
        return rows

    async def _activity_records(self, conn: asyncpg.Connection,
                                accs: dict[tuple[str, dt.date | None], _Acc]) -> None:
        blocks = [(0, b) for b in self.activity_blocks]
        if not blocks:
            return
        lo, hi = code_range(self.within)
        tags, _, los, his, _ = self._ranges(blocks)  # plain covers only (see _cover)
        rows = await conn.fetch(q.BASE_ACTIVITIES, tags, los, his, lo, hi,
                                len(self.prefixes[0]), self.unit, self.src)
        for r in rows:
            acc = accs.get(self._key(r["key"], r["bucket"]))
            if acc is None:
                continue
            acc.activity[0] += r["activities"]
            acc.activity[1] += r["sessions"]
            acc.activity[2] += r["volunteer_attendances"]
            acc.activity[3] += r["beneficiaries"]
            acc.volunteer_hours += r["volunteer_hours"]

    async def _network_records(self, conn: asyncpg.Connection,
                               accs: dict[tuple[str, dt.date | None], _Acc]) -> None:
        lo, hi = code_range(self.within)
        rows = await conn.fetch(q.BASE_NETWORK, lo, hi, len(self.prefixes[0]), self.src)
        found = {r["key"]: (int(r["teams"]), int(r["members"]), int(r["stations"]))
                 for r in rows}
        for (area, _), acc in accs.items():
            acc.network = found.get(area, (0, 0, 0))


def _day_ranges(blocks: Iterable[Block]) -> list[tuple[dt.date, dt.date, int]]:
    """The days ``[lo, hi)`` of blocks, each added or taken away, adjacent
    ones of one sign merged: records are read by their day, whatever grain a
    block has (a block's bounds are period starts, so days too). A category's
    medians up to a day in March read every hour of a coarse bucket in years,
    months and days: one lookup per hour rather than three (the province's
    records over 14 such filters: p50 4.3 -> 3.8 ms, the slowest 9.1 -> 5.5)."""
    out: list[tuple[dt.date, dt.date, int]] = []
    for b in sorted(blocks, key=lambda b: (b.sign, b.lo)):
        if out and out[-1][2] == b.sign and out[-1][1] == b.lo:
            out[-1] = (out[-1][0], b.hi, b.sign)
        else:
            out.append((b.lo, b.hi, b.sign))
    return out


_A = TypeVar("_A")
_B = TypeVar("_B")


async def _both(first: Awaitable[_A], second: Awaitable[_B]) -> tuple[_A, _B]:
    """Both at once. When the first fails, or the caller is cancelled, that
    goes on once the second has ended: its connection is then free to be
    released (see _settle)."""
    task = asyncio.ensure_future(second)
    try:
        a = await first
        b = await asyncio.shield(task)  # the caller's cancellation is not the second's
    except BaseException:
        await _settle(task)
        raise
    return a, b


async def _settle(task: asyncio.Future[_A]) -> None:
    """Wait until ``task`` has ended, its own failure, if any, retrieved (the
    lesser news: not logged). It is not cancelled: asyncpg can leave a
    connection cancelled in the middle of a statement's protocol waiting for
    ever (a statement here takes milliseconds; waiting is the safe way)."""
    await asyncio.wait([task])
    if not task.cancelled():
        task.exception()


def _add_hours(found: dict[int, int], hours: Sequence[int], counts: Sequence[int]) -> None:
    """Adds one-hour counts (hours and their counts as two arrays) into ``found``."""
    for h, n in zip(hours, counts, strict=True):
        found[h] = found.get(h, 0) + n


def _result(acc: _Acc, medians: bool, flow: bool = False) -> StatsResult:
    if (not any(acc.counts) and not acc.overdue and not any(acc.activity)
            and not acc.volunteer_hours and not any(acc.network)
            and all(m is None for m in acc.medians.values())):
        # Nothing counted (every point of a series asking only for the flow,
        # empty days): the shared zero figures, not three new objects each.
        return StatsResult(_ZERO_WISHES, _ZERO_ACTIVITIES, 0, 0, 0,
                           WishFlow(*map(int, acc.flow)) if flow else None)
    # A sum of bigints is numeric: what the records' statements sum may arrive
    # as Decimal. Ints here, as the schema says (and as the serializer takes as is).
    total, pending, open_, claimed, fulfilled, cancelled = map(int, acc.counts[:6])
    live = total - cancelled
    return StatsResult(
        wishes=WishStats(
            submitted=total, open=open_, claimed=claimed, fulfilled=fulfilled,
            cancelled=cancelled, pending=pending,
            fulfillment_rate=fulfilled / live if live > 0 else 0.0,
            median_hours_to_claim=acc.medians.get("c") if medians else None,
            median_hours_to_fulfill=acc.medians.get("f") if medians else None,
            overdue=int(acc.overdue),
        ),
        activities=ActivityStats(
            activities=int(acc.activity[0]), sessions=int(acc.activity[1]),
            volunteer_attendances=int(acc.activity[2]), beneficiaries=int(acc.activity[3]),
            volunteer_hours=float(acc.volunteer_hours),
        ),
        teams=int(acc.network[0]), team_members=int(acc.network[1]),
        stations=int(acc.network[2]),
        flow=WishFlow(*map(int, acc.flow)) if flow else None,
    )


_ZERO_WISHES = WishStats(0, 0, 0, 0, 0, 0, 0.0, None, None, 0)
_ZERO_ACTIVITIES = ActivityStats(0, 0, 0, 0, 0.0)


def empty_result(medians: bool, flow: bool = False) -> StatsResult:
    return _result(_Acc(), medians, flow)
