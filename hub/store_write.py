"""Applying one translated batch to the store, set-wise.

``apply_batch`` runs inside the caller's transaction (``hub.ingest`` opens
it): either every accepted record of a delivery is stored with its report, or
none. It costs a fixed number of statements per batch whatever its size: one
upsert per record kind, the regions the records name, and for wishes their
claims, mirrors and 葫芦岛 cards.

The rules it enforces, whatever order deliveries arrive in:

* the newest version of each ``(source, source_id)`` wins; an equal or older
  one is a duplicate (also within one batch: the batch is reduced to its
  newest version per key first, the rest count as duplicates);
* a record outside its source's scope, or naming a region the hub cannot
  place, is rejected and never stored;
* side records (an inferred team ...) are stored only where no row exists;
* a provincial mirror is shadowed while the hub holds its city copy;
* a 葫芦岛 pink's status, times and claims derive from its cards.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import asyncpg

from hub import regions as _regions
from hub.errors import IngestError
from hub.models import (
    ActivityRecord,
    Batch,
    ClaimCardRecord,
    Parsed,
    Record,
    Region,
    RegionLevel,
    Rejection,
    StationRecord,
    TeamRecord,
    WishRecord,
    WishStatus,
)
from hub.places import load_places
from hub.report import RecordError, Report
from hub.sql import write as q

R = TypeVar("R", StationRecord, TeamRecord, ActivityRecord, WishRecord, ClaimCardRecord)
# A record and the body index it counts for (None: a side record, uncounted).
_Entry = tuple[R, int | None]
Columns = list[list[Any]]


async def apply_batch(
    conn: asyncpg.Connection, batch: Batch, *, via: str, batch_id: uuid.UUID
) -> Report:
    """Store what ``batch`` holds that is new; returns the delivery's report.

    ``via`` and ``batch_id`` name the delivery; the caller writes the batch
    row, the dead letters (``Report.rejections``) and the source's counters.
    """
    source = await conn.fetchrow(q.SOURCE_BY_CODE, batch.source)
    if source is None:
        raise IngestError(f"source {batch.source!r} is not set up in this database", 503)
    source_pk: int = source["id"]
    rejections = [item for item in batch.items if isinstance(item, Rejection)]
    parsed = _in_scope(
        [item for item in batch.items if isinstance(item, Parsed)],
        batch.source,
        source["scope_code"],
        rejections,
    )
    await _take_locks(conn, source_pk, parsed)
    known = await _ensure_regions(conn, parsed)
    plan = _Plan.of(_placed(parsed, known, rejections))

    writer = _Writer(conn, source_pk, batch.source)
    accepted = 0
    accepted += await writer.kind(plan.stations, q.UPSERT_STATIONS, _station_columns)
    accepted += await writer.kind(plan.teams, q.UPSERT_TEAMS, _team_columns)
    accepted += await writer.kind(plan.activities, q.UPSERT_ACTIVITIES, _activity_columns)
    accepted += await writer.wishes(plan.wishes)
    accepted += await writer.cards(plan.cards)
    await writer.derive_card_wishes(plan.wishes)

    rejections.sort(key=lambda r: r.index)
    rejected = len(rejections)
    return Report(
        batch_id=batch_id,
        received=batch.received,
        accepted=accepted,
        duplicates=batch.received - accepted - rejected,
        rejected=rejected,
        errors=tuple(RecordError(r.index, r.source_id, r.field, r.message) for r in rejections),
        rejections=tuple(rejections),
    )


# ---------------------------------------------------------------- guards


def _in_scope(
    parsed: list[Parsed], source: str, scope: str, rejections: list[Rejection]
) -> list[Parsed]:
    """Records of this source inside its scope; the others become rejections.

    Adapters reject most out-of-scope records themselves; this is the store's
    own guard, so a faulty adapter cannot write outside its region. Side
    records outside the scope are dropped without a word (they are uncounted).
    """
    kept: list[Parsed] = []
    for item in parsed:
        meta = item.record.meta
        problem = _misplaced(item.record, source, scope)
        if problem is not None:
            rejections.append(Rejection(item.index, meta.source_id, *problem, raw=None))
            continue
        side = tuple(s for s in item.side if _misplaced(s, source, scope) is None)
        kept.append(item if side == item.side else Parsed(item.index, item.record, side))
    return kept


def _misplaced(record: Record, source: str, scope: str) -> tuple[str, str] | None:
    if record.meta.source != source:
        return ("source", f"record names source {record.meta.source!r}, not {source!r}")
    if isinstance(record, ClaimCardRecord):
        return None  # a card has no region: its pink's is checked
    code = record.region.code
    if not _within(code, scope):
        return ("region", f"region {code} is outside this source's scope {scope}")
    return None


@functools.lru_cache(maxsize=32768)  # a batch names the same few hundred places
def _within(code: str, scope: str) -> bool:
    return _regions.is_code(code) and _regions.is_within(code, scope)


def _placed(
    parsed: list[Parsed], known: set[str], rejections: list[Rejection]
) -> list[Parsed]:
    """Records whose region the hub holds (after adding new towns and villages)."""
    kept: list[Parsed] = []
    for item in parsed:
        code = _region_code(item.record)
        if code is not None and code not in known:
            message = f"region {code} is not a division the hub knows"
            rejections.append(Rejection(item.index, item.record.meta.source_id, "region",
                                        message, raw=None))
            continue
        side = tuple(s for s in item.side if _region_code(s) in known or _region_code(s) is None)
        kept.append(item if side == item.side else Parsed(item.index, item.record, side))
    return kept


def _region_code(record: Record) -> str | None:
    return None if isinstance(record, ClaimCardRecord) else record.region.code


async def _ensure_regions(conn: asyncpg.Connection, parsed: list[Parsed]) -> set[str]:
    """Create the towns and villages the records name; returns the codes that exist."""
    named: dict[str, Region] = {}
    for item in parsed:
        for record in (item.record, *item.side):
            if not isinstance(record, ClaimCardRecord):
                named.setdefault(record.region.code, record.region)
    new: dict[str, Region] = {}
    for region in named.values():
        if region.level is RegionLevel.VILLAGE and region.parent_code:
            # The village's town by its official name; only a town the
            # reference data does not know is named by its code.
            town = named.get(region.parent_code) or load_places().region(region.parent_code) or Region(
                region.parent_code, region.parent_code, RegionLevel.TOWN,
                region.parent_code[:6])
            new.setdefault(town.code, town)
    for region in named.values():
        if region.level in (RegionLevel.TOWN, RegionLevel.VILLAGE):
            new.setdefault(region.code, region)
    if new:
        ordered = sorted(new.values(), key=lambda r: r.code)  # one order; parents first
        await conn.execute(
            q.INSERT_RECORD_REGIONS,
            [r.code for r in ordered],
            [r.name for r in ordered],
            [r.level.value for r in ordered],
            [r.parent_code for r in ordered],
        )
    rows = await conn.fetch(q.KNOWN_REGIONS, list(named))
    return {r["code"] for r in rows}


async def _take_locks(conn: asyncpg.Connection, source_pk: int, parsed: list[Parsed]) -> None:
    """Advisory locks taken before any row lock, always in this order.

    Without them a mirror and its city copy stored by two concurrent
    transactions would each miss the other (and the mirror would count
    twice); the same holds for a pink and its first card.
    """
    records = [r for item in parsed for r in (item.record, *item.side)]
    wishes = [r for r in records if isinstance(r, WishRecord)]
    if wishes:
        mirrors = any(w.origin is not None for w in wishes)
        await conn.execute(q.LOCK_MIRRORS_EXCLUSIVE if mirrors else q.LOCK_MIRRORS_SHARED)
    cards = any(isinstance(r, ClaimCardRecord) for r in records)
    if cards or any(w.claims_from_cards for w in wishes):
        await conn.execute(q.LOCK_CARDS, source_pk)


# ---------------------------------------------------------------- planning


@dataclass(slots=True)
class _Kind:
    """One record kind of a batch, reduced to one entry per key.

    ``upsert`` entries replace older versions; ``keep`` entries (side records,
    inferred teams) are inserted only where no row exists.
    """

    upsert: dict[str, _Entry[Any]] = field(default_factory=dict)
    keep: dict[str, _Entry[Any]] = field(default_factory=dict)
    seen: list[_Entry[Any]] = field(default_factory=list)

    def add(self, record: Any, index: int | None, *, keep: bool) -> None:
        self.seen.append((record, index))
        table = self.keep if keep else self.upsert
        key = record.meta.source_id
        held = table.get(key)
        if held is None or _rank(record, index) > _rank(held[0], held[1]):
            table[key] = (record, index)

    def finish(self) -> None:
        for key in self.upsert:
            self.keep.pop(key, None)

    def all_entries(self) -> list[_Entry[Any]]:
        return self.seen


def _rank(record: Record, index: int | None) -> tuple[int, bool]:
    # Newest version first; on a tie a counted record beats a side record,
    # and the first of two equal versions stays (strictly greater replaces).
    return (record.meta.version, index is not None)


@dataclass(slots=True)
class _Plan:
    stations: _Kind = field(default_factory=_Kind)
    teams: _Kind = field(default_factory=_Kind)
    activities: _Kind = field(default_factory=_Kind)
    wishes: _Kind = field(default_factory=_Kind)
    cards: _Kind = field(default_factory=_Kind)

    @classmethod
    def of(cls, parsed: Iterable[Parsed]) -> _Plan:
        plan = cls()
        for item in parsed:
            plan._add(item.record, item.index, side=False)
            for side in item.side:
                plan._add(side, None, side=True)
        for kind in (plan.stations, plan.teams, plan.activities, plan.wishes, plan.cards):
            kind.finish()
        return plan

    def _add(self, record: Record, index: int | None, *, side: bool) -> None:
        if isinstance(record, StationRecord):
            self.stations.add(record, index, keep=side)
        elif isinstance(record, TeamRecord):
            self.teams.add(record, index, keep=side or record.inferred)
        elif isinstance(record, ActivityRecord):
            self.activities.add(record, index, keep=side)
        elif isinstance(record, WishRecord):
            self.wishes.add(record, index, keep=side)
        else:
            self.cards.add(record, index, keep=side)


# ---------------------------------------------------------------- writing


class _Writer:
    def __init__(self, conn: asyncpg.Connection, source_pk: int, source: str) -> None:
        self._conn = conn
        self._pk = source_pk
        self._source = source
        self._card_wish_refs: set[str] = set()

    async def kind(
        self, kind: _Kind, sql: str, columns: Callable[[Sequence[Any]], Columns]
    ) -> int:
        """Upsert, then insert-if-absent; returns how many counted records landed."""
        accepted = 0
        for entries, keep in ((kind.upsert, False), (kind.keep, True)):
            if not entries:
                continue
            rows = await self._write(sql, entries, columns, keep)
            accepted += _counted(entries, {r["source_id"] for r in rows})
        return accepted

    async def wishes(self, kind: _Kind) -> int:
        accepted = 0
        columns = _wish_columns(kind, await self._held_origins(kind))
        for entries, keep in ((kind.upsert, False), (kind.keep, True)):
            if not entries:
                continue
            rows = await self._write(q.UPSERT_WISHES, entries, columns, keep)
            accepted += _counted(entries, {r["source_id"] for r in rows})
            await self._replace_claims(entries, rows)
            inserted = [f"{self._source}:{r['source_id']}" for r in rows if r["inserted"]]
            mirrors = await self._conn.fetch(q.UNSHADOWED_MIRRORS, inserted) if inserted else []
            if mirrors:
                await self._conn.execute(q.SHADOW_MIRRORS, [r["id"] for r in mirrors])
        return accepted

    async def _held_origins(self, kind: _Kind) -> set[str]:
        """The origins ("<code>:<id>") of this batch's mirrors whose city copy is held."""
        named = {r.origin for r, _ in kind.all_entries() if r.origin and ":" in r.origin}
        if not named:
            return set()
        pairs = sorted(origin.split(":", 1) for origin in named)
        rows = await self._conn.fetch(q.MIRRORS_HELD, [p[0] for p in pairs],
                                      [p[1] for p in pairs])
        return {f"{r['code']}:{r['source_id']}" for r in rows}

    async def cards(self, kind: _Kind) -> int:
        accepted = 0
        keys = sorted({*kind.upsert, *kind.keep})
        if keys:
            rows = await self._conn.fetch(q.CARD_WISH_REFS, self._pk, keys)
            self._card_wish_refs.update(r["wish_ref"] for r in rows)
        for entries, keep in ((kind.upsert, False), (kind.keep, True)):
            if not entries:
                continue
            rows = await self._write(q.UPSERT_CLAIM_CARDS, entries, _card_columns, keep)
            landed = {r["source_id"] for r in rows}
            accepted += _counted(entries, landed)
            self._card_wish_refs.update(entries[k][0].wish_ref for k in landed)
        return accepted

    async def derive_card_wishes(self, wishes: _Kind) -> None:
        """Widen the pinks' seen times, then derive status, times and claims."""
        pinks = _pink_times(wishes)
        if pinks:
            keys = sorted(pinks)
            await self._conn.execute(
                q.WIDEN_PINK_TIMES, self._pk, keys,
                [pinks[k][0] for k in keys], [pinks[k][1] for k in keys],
            )
        targets = sorted(set(pinks) | self._card_wish_refs)
        if not targets:
            return
        rows = await self._conn.fetch(q.DERIVE_CARD_WISHES, self._pk, targets)
        ids = [r["id"] for r in rows]
        if ids:
            await self._conn.execute(q.DELETE_CLAIMS, ids)
            await self._conn.execute(q.REPLACE_CARD_CLAIMS, ids)

    async def _write(
        self,
        sql: str,
        entries: dict[str, _Entry[Any]],
        columns: Callable[[Sequence[Any]], Columns],
        keep: bool,
    ) -> list[asyncpg.Record]:
        # Sorted by key: concurrent batches lock shared rows in one order.
        records = [entries[k][0] for k in sorted(entries)]
        rows: list[asyncpg.Record] = await self._conn.fetch(
            sql, self._pk, *columns(records), keep)
        return rows

    async def _replace_claims(
        self, entries: dict[str, _Entry[Any]], rows: Sequence[asyncpg.Record]
    ) -> None:
        """The claims of each wish just written, unless its cards provide them."""
        ids: list[int] = []
        wish_ids: list[int] = []
        ordinals: list[int] = []
        kinds: list[str] = []
        names: list[str] = []
        refs: list[str | None] = []
        times: list[dt.datetime] = []
        by_name: list[bool] = []
        for row in rows:
            record: WishRecord = entries[row["source_id"]][0]
            if record.claims_from_cards:
                continue
            if not row["inserted"]:
                ids.append(row["id"])
            for n, claim in enumerate(record.claims, start=1):
                wish_ids.append(row["id"])
                ordinals.append(n)
                kinds.append(claim.claimant_kind.value)
                names.append(claim.claimant_name)
                refs.append(claim.team_ref)
                times.append(claim.claimed_at)
                by_name.append(claim.team_by_name)
        if ids:
            await self._conn.execute(q.DELETE_CLAIMS, ids)
        if wish_ids:
            await self._conn.execute(q.INSERT_CLAIMS, wish_ids, ordinals, kinds, names, refs,
                                     times, by_name)


