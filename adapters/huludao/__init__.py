"""Everything the hub knows about the platform ``huludao``."""

from adapters.huludao.translate import ADAPTER

__all__ = ["ADAPTER"]
