"""枫乡 (本溪满族自治县): orders (wishes) and activities, pushed or pulled.

A push (``{"sent_at", "data"}``) and a pull page (``{"data", "next_cursor",
"has_more"}``) carry the same records under ``data`` and share one parse.
Pulled records may lack ``kind``: the puller (``pull.py``) adds the
endpoint's kind (``"order"`` for /open/orders, ``"activity"`` for
/open/activities) to records that lack one before they reach ``parse``.

Translation choices the platform document leaves open:

* submitted = the DIANDAN event (the earliest if several); an order without
  one is dated from its earliest event. claimed = the earliest ZHIDAN or
  SONGDAN event, fulfilled = the earliest WANCHENG event.
* The order's ``team`` is its claimer once the stage is ZHIDAN, SONGDAN or
  WANCHENG; the claim is dated from the claimed event, else the WANCHENG
  event, else the submission. Whenever an order names a team, that team also
  rides along as an inferred side ``TeamRecord`` (version 0, 0 members, the
  county as region) so the hub knows it; the store must never let it
  overwrite a team it holds in a better version.
* 枫乡 has no delete flag: cancelled orders are ``CANCELLED``, not deleted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet

from adapters import _labels
from adapters._batch import Translation, build_batch, id_reader
from adapters._fields import Fields
from adapters._json import decode_object, require_list
from adapters._places import county_of, region_by_code
from adapters.base import json_body
from hub.models import (
    ActivityRecord,
    Batch,
    ClaimantKind,
    ClaimIn,
    Places,
    RecordMeta,
    Region,
    SourceInfo,
    TeamRecord,
    WishKind,
    WishRecord,
    WishStatus,
)
from hub.privacy import mask_key, replace_names, scrubbed_copy

_INFO = SourceInfo(code="fengxiang", name="枫乡", scope_code="210521")

_STAGE = {
    "DIANDAN": WishStatus.OPEN,
    "ZHIDAN": WishStatus.CLAIMED,
    "SONGDAN": WishStatus.CLAIMED,
    "WANCHENG": WishStatus.FULFILLED,
    "QUXIAO": WishStatus.CANCELLED,
}
_EVENT_STAGES = {stage: stage for stage in _STAGE}
_CLAIMED_STAGES = frozenset({"ZHIDAN", "SONGDAN"})
_TEAM_CLAIMS_AT = frozenset({"ZHIDAN", "SONGDAN", "WANCHENG"})
_KIND = {"实物": WishKind.GOODS, "服务": WishKind.SERVICE}
# Pull endpoints and record kinds both name what a pulled page holds.
class FengxiangAdapter:
    info = _INFO

    def parse(self, body: bytes, places: Places) -> Batch:
        """Translate a push, or a pull page whose records all name their ``kind``."""
        envelope = decode_object(body, _INFO.code)
        records = require_list(envelope, "data", _INFO.code)

        def translate(fields: Fields) -> Translation:
            kind = fields.get("kind")
            if kind == "order":
                return _order(fields, places)
            if kind == "activity":
                return _activity(fields, places), ()
            raise fields.invalid("kind", "must be 'order' or 'activity'")

        return build_batch(_INFO.code, records, translate, _source_id, _scrub)


def _order(fields: Fields, places: Places) -> Translation:
    meta = RecordMeta(_INFO.code, fields.ident("order_no"), fields.count("rev"))
    stage = fields.choice("stage", _EVENT_STAGES)
    demand = fields.obj("demand")
    person = fields.opt_obj("person")
    name = None if person is None else person.person_name("name_masked")
    region = _village(fields, places)
    events = _events(fields)
    submitted_at = _first(events, {"DIANDAN"}) or _first(events, set(events))
    if submitted_at is None:
        raise fields.invalid("events", "has no event to date the order from")
    claimed_at = _first(events, _CLAIMED_STAGES)
    fulfilled_at = _first(events, {"WANCHENG"})

    team = fields.opt_obj("team")
    claims: tuple[ClaimIn, ...] = ()
    side: tuple[TeamRecord, ...] = ()
    if team is not None:
        team_ref = team.ident("team_id")
        team_name = team.text("team_name")
        side = (_inferred_team(team, team_ref, team_name, places, region),)
        if stage in _TEAM_CLAIMS_AT:
            at = claimed_at or fulfilled_at or submitted_at
            claims = (ClaimIn(ClaimantKind.TEAM, team_name, at, team_ref),)
    wish = WishRecord(
        meta=meta,
        title=demand.text("text"),
        kind=fields.choice("demand_type", _KIND),
        category=demand.label("tag", _labels.wish_category),
        beneficiary_group=(
            _labels.beneficiary_group(None) if person is None else person.label("group", _labels.beneficiary_group)
        ),
        beneficiary_name=name,
        status=_STAGE[stage],
        region=region,
        submitted_at=submitted_at,
        claimed_at=claimed_at or (claims[0].claimed_at if claims else None),
        fulfilled_at=fulfilled_at,
        claims=claims,
    )
    return wish, side


def _events(fields: Fields) -> dict[str, list[dt.datetime]]:
    """Event times by stage, each list sorted: the platform promises no order."""
    by_stage: dict[str, list[dt.datetime]] = {}
    for event in fields.objects("events"):
        stage = event.choice("stage", _EVENT_STAGES)
        by_stage.setdefault(stage, []).append(event.epoch_ms("at"))
    for times in by_stage.values():
        times.sort()
    return by_stage


def _first(events: Mapping[str, list[dt.datetime]], stages: AbstractSet[str]) -> dt.datetime | None:
    times = [events[stage][0] for stage in stages if stage in events]
    return min(times, default=None)


def _inferred_team(team: Fields, team_ref: str, name: str, places: Places, village: Region) -> TeamRecord:
    return TeamRecord(
        meta=RecordMeta(_INFO.code, team_ref, version=0),
        name=name,
        category=team.label("category", _labels.service_category)
        if team.has("category")
        else _labels.service_category(None),
        region=county_of(places, village.code) or village,
        member_count=0,
        inferred=True,
    )


def _activity(fields: Fields, places: Places) -> ActivityRecord:
    return ActivityRecord(
        meta=RecordMeta(_INFO.code, fields.ident("act_id"), fields.count("rev")),
        title=fields.text("title"),
        category=fields.label("category", _labels.service_category),
        region=_village(fields, places),
        date=fields.date("date"),
        sessions=fields.count("times"),
        volunteer_attendances=fields.count("volunteers"),
        beneficiaries=fields.count("served"),
        volunteer_hours=fields.amount("hours"),
        team_ref=fields.opt_ident("team_id"),
    )


def _village(fields: Fields, places: Places) -> Region:
    return region_by_code(fields, "village_code", places, _INFO.scope_code, digits=(12,))


_source_id = id_reader("order_no", "act_id")


def _scrub(native: Mapping[str, object]) -> tuple[object, list[str]]:
    names: list[str] = []
    clean = scrubbed_copy(native)  # drops person.phone_tail with every contact key
    person = clean.get("person")
    if isinstance(person, dict):
        mask_key(person, "name_masked", names)
    return replace_names(clean, names), names


def envelope(records: Sequence[object], sent_at: dt.datetime | None) -> bytes:
    """A push of ``records`` (``sent_at`` in epoch milliseconds when known)."""
    doc: dict[str, object] = {}
    if sent_at is not None:
        doc["sent_at"] = int(sent_at.timestamp() * 1000)
    doc["data"] = list(records)
    return json_body(doc)


ADAPTER = FengxiangAdapter()
