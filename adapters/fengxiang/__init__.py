"""Everything the hub knows about the platform ``fengxiang``."""

from adapters.fengxiang.translate import ADAPTER

__all__ = ["ADAPTER"]
