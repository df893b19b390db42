"""Everything the hub knows about the platform ``shengjing``."""

from adapters.shengjing.translate import ADAPTER

__all__ = ["ADAPTER"]