def _counted(entries: dict[str, _Entry[Any]], landed: set[str]) -> int:
    return sum(1 for key, (_, index) in entries.items() if index is not None and key in landed)


def _least(a: dt.datetime | None, b: dt.datetime | None) -> dt.datetime | None:
    if a is None:
        return b
    return a if b is None else min(a, b)


def _pink_times(wishes: _Kind) -> dict[str, tuple[dt.datetime | None, dt.datetime]]:
    """Per pink code: the earliest open-state time and earliest state time seen.

    Every version counts, duplicates included: the submission time is the
    earliest open state the hub has ever seen, whatever order they came in.
    """
    pinks: dict[str, tuple[dt.datetime | None, dt.datetime]] = {}
    for record, _ in wishes.all_entries():
        if not record.claims_from_cards:
            continue
        at = _state_time(record)
        open_at = at if record.open_state else None
        held = pinks.get(record.meta.source_id)
        if held is not None:
            open_at = _least(held[0], open_at)
            at = min(held[1], at)
        pinks[record.meta.source_id] = (open_at, at)
    return pinks


def _state_time(record: WishRecord) -> dt.datetime:
    """When a pink's own current state began (its ``ts``)."""
    if record.status is WishStatus.FULFILLED and record.fulfilled_at is not None:
        return record.fulfilled_at
    return record.submitted_at


