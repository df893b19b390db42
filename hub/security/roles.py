"""Roles, and the caller of one request.

``province`` reads everything; ``city`` reads everything public, and operator
data and mutations only for its own region and below; ``viewer`` (a front-end
team's key) and ``public`` (no key, when ``[public] enabled``) read the public
schema. Source keys are not roles: they only push to ``/ingest/{code}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hub import regions


class Role(StrEnum):
    PROVINCE = "province"
    CITY = "city"
    VIEWER = "viewer"
    PUBLIC = "public"


# The roles a key may be given; ``public`` is the absence of a key.
KEY_ROLES = (Role.PROVINCE, Role.CITY, Role.VIEWER)


@dataclass(frozen=True, slots=True)
class Caller:
    role: Role
    name: str | None = None  # the key's name; None without a key
    region: str | None = None  # a city key's region code
    address: str | None = None  # client address, for the per-IP limit

    @property
    def is_operator(self) -> bool:
        return self.role in (Role.PROVINCE, Role.CITY)

    @property
    def sees_villages(self) -> bool:
        """Exact villages of beneficiaries: city and province keys only."""
        return self.is_operator

    @property
    def actor(self) -> str:
        """How the audit log names this caller."""
        return self.name if self.name is not None else f"anonymous@{self.address or '?'}"

    def covers(self, region_code: str) -> bool:
        """Whether operator data and mutations of ``region_code`` are this caller's."""
        if self.role is Role.PROVINCE:
            return True
        if self.role is Role.CITY and self.region is not None:
            return regions.is_code(region_code) and regions.is_within(region_code, self.region)
        return False


ANONYMOUS = Caller(Role.PUBLIC)
