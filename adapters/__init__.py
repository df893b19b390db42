"""Platform adapters, looked up by source code.

Adding a platform is one new module beside these and one line below.
"""

from __future__ import annotations

from adapters import fengxiang, huludao, shengjing, wenhuayun
from adapters.base import Adapter

REGISTRY: dict[str, Adapter] = {
    shengjing.ADAPTER.info.code: shengjing.ADAPTER,
    fengxiang.ADAPTER.info.code: fengxiang.ADAPTER,
    wenhuayun.ADAPTER.info.code: wenhuayun.ADAPTER,
    huludao.ADAPTER.info.code: huludao.ADAPTER,
}


def get(code: str) -> Adapter | None:
    return REGISTRY.get(code)


__all__ = ["REGISTRY", "Adapter", "get"]
