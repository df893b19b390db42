"""Token buckets, in process: one per API key, one per client address.

A bucket holds at most ``burst`` tokens and refills at ``rate`` per second; a
request takes one. An empty bucket answers with the seconds until the next
token (the 429's ``Retry-After``). Each worker process keeps its own buckets,
so with N workers a caller gets up to N times the configured rate.

Buckets of idle callers are full again and carry no information; when more
than ``max_tracked`` exist, those are dropped, so a scan from many addresses
cannot grow memory without bound.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    def __init__(
        self,
        rate: float,
        burst: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_tracked: int = 10_000,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._max = max_tracked
        self._buckets: dict[str, _Bucket] = {}

    def take(self, who: str) -> float:
        """0 when ``who`` may go on now, else the seconds to wait."""
        now = self._clock()
        bucket = self._buckets.get(who)
        if bucket is None:
            if len(self._buckets) >= self._max:
                self._forget_idle(now)
            bucket = self._buckets[who] = _Bucket(self.burst, now)
        else:
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.rate)
            bucket.at = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.rate

    def _forget_idle(self, now: float) -> None:
        full = now - self.burst / self.rate
        idle = [k for k, b in self._buckets.items() if b.at <= full]
        for key in idle:
            del self._buckets[key]
        if len(self._buckets) >= self._max:
            # Everyone is busy: forget the oldest half rather than grow.
            by_age = sorted(self._buckets, key=lambda k: self._buckets[k].at)
            for key in by_age[: len(by_age) // 2]:
                del self._buckets[key]

    def __len__(self) -> int:
        return len(self._buckets)


def retry_after(seconds: float) -> str:
    """A ``Retry-After`` value: whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds)))
