"""盛京使者 (沈阳市): pushed batches of XY wishes and DW teams.

The package is everything the hub knows about the platform: ``translate``
(native bodies to canonical records, and the push envelope), ``seed``
(its dialect for ``hub seed``); tests and fixtures under
``tests/adapters/shengjing/``.
"""

from adapters.base import Platform
from adapters.shengjing.seed import DIALECT, EXAMPLE, NETWORK
from adapters.shengjing.translate import ADAPTER, envelope

PLATFORM = Platform(adapter=ADAPTER, envelope=envelope, dialect=DIALECT, network=NETWORK, example=EXAMPLE)

__all__ = ["ADAPTER", "PLATFORM"]