# ---------------------------------------------------------------- columns
# Each returns the arrays its upsert statement unnests, in the statement's order.


@functools.lru_cache(maxsize=32768)  # region codes: Liaoning has ~17,000 villages
def _divisions(code: str) -> tuple[str, str | None]:
    """``(city_code, county_code)`` denormalised from a region code."""
    level = _regions.level_of_code(code)
    city = code[:4] + "00"
    if level in (RegionLevel.PROVINCE, RegionLevel.CITY):
        return city, None
    return city, code[:6]


def _meta_columns(records: Sequence[Any]) -> Columns:
    return [
        [r.meta.source_id for r in records],
        [r.meta.version for r in records],
        [r.meta.deleted for r in records],
    ]


def _place_columns(records: Sequence[Any]) -> Columns:
    codes = [r.region.code for r in records]
    divisions = [_divisions(c) for c in codes]
    return [codes, [d[0] for d in divisions], [d[1] for d in divisions]]


def _station_columns(records: Sequence[StationRecord]) -> Columns:
    return [
        *_meta_columns(records),
        [r.name for r in records],
        [r.level.value for r in records],
        *_place_columns(records),
        [r.parent_ref for r in records],
    ]


def _team_columns(records: Sequence[TeamRecord]) -> Columns:
    return [
        *_meta_columns(records),
        [r.inferred for r in records],
        [r.name for r in records],
        [r.category.value for r in records],
        *_place_columns(records),
        [r.station_ref for r in records],
        [r.member_count for r in records],
    ]


