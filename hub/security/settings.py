"""What the ``[public]`` and ``[security]`` tables of ``HUB_CONFIG`` (checked
and declared in ``hub.config``) mean to the security layer.

Every setting, with its type, default and bounds, is declared once in
``hub.config`` and listed in ``docs/operators.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.config import Config, Limits, RateLimits, SubscriptionLimits
from hub.security.roles import Role

__all__ = ["Limits", "RateLimits", "SecuritySettings", "SubscriptionLimits"]


@dataclass(frozen=True, slots=True)
class SecuritySettings:
    """The security tables as the layer uses them (roles as ``Role``); the
    defaults are ``hub.config``'s: ``SecuritySettings.from_config(Config())``."""

    public_enabled: bool
    trusted_documents_only: bool
    trusted_roles: frozenset[Role]
    introspection_roles: frozenset[Role]
    cors_origins: tuple[str, ...]
    cors_allow_localhost: bool
    limits: Limits
    # One knob for the body limit: the endpoint's own (hub.http.graphql checks it too).
    max_body_bytes: int
    rate: RateLimits
    subscriptions: SubscriptionLimits

    def needs_trusted_document(self, role: Role) -> bool:
        return self.trusted_documents_only and role in self.trusted_roles

    def may_introspect(self, role: Role) -> bool:
        return role in self.introspection_roles

    @classmethod
    def from_config(cls, config: Config) -> SecuritySettings:
        sec = config.security
        return cls(
            public_enabled=config.public.enabled,
            trusted_documents_only=sec.trusted_documents_only,
            # Without a key, production always means trusted documents only.
            trusted_roles=frozenset(map(Role, sec.trusted_documents_roles)) | {Role.PUBLIC},
            introspection_roles=frozenset(map(Role, sec.introspection)),
            cors_origins=sec.cors_origins,
            cors_allow_localhost=sec.cors_allow_localhost,
            limits=sec.limits,
            max_body_bytes=config.graphql.max_body_bytes,
            rate=sec.rate_limit,
            subscriptions=sec.subscriptions,
        )
