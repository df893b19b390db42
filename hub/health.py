"""Source health, as the API shows it.

NEVER_SYNCED until a source delivered anything; FAILING when its last sync
or push failed after its last success (it is down, unreachable, or sent what
is not its envelope); STALE when nothing arrived for ``[health]
stale_after_hours`` (default 24); otherwise HEALTHY. Whether its data is good
is apart (``data_health``): a delivery whose every record was rejected came
from a platform that is up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from hub.config import Config
from hub.models import SourceDataHealth, SourceHealth


def stale_after(config: Config) -> dt.timedelta:
    return dt.timedelta(hours=config.health.stale_after_hours)


def source_health(row: Mapping[str, Any], now: dt.datetime, config: Config) -> SourceHealth:
    """Health from a ``sources`` row (``last_received_at``, ``last_success_at``,
    ``last_failure_at``); pure, so the API and tests can pass any ``now``.

    A delivery that could not be read, a pull that failed and a store failure
    set ``last_failure_at``; a delivery whose every record was rejected sets
    ``last_rejected_at`` instead;
    every stored delivery sets ``last_success_at`` and ``last_received_at``.
    """
    received = row["last_received_at"]
    failed = row["last_failure_at"]
    succeeded = row["last_success_at"]
    if received is None and failed is None:
        return SourceHealth.NEVER_SYNCED
    if failed is not None and (succeeded is None or failed > succeeded):
        return SourceHealth.FAILING
    if received is None or now - received > stale_after(config):
        return SourceHealth.STALE
    return SourceHealth.HEALTHY


def data_health(row: Mapping[str, Any]) -> SourceDataHealth:
    """REJECTED while the source's newest delivery had every record rejected
    (``last_rejected_at`` after ``last_success_at``): it is up, its data is bad."""
    rejected = row["last_rejected_at"]
    succeeded = row["last_success_at"]
    if rejected is not None and (succeeded is None or rejected > succeeded):
        return SourceDataHealth.REJECTED
    return SourceDataHealth.OK