def _activity_columns(records: Sequence[ActivityRecord]) -> Columns:
    return [
        *_meta_columns(records),
        [r.title for r in records],
        [r.category.value for r in records],
        *_place_columns(records),
        [r.station_ref for r in records],
        [r.team_ref for r in records],
        [r.date for r in records],
        [r.sessions for r in records],
        [r.volunteer_attendances for r in records],
        [r.beneficiaries for r in records],
        [float(r.volunteer_hours) for r in records],
    ]


def _wish_columns(
    kind: _Kind, held_origins: set[str]
) -> Callable[[Sequence[WishRecord]], Columns]:
    """The wishes as one array of ``ingest_wish`` rows (UPSERT_WISHES); a pink's
    first times start from every version the batch carried, and a mirror whose
    city copy the hub holds is shadowed."""
    pinks = _pink_times(kind)

    def columns(records: Sequence[WishRecord]) -> Columns:
        return [[_wish_row(r, pinks.get(r.meta.source_id, _NO_TIMES), held_origins)
                 for r in records]]

    return columns


_NO_TIMES: tuple[None, None] = (None, None)


def _wish_row(
    r: WishRecord, first_times: tuple[dt.datetime | None, dt.datetime | None],
    held_origins: set[str],
) -> tuple[Any, ...]:
    """One ``ingest_wish`` row, in its fields' order.

    The enums go as they are: each is a ``StrEnum``, a ``str`` whose text is
    its value, which is what asyncpg encodes (``.value`` cost ~0.3 us each,
    six a wish).
    """
    meta, region = r.meta, r.region.code
    city, county = _divisions(region)
    cards = r.claims_from_cards
    return (
        meta.source_id, meta.version, meta.deleted, r.origin, r.title, r.kind,
        r.category, r.beneficiary_group, r.beneficiary_name, r.status,
        region, city, county, r.station_ref, r.submitted_at, r.claimed_at, r.fulfilled_at,
        r.handling_level, cards,
        r.status if cards else None, _state_time(r) if cards else None,
        first_times[0], first_times[1], r.origin in held_origins,
    )


def _card_columns(records: Sequence[ClaimCardRecord]) -> Columns:
    return [
        *_meta_columns(records),
        [r.wish_ref for r in records],
        [r.claimant_kind.value for r in records],
        [r.claimant_name for r in records],
        [r.fulfilled for r in records],
        [r.at for r in records],
    ]
