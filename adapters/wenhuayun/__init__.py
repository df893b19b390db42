"""Everything the hub knows about the platform ``wenhuayun``."""

from adapters.wenhuayun.translate import ADAPTER, WenhuayunFault

__all__ = ["ADAPTER", "WenhuayunFault"]
