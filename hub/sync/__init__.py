"""Pulling from the platforms that can be pulled (``hub sync``).

``PULLERS`` maps a source code to its paging strategy; adding a pulled
platform is one module beside ``fengxiang`` and one line below. The loop,
retries and cursors are shared (``hub.sync.engine``).
"""

from __future__ import annotations

from adapters.fengxiang import pull as fengxiang
from adapters.wenhuayun import pull as wenhuayun
from hub.errors import SyncError
from hub.sync.base import Puller
from hub.sync.engine import Progress, SyncResult, sync_source
from hub.sync.settings import SyncSettings

PULLERS: dict[str, Puller] = {
    fengxiang.PULLER.code: fengxiang.PULLER,
    wenhuayun.PULLER.code: wenhuayun.PULLER,
}


def puller(code: str) -> Puller:
    """The puller of ``code``, or a ``SyncError`` naming those that exist."""
    found = PULLERS.get(code)
    if found is None:
        known = ", ".join(sorted(PULLERS))
        raise SyncError(f"{code!r} cannot be pulled; pulled platforms: {known}")
    return found


__all__ = ["PULLERS", "Progress", "Puller", "SyncResult", "SyncSettings", "puller", "sync_source"]
