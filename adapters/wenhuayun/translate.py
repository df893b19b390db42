"""辽宁文化云 (辽宁省): stations, teams, activities and wishes, pulled or pushed.

A pull page (``{"code": 0, "msg", "total", "page", "page_size", "items"}``)
and a push (``{"code": 0, "items"}``) share one parse. Pulled items may lack
``entity``: the puller (``pull.py``) adds the endpoint's entity (``station``
… ``wish``) to items that lack one before they reach ``parse``.
A ``code`` other than 0 raises ``WenhuayunFault`` (an ``AdapterError``)
carrying the code, so the caller can wait and retry on 5003 (系统繁忙).

Translation choices the platform document leaves open:

* A claimer's time is ``claim_time``, else ``submit_time``; the wish's
  ``claimedAt`` is then that same time when it has claimers.
* Only a claimer of kind 队伍 links to a team (``team_id``); 志愿者 names
  are masked.
* ``origin`` must read ``<code>:<id>`` naming another platform; it is
  passed on for the store to count the wish once.
* ``port_id`` is not translated: the station's division code places it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence

from adapters import _labels
from adapters._batch import Translation, build_batch
from adapters._clock import epoch_micros
from adapters._fields import Fields
from adapters._json import decode_object, require_list
from adapters._places import region_by_code
from adapters.base import json_body
from hub.errors import AdapterError
from hub.models import (
    ActivityRecord,
    Batch,
    ClaimantKind,
    ClaimIn,
    Places,
    RecordMeta,
    Region,
    SourceInfo,
    StationLevel,
    StationRecord,
    TeamRecord,
    WishKind,
    WishRecord,
    WishStatus,
)
from hub.privacy import mask_key, mask_people, redact_text, replace_names, scrubbed_copy

_INFO = SourceInfo(code="wenhuayun", name="辽宁文化云", scope_code="210000")

_STATE = {
    "待审核": WishStatus.PENDING,
    "待认领": WishStatus.OPEN,
    "已认领": WishStatus.CLAIMED,
    "已实现": WishStatus.FULFILLED,
    "已撤销": WishStatus.CANCELLED,
}
_KIND = {"实物": WishKind.GOODS, "服务": WishKind.SERVICE}
_LEVEL = {
    "中心": StationLevel.CENTER,
    "所": StationLevel.INSTITUTE,
    "站": StationLevel.STATION,
    "点": StationLevel.POINT,
}
_CLAIMER = {
    "志愿者": ClaimantKind.VOLUNTEER,
    "队伍": ClaimantKind.TEAM,
    "企业": ClaimantKind.ENTERPRISE,
    "组织": ClaimantKind.ORGANIZATION,
}
_NON_PERSON_CLAIMERS = frozenset({"队伍", "企业", "组织"})
_ID_KEYS = {
    "station": "station_id",
    "team": "team_id",
    "activity": "activity_id",
    "wish": "wish_id",
}
_ORIGIN = re.compile(r"([a-z][a-z0-9_]*):(\S.*)")


class WenhuayunFault(AdapterError):
    """The platform answered ``code`` ≠ 0 (5003: busy, wait and retry)."""

    def __init__(self, code: object, message: str) -> None:
        super().__init__(message, "PLATFORM_ERROR")
        self.code = code


class WenhuayunAdapter:
    info = _INFO

    def parse(self, body: bytes, places: Places) -> Batch:
        """Translate a push, or a pull page whose items all name their ``entity``."""
        envelope = decode_object(body, _INFO.code)
        code = envelope.get("code")
        if isinstance(code, bool) or not isinstance(code, int):
            raise AdapterError(f"{_INFO.code}: envelope has no integer 'code'")
        if code != 0:
            msg = envelope.get("msg")
            said = redact_text(msg[:60]) if isinstance(msg, str) else ""
            raise WenhuayunFault(code, f"{_INFO.code}: platform answered code {code} {said}")
        items = require_list(envelope, "items", _INFO.code)

        def translate(fields: Fields) -> Translation:
            entity = fields.get("entity")
            if entity == "station":
                return _station(fields, places), ()
            if entity == "team":
                return _team(fields, places), ()
            if entity == "activity":
                return _activity(fields, places), ()
            if entity == "wish":
                return _wish(fields, places), ()
            raise fields.invalid("entity", "must be station, team, activity or wish")

        def source_id(native: Mapping[str, object]) -> str | None:
            entity = native.get("entity")
            key = _ID_KEYS.get(entity) if isinstance(entity, str) else None
            value = native.get(key) if key else None
            if isinstance(value, str | int) and not isinstance(value, bool):
                return str(value).strip() or None
            return None

        return build_batch(_INFO.code, items, translate, source_id, _scrub)


def _meta(fields: Fields, id_key: str) -> RecordMeta:
    return RecordMeta(
        source=_INFO.code,
        source_id=fields.ident(id_key),
        version=epoch_micros(fields.iso("updated_at")),
        deleted=fields.flag("deleted"),
    )


def _region(fields: Fields, places: Places) -> Region:
    return region_by_code(fields, "division_code", places, _INFO.scope_code, digits=(6, 9, 12))


def _station(fields: Fields, places: Places) -> StationRecord:
    return StationRecord(
        meta=_meta(fields, "station_id"),
        name=fields.text("name"),
        level=fields.choice("level", _LEVEL),
        region=_region(fields, places),
        parent_ref=fields.opt_ident("parent_id"),
    )


def _team(fields: Fields, places: Places) -> TeamRecord:
    return TeamRecord(
        meta=_meta(fields, "team_id"),
        name=fields.text("name"),
        category=fields.label("service_type", _labels.service_category),
        region=_region(fields, places),
        member_count=fields.count("member_count"),
        station_ref=fields.opt_ident("station_id"),
    )


def _activity(fields: Fields, places: Places) -> ActivityRecord:
    return ActivityRecord(
        meta=_meta(fields, "activity_id"),
        title=fields.text("title"),
        category=fields.label("service_type", _labels.service_category),
        region=_region(fields, places),
        date=fields.date("date"),
        sessions=fields.count("sessions"),
        volunteer_attendances=fields.count("volunteer_times"),
        beneficiaries=fields.count("beneficiary_times"),
        volunteer_hours=fields.amount("service_hours"),
        team_ref=fields.opt_ident("team_id"),
        station_ref=fields.opt_ident("station_id"),
    )


def _wish(fields: Fields, places: Places) -> WishRecord:
    meta = _meta(fields, "wish_id")
    submitted_at = fields.iso("submit_time")
    claim_time = fields.opt_iso("claim_time")
    claims = tuple(_claim(claimer, claim_time or submitted_at) for claimer in fields.objects("claimers"))
    return WishRecord(
        meta=meta,
        title=fields.text("title"),
        kind=fields.choice("goods_or_service", _KIND),
        category=fields.label("wish_type", _labels.wish_category),
        beneficiary_group=fields.label("target_group", _labels.beneficiary_group),
        beneficiary_name=fields.person_name("target_name"),
        status=fields.choice("state", _STATE),
        region=_region(fields, places),
        submitted_at=submitted_at,
        claimed_at=claim_time or (submitted_at if claims else None),
        fulfilled_at=fields.opt_iso("done_time"),
        claims=claims,
        station_ref=fields.opt_ident("station_id"),
        origin=_origin(fields),
    )


def _claim(fields: Fields, claimed_at: dt.datetime) -> ClaimIn:
    kind = fields.choice("kind", _CLAIMER)
    name = fields.person_text("name") if kind is ClaimantKind.VOLUNTEER else fields.text("name")
    team_ref = fields.opt_ident("team_id")
    return ClaimIn(
        claimant_kind=kind,
        claimant_name=name,
        claimed_at=claimed_at,
        team_ref=team_ref if kind is ClaimantKind.TEAM else None,
    )


def _origin(fields: Fields) -> str | None:
    origin = fields.opt_text("origin")
    if origin is None:
        return None
    match = _ORIGIN.fullmatch(origin)
    if match is None or match.group(1) == _INFO.code:
        raise fields.invalid("origin", "must read '<platform code>:<id>' of another platform")
    return origin


def _scrub(native: Mapping[str, object]) -> tuple[object, list[str]]:
    names: list[str] = []
    clean = scrubbed_copy(native)
    mask_key(clean, "target_name", names)
    mask_people(clean.get("claimers"), "name", "kind", _NON_PERSON_CLAIMERS, names)
    return replace_names(clean, names), names


def envelope(records: Sequence[object], sent_at: dt.datetime | None) -> bytes:
    """A push of ``records`` (the platform's pushes carry no time)."""
    return json_body({"code": 0, "items": list(records)})


ADAPTER = WenhuayunAdapter()
