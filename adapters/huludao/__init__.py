"""葫芦岛微心愿 (葫芦岛市): pushed pink 许愿码 and blue 如愿卡 events.

The package is everything the hub knows about the platform: ``translate``
(native bodies to canonical records, and the push envelope), ``seed``
(its dialect for ``hub seed``); tests and fixtures under
``tests/adapters/huludao/``.
"""

from adapters.base import Platform
from adapters.huludao.seed import DIALECT
from adapters.huludao.translate import ADAPTER, envelope

PLATFORM = Platform(adapter=ADAPTER, envelope=envelope, dialect=DIALECT)

__all__ = ["ADAPTER", "PLATFORM"]
