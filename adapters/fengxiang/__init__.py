"""枫乡 (本溪满族自治县): pushed orders and activities; also pulled.

The package is everything the hub knows about the platform: ``translate``
(native bodies to canonical records, and the push envelope), ``pull`` (its paging API), ``seed``
(its dialect for ``hub seed``); tests and fixtures under
``tests/adapters/fengxiang/``.
"""

from adapters.base import Platform
from adapters.fengxiang.pull import PULLER
from adapters.fengxiang.seed import DIALECT, NETWORK
from adapters.fengxiang.translate import ADAPTER, envelope

PLATFORM = Platform(adapter=ADAPTER, envelope=envelope, dialect=DIALECT, network=NETWORK, puller=PULLER)

__all__ = ["ADAPTER", "PLATFORM"]
