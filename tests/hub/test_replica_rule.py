"""Which replica a query may use (hub.replicas): up, keeping up, and holding
the reader's own writes. The real standby is in tests/faults/test_replicas.py."""

from __future__ import annotations

import time

from hub.config import ReplicaSettings
from hub.data_version import DataVersion
from hub.replicas import Replicas


def _replicas() -> Replicas:
    found = Replicas(("postgresql:///a", "postgresql:///b"), ReplicaSettings(max_lag_seconds=2),
                     DataVersion(pool=None))
    for replica in found.replicas:
        replica.pool = object()  # a pool that exists; never used here
        replica.version, replica.caught_up_at = 10, time.monotonic()
    return found


def test_a_reader_is_sent_only_to_a_replica_that_has_its_writes() -> None:
    found = _replicas()
    a, b = found.replicas
    b.version = 12
    found.wrote("key:ops", 12)
    needed = found.needed_by(["key:ops", "address:10.0.0.1"], None)
    assert needed == 12
    assert {found.choose(needed) for _ in range(4)} == {b}
    assert {found.choose(0) for _ in range(4)} == {a, b}  # others: in turn
    assert found.needed_by(["key:other"], "13") == 13 and found.choose(13) is None
    assert found.needed_by(["key:other"], "not a number") == 0


def test_a_replica_behind_too_long_or_lost_is_skipped() -> None:
    found = _replicas()
    a, b = found.replicas
    a.caught_up_at = time.monotonic() - 3  # last equal to the primary 3 s ago
    assert {found.choose(0) for _ in range(4)} == {b}
    found.lost(b)
    assert found.choose(0) is None
