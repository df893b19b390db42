"""The platforms, looked up by source code.

``REGISTRY`` is the only list of platforms: ingest, replays, pulling,
seeding, the sources' rows and the tests all derive from it. Adding a
platform is one package beside these (``adapters/<code>/``, see
``docs/adapters.md``) and one line below.
"""

from __future__ import annotations

from adapters import fengxiang, huludao, panjin, shengjing, wenhuayun
from adapters.base import Adapter, Platform

REGISTRY: dict[str, Platform] = {
    p.code: p
    for p in (
        shengjing.PLATFORM,
        fengxiang.PLATFORM,
        wenhuayun.PLATFORM,
        huludao.PLATFORM,
        panjin.PLATFORM,
    )
}


def get(code: str) -> Platform | None:
    return REGISTRY.get(code)


__all__ = ["REGISTRY", "Adapter", "Platform", "get"]
