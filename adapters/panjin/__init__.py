"""盘锦 "微心愿" 台账 (盘锦市): an office's Excel ledger, uploaded as ``.xlsx``; no platform.

The package is everything the hub knows about the source: ``workbook``
(reading an upload's sheets within fixed bounds), ``translate`` (rows to
canonical records, and the envelope that writes rows back into a workbook),
``template`` (the blank workbook the office fills in), ``seed`` (its dialect
for ``hub seed``); tests under ``tests/adapters/panjin/``. It is not pulled.
"""

from adapters.base import Platform
from adapters.panjin.seed import DIALECT
from adapters.panjin.template import TEMPLATE
from adapters.panjin.translate import ADAPTER, MEDIA_TYPE, envelope

PLATFORM = Platform(adapter=ADAPTER, envelope=envelope, dialect=DIALECT, media_type=MEDIA_TYPE,
                    template=TEMPLATE)

__all__ = ["ADAPTER", "PLATFORM"]
