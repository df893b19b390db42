"""辽宁文化云 (辽宁省): pulled pages of stations, teams, activities and wishes; can push.

The package is everything the hub knows about the platform: ``translate``
(native bodies to canonical records, and the push envelope), ``pull`` (its paging API), ``seed``
(its dialect for ``hub seed``); tests and fixtures under
``tests/adapters/wenhuayun/``.
"""

from adapters.base import Platform
from adapters.wenhuayun.pull import PULLER
from adapters.wenhuayun.seed import DIALECT, NETWORK
from adapters.wenhuayun.translate import ADAPTER, WenhuayunFault, envelope

PLATFORM = Platform(adapter=ADAPTER, envelope=envelope, dialect=DIALECT, network=NETWORK, puller=PULLER)

__all__ = ["ADAPTER", "PLATFORM", "WenhuayunFault"]
