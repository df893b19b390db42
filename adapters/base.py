"""The adapter protocol: one platform's native bytes in, canonical records out.

Like httpx's ``BaseTransport`` it is one method. An adapter parses the body,
validates it, and translates each native record field by field into the
canonical model (never ``Model(**raw)``). A body that is not the platform's
envelope at all raises ``AdapterError``; a record that cannot be translated
becomes a ``Rejection`` naming its index, source id, field and reason, with the
native record minus personal data so that it can be replayed later.

Adapters import only ``hub.models`` (and ``hub.errors`` for ``AdapterError``):
no database, no HTTP, no clock. Region look-ups come through the ``Places``
the hub passes in.
"""

from __future__ import annotations

from typing import Protocol

from hub.models import Batch, Places, SourceInfo


class Adapter(Protocol):
    info: SourceInfo

    def parse(self, body: bytes, places: Places) -> Batch:
        """Translate one native body (a push, or one page of a pull)."""
        ...
