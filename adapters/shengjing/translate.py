"""盛京使者 (沈阳市): pushed batches of XY wishes and DW teams.

Translation choices the platform document leaves open:

* A claimer's time is ``claimTime``; when that is unset the wish's
  ``createTime`` stands in (the only earlier bound known), and the wish's
  ``claimedAt`` is then that same time when it has claimers.
* ``stationName`` is a free-text name, not an id: no station link is made.
* A deleted record (``delFlag`` 1) must still be complete and valid, so that
  the hub stores it as deleted with the rest of its data.
* Claimers of type 个人 are people: their names are masked like ``objName``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from adapters import _labels
from adapters._batch import Translation, build_batch, id_reader
from adapters._clock import BEIJING, epoch_micros
from adapters._fields import Fields
from adapters._json import decode_object, require_list
from adapters._places import county_by_name, county_or_town_by_names
from adapters.base import json_body
from hub.errors import AdapterError
from hub.models import (
    Batch,
    ClaimantKind,
    ClaimIn,
    Places,
    RecordMeta,
    SourceInfo,
    TeamRecord,
    WishKind,
    WishRecord,
    WishStatus,
)
from hub.privacy import mask_key, mask_people, replace_names, scrubbed_copy

_INFO = SourceInfo(code="shengjing", name="盛京使者", scope_code="210100")
_CITY = "沈阳市"

_STATUS = {
    "0": WishStatus.PENDING,
    "1": WishStatus.OPEN,
    "2": WishStatus.CLAIMED,
    "3": WishStatus.FULFILLED,
    "9": WishStatus.CANCELLED,
}
_KIND = {"1": WishKind.GOODS, "2": WishKind.SERVICE}
_CLAIMER = {
    "队伍": ClaimantKind.TEAM,
    "个人": ClaimantKind.VOLUNTEER,
    "企业": ClaimantKind.ENTERPRISE,
    "组织": ClaimantKind.ORGANIZATION,
}
# Claimer types that name an organisation; any other may name a person.
_NON_PERSON_CLAIMERS = frozenset({"队伍", "企业", "组织"})


class ShengjingAdapter:
    info = _INFO

    def parse(self, body: bytes, places: Places) -> Batch:
        envelope = decode_object(body, _INFO.code)
        platform = envelope.get("platform", _INFO.code)
        if platform != _INFO.code:
            raise AdapterError(f"{_INFO.code}: envelope names another platform")
        records = require_list(envelope, "records", _INFO.code)

        def translate(fields: Fields) -> Translation:
            record_type = fields.get("recordType")
            if record_type == "XY":
                return _wish(fields, places), ()
            if record_type == "DW":
                return _team(fields, places), ()
            raise fields.invalid("recordType", "must be 'XY' or 'DW'")

        return build_batch(_INFO.code, records, translate, _source_id, _scrub)


def _meta(fields: Fields, id_key: str) -> RecordMeta:
    return RecordMeta(
        source=_INFO.code,
        source_id=fields.ident(id_key),
        version=epoch_micros(fields.beijing("updateTime")),
        deleted=fields.flag("delFlag"),
    )


def _wish(fields: Fields, places: Places) -> WishRecord:
    meta = _meta(fields, "xyId")
    submitted_at = fields.beijing("createTime")
    claim_time = fields.opt_beijing("claimTime")
    claims = tuple(_claim(claimer, claim_time or submitted_at) for claimer in fields.objects("claimers"))
    return WishRecord(
        meta=meta,
        title=fields.text("xyTitle"),
        kind=fields.choice("xyKind", _KIND),
        category=fields.label("xyType", _labels.wish_category),
        beneficiary_group=fields.label("objType", _labels.beneficiary_group),
        beneficiary_name=fields.person_name("objName"),
        status=fields.choice("status", _STATUS),
        region=county_or_town_by_names(fields, "areaName", "streetName", places, _INFO.scope_code, _CITY),
        submitted_at=submitted_at,
        claimed_at=claim_time or (submitted_at if claims else None),
        fulfilled_at=fields.opt_beijing("finishTime"),
        claims=claims,
    )


def _claim(fields: Fields, claimed_at: dt.datetime) -> ClaimIn:
    kind = fields.choice("type", _CLAIMER)
    name = fields.person_text("name") if kind is ClaimantKind.VOLUNTEER else fields.text("name")
    ref = fields.opt_ident("id")
    return ClaimIn(
        claimant_kind=kind,
        claimant_name=name,
        claimed_at=claimed_at,
        team_ref=ref if kind is ClaimantKind.TEAM else None,
    )


def _team(fields: Fields, places: Places) -> TeamRecord:
    return TeamRecord(
        meta=_meta(fields, "dwId"),
        name=fields.text("dwName"),
        category=fields.label("dwType", _labels.service_category),
        region=county_by_name(fields, "areaName", places, _INFO.scope_code, _CITY),
        member_count=fields.count("memberNum"),
    )


_source_id = id_reader("xyId", "dwId")


def _scrub(native: Mapping[str, object]) -> tuple[object, list[str]]:
    names: list[str] = []
    clean = scrubbed_copy(native)
    clean.pop("objIdCard", None)
    clean.pop("objPhone", None)
    mask_key(clean, "objName", names)
    mask_people(clean.get("claimers"), "name", "type", _NON_PERSON_CLAIMERS, names)
    return replace_names(clean, names), names


def envelope(records: Sequence[object], sent_at: dt.datetime | None) -> bytes:
    """A push of ``records`` (``pushTime`` in Beijing time when the sending time is known)."""
    doc: dict[str, object] = {"platform": _INFO.code}
    if sent_at is not None:
        doc["pushTime"] = sent_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")
    doc["records"] = list(records)
    return json_body(doc)


ADAPTER = ShengjingAdapter()
