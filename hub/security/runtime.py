"""What the security layer holds for one application: settings, keys, rate
limiters and the trusted documents, built once from the configuration."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hub.config import Config
from hub.security.documents import TrustedDocuments
from hub.security.keys import KeyRing
from hub.security.ratelimit import RateLimiter
from hub.security.roles import ANONYMOUS, Caller
from hub.security.settings import SecuritySettings


@dataclass
class Security:
    settings: SecuritySettings
    keys: KeyRing
    documents: TrustedDocuments
    key_limiter: RateLimiter | None = None
    ip_limiter: RateLimiter | None = None

    def wait_for(self, caller: Caller) -> float:
        """Spend one token of the caller's bucket (its key's, else its address's):
        the seconds to wait before trying again, 0 when allowed."""
        if caller.name is not None:
            limiter, who = self.key_limiter, f"key:{caller.name}"
        else:
            limiter, who = self.ip_limiter, f"ip:{caller.address}"
        return limiter.take(who) if limiter is not None else 0.0

    @classmethod
    def from_config(cls, config: Config) -> Security:
        """Checks every security setting and key: a bad one fails at start-up."""
        settings = SecuritySettings.from_config(config)
        rate = settings.rate
        return cls(
            settings=settings,
            keys=KeyRing.from_config(config),
            documents=TrustedDocuments(),
            key_limiter=RateLimiter(rate.key_per_second, rate.key_burst) if rate.enabled else None,
            ip_limiter=RateLimiter(rate.ip_per_second, rate.ip_burst) if rate.enabled else None,
        )


def settings_of(context: Any) -> SecuritySettings:
    """The settings behind a GraphQL context (the app's, else from its config)."""
    request = getattr(context, "request", None)
    app = getattr(request, "app", None) if request is not None else None
    security = getattr(getattr(app, "state", None), "security", None)
    if isinstance(security, Security):
        return security.settings
    config = getattr(context, "config", None)
    return SecuritySettings.from_config(config if isinstance(config, Config) else Config())


def caller_of(context: Any) -> Caller:
    caller = getattr(context, "caller", None)
    return caller if isinstance(caller, Caller) else ANONYMOUS
