"""What one delivery did: the report a push answers with."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from hub.models import Rejection


@dataclass(frozen=True, slots=True)
class RecordError:
    index: int
    source_id: str | None
    field: str
    message: str


@dataclass(frozen=True, slots=True)
class Report:
    """``received = accepted + duplicates + rejected``.

    ``rejections`` are the rejected records themselves (with their scrubbed
    raw form) for the dead-letter store; they are not part of the JSON.
    """

    batch_id: uuid.UUID
    received: int
    accepted: int
    duplicates: int
    rejected: int
    errors: tuple[RecordError, ...] = ()
    rejections: tuple[Rejection, ...] = field(default=(), repr=False)

    def to_json(self) -> dict[str, object]:
        """The JSON object of the push response (``docs/platforms/README.md``)."""
        return {
            "batchId": str(self.batch_id),
            "received": self.received,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "errors": [
                {"index": e.index, "sourceId": e.source_id, "field": e.field,
                 "message": e.message}
                for e in self.errors
            ],
        }
