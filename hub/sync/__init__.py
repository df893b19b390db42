"""Pulling from the platforms that can be pulled (``hub sync``).

``PULLERS`` maps a source code to its paging strategy: the ``puller`` of
every registered platform that has one (``adapters/<code>/pull.py``). The
loop, retries and cursors are shared (``hub.sync.engine``).
"""

from __future__ import annotations

import adapters
from adapters.base import Puller
from hub.config import SyncSettings
from hub.errors import SyncError
from hub.sync.engine import Progress, SyncResult, sync_source

PULLERS: dict[str, Puller] = {
    code: platform.puller for code, platform in adapters.REGISTRY.items() if platform.puller
}


def puller(code: str) -> Puller:
    """The puller of ``code``, or a ``SyncError`` naming those that exist."""
    found = PULLERS.get(code)
    if found is None:
        known = ", ".join(sorted(PULLERS))
        raise SyncError(f"{code!r} cannot be pulled; pulled platforms: {known}")
    return found


__all__ = ["PULLERS", "Progress", "Puller", "SyncResult", "SyncSettings", "puller", "sync_source"]
