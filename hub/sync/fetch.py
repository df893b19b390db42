"""Fetching one page with bounded retries: backoff with full jitter, Retry-After.

What is retried: HTTP 429, 502, 503, 504, time-outs (``timeout`` bounds a
whole request, connect to last byte: a platform trickling bytes cannot hold a
run), connection errors and resets, answers that are not JSON at all (a
proxy's HTML page, a body cut short) and a platform's own "busy" answer
(``RetryableAnswer``). Everything else (401, 404, 500, JSON that is not a
page) is a fault and fails at once, since asking again would only repeat it. After ``max_retries`` retries the page
fails with a ``SyncError`` that says what the last attempt saw.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx

from adapters.base import Page, Puller, RetryableAnswer
from hub.config import SyncSettings
from hub.errors import SyncError

log = logging.getLogger("hub.sync")

_RETRY_STATUSES = frozenset({429, 502, 503, 504})
# A platform refusing a position it once gave usually means it expired.
_HINTS = {
    400: " (if the stored cursor is no longer valid: hub sync CODE --from-start)",
    410: " (the stored cursor has expired: hub sync CODE --from-start)",
}

Sleep = Callable[[float], Awaitable[None]]
# Called before each wait: (what failed, seconds about to be waited).
RetryNotice = Callable[[str, float], None]


@dataclass(slots=True)
class PageFetcher:
    """Asks one platform for pages; one instance per sync run."""

    puller: Puller
    base_url: str
    client: httpx.AsyncClient
    settings: SyncSettings
    on_retry: RetryNotice | None = None
    sleep: Sleep = asyncio.sleep
    rng: random.Random = field(default_factory=random.Random)
    retries: int = 0

    @property
    def page_size(self) -> int:
        return max(1, min(self.settings.page_size, self.puller.max_page_size))

    async def fetch(self, entity: str, position: str | None) -> Page:
        request = self.puller.request(entity, position, self.page_size)
        url = self.base_url.rstrip("/") + request.path
        what = f"{self.puller.code}: GET {request.path}"
        attempts = self.settings.max_retries + 1
        failure = ""
        for attempt in range(1, attempts + 1):
            wait: float | None = None
            try:
                async with asyncio.timeout(self.settings.timeout):
                    response = await self.client.get(
                        url, params=request.params, timeout=self.settings.timeout
                    )
            except (httpx.TimeoutException, TimeoutError):
                failure = f"no answer within {self.settings.timeout:g} s"
            except httpx.TransportError as exc:
                failure = f"cannot reach {self.base_url} ({type(exc).__name__})"
            else:
                if response.status_code in _RETRY_STATUSES:
                    failure = f"HTTP {response.status_code}"
                    wait = self._retry_after(response)
                elif response.status_code != 200:
                    hint = _HINTS.get(response.status_code, "")
                    raise SyncError(f"{what} answered HTTP {response.status_code}{hint}")
                else:
                    try:
                        return self.puller.read(
                            entity, position, self.page_size, response.content
                        )
                    except RetryableAnswer as exc:
                        failure = str(exc)
            if attempt == attempts:
                break
            delay = wait if wait is not None else self._backoff(attempt)
            self.retries += 1
            log.debug("%s: %s; retry %d in %.2f s", what, failure, attempt, delay)
            if self.on_retry is not None:
                self.on_retry(failure, delay)
            await self.sleep(delay)
        raise SyncError(
            f"{what} failed {attempts} time{'s' if attempts > 1 else ''}; last: {failure}"
        )

    def _backoff(self, attempt: int) -> float:
        """Full jitter: uniform over [0, min(max, base * 2**(attempt-1))]."""
        ceiling = min(self.settings.backoff_max, self.settings.backoff_base * 2 ** (attempt - 1))
        return self.rng.uniform(0, ceiling)

    def _retry_after(self, response: httpx.Response) -> float | None:
        seconds = parse_retry_after(response.headers.get("retry-after"))
        if seconds is None:
            return None
        return min(seconds, self.settings.retry_after_max)


def parse_retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    now = now or dt.datetime.now(dt.UTC)
    return max(0.0, (when - now).total_seconds())
