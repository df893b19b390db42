"""葫芦岛微心愿 (葫芦岛市): pink 许愿码 (wishes) and blue 如愿卡 (claims) events.

Each event is translated on its own; the hub, not this adapter, combines
them (a blue card may arrive before its pink code):

* a pink becomes a ``WishRecord`` with ``claims_from_cards=True``, its own
  state (open → OPEN, closed → FULFILLED, withdrawn → CANCELLED),
  ``submitted_at = ts``, ``open_state`` true for ``open`` and
  ``fulfilled_at = ts`` for ``closed``. The store derives CLAIMED/FULFILLED
  and the submission time (earliest open ``ts`` seen) from cards and
  versions;
* a blue becomes a ``ClaimCardRecord`` naming its pink code.

Volunteer claimers are people: their names are masked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from adapters import _labels
from adapters._batch import Translation, build_batch
from adapters._fields import Fields
from adapters._json import decode_object, require_list
from adapters._places import county_by_name
from adapters.base import json_body
from hub.models import (
    Batch,
    ClaimantKind,
    ClaimCardRecord,
    Places,
    RecordMeta,
    SourceInfo,
    WishKind,
    WishRecord,
    WishStatus,
)
from hub.privacy import mask_key, mask_people, replace_names, scrubbed_copy

_INFO = SourceInfo(code="huludao", name="葫芦岛微心愿", scope_code="211400")
_CITY = "葫芦岛市"

_STATE = {
    "open": WishStatus.OPEN,
    "closed": WishStatus.FULFILLED,
    "withdrawn": WishStatus.CANCELLED,
}
_KIND = {"物": WishKind.GOODS, "事": WishKind.SERVICE}
_CLAIMER = {
    "volunteer": ClaimantKind.VOLUNTEER,
    "team": ClaimantKind.TEAM,
    "enterprise": ClaimantKind.ENTERPRISE,
}
_NON_PERSON_CLAIMERS = frozenset({"team", "enterprise"})


class HuludaoAdapter:
    info = _INFO

    def parse(self, body: bytes, places: Places) -> Batch:
        envelope = decode_object(body, _INFO.code)
        events = require_list(envelope, "events", _INFO.code)

        def translate(fields: Fields) -> Translation:
            event_type = fields.get("type")
            if event_type == "pink":
                return _pink(fields, places), ()
            if event_type == "blue":
                return _blue(fields), ()
            raise fields.invalid("type", "must be 'pink' or 'blue'")

        return build_batch(_INFO.code, events, translate, _source_id, _scrub)


def _pink(fields: Fields, places: Places) -> WishRecord:
    meta = RecordMeta(_INFO.code, fields.ident("code"), fields.count("seq"))
    state = fields.choice("state", _STATE)
    at = fields.iso("ts")
    return WishRecord(
        meta=meta,
        title=fields.text("wish"),
        kind=fields.choice("kind", _KIND),
        category=fields.label("cat", _labels.wish_category),
        beneficiary_group=fields.label("who", _labels.beneficiary_group),
        beneficiary_name=fields.person_name("name"),
        status=state,
        region=county_by_name(fields, "county", places, _INFO.scope_code, _CITY),
        submitted_at=at,
        fulfilled_at=at if state is WishStatus.FULFILLED else None,
        claims_from_cards=True,
        open_state=state is WishStatus.OPEN,
    )


def _blue(fields: Fields) -> ClaimCardRecord:
    meta = RecordMeta(_INFO.code, fields.ident("card"), fields.count("seq"))
    by = fields.obj("by")
    kind = by.choice("kind", _CLAIMER)
    name = by.person_text("name") if kind is ClaimantKind.VOLUNTEER else by.text("name")
    fulfilled = fields.required("fulfilled")
    if not isinstance(fulfilled, bool):
        raise fields.invalid("fulfilled", "must be true or false")
    return ClaimCardRecord(
        meta=meta,
        wish_ref=fields.ident("pink"),
        claimant_kind=kind,
        claimant_name=name,
        fulfilled=fulfilled,
        at=fields.iso("ts"),
    )


def _source_id(native: Mapping[str, object]) -> str | None:
    key = "card" if native.get("type") == "blue" else "code"
    value = native.get(key)
    if isinstance(value, str | int) and not isinstance(value, bool):
        return str(value).strip() or None
    return None


def _scrub(native: Mapping[str, object]) -> tuple[object, list[str]]:
    names: list[str] = []
    clean = scrubbed_copy(native)
    mask_key(clean, "name", names)
    mask_people(clean.get("by"), "name", "kind", _NON_PERSON_CLAIMERS, names)
    return replace_names(clean, names), names


def envelope(records: Sequence[object], sent_at: dt.datetime | None) -> bytes:
    """A push of ``records`` (events carry their own times)."""
    return json_body({"events": list(records)})


ADAPTER = HuludaoAdapter()
