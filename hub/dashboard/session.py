"""Dashboard sessions: a key pasted once, then a signed cookie.

A person signs in by posting a ``province`` or ``city`` key to
``/dashboard/signin``; the hub answers with a session cookie and never
stores or echoes the key. The cookie (``hub_session``; HttpOnly, SameSite
Strict, Secure over HTTPS, 12 hours) holds the key's name, the SHA-256 of its
token (so a key replaced under the same name ends its sessions), an expiry
and a random session id, signed with HMAC-SHA256 under a key kept in the
database (``hub_secrets``, one for every worker).

CSRF: every form post carries a token derived from the session (or, before
signing in, from a ``hub_csrf`` cookie: double submit), and the page's
``/graphql`` calls send it in ``X-CSRF-Token``: the gate
(``hub.security.gate``) takes a cookie as a caller only with that header, so
another site can neither post forms nor run queries as the signed-in person
(SameSite already keeps the cookie off its requests; this does not rely on it).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass

import asyncpg

from hub.security.keys import ApiKey, KeyRing
from hub.security.roles import Caller, Role

__all__ = [
    "COOKIE",
    "CSRF_COOKIE",
    "CSRF_HEADER",
    "LIFETIME_SECONDS",
    "Session",
    "SessionSigner",
    "signer",
]

COOKIE = "hub_session"
CSRF_COOKIE = "hub_csrf"
CSRF_HEADER = "x-csrf-token"
LIFETIME_SECONDS = 12 * 3600
DASHBOARD_ROLES = (Role.PROVINCE, Role.CITY)

_SECRET = """
with made as (
    insert into hub_secrets (name, value) values ('dashboard_session', $1)
    on conflict (name) do nothing
    returning value
)
select value from made union all
select value from hub_secrets where name = 'dashboard_session'
limit 1
"""


@dataclass(frozen=True, slots=True)
class Session:
    key: ApiKey
    sid: str  # random, per sign-in
    expires: int  # epoch seconds

    def caller(self, address: str | None) -> Caller:
        return self.key.caller(address)


class SessionSigner:
    """Signs and reads session cookies and CSRF tokens under one secret."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _mac(self, purpose: str, data: bytes) -> str:
        digest = hmac.new(self._secret, purpose.encode() + b"\0" + data, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def issue(self, key: ApiKey, now: float | None = None) -> str:
        payload = json.dumps({"n": key.name, "h": key.sha256, "s": secrets.token_urlsafe(16),
                              "e": int((now or time.time()) + LIFETIME_SECONDS)},
                             separators=(",", ":")).encode()
        body = base64.urlsafe_b64encode(payload).decode().rstrip("=")
        return f"{body}.{self._mac('session', body.encode())}"

    def read(self, value: str | None, keys: KeyRing, now: float | None = None) -> Session | None:
        """The session a cookie names, if its signature holds, it has not
        expired and its key still exists unchanged with a dashboard role."""
        if not value or value.count(".") != 1 or len(value) > 1024:
            return None
        body, mac = value.split(".")
        if not hmac.compare_digest(mac, self._mac("session", body.encode())):
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        except (ValueError, UnicodeDecodeError):
            return None
        if not isinstance(data, dict) or not isinstance(data.get("e"), int):
            return None
        if data["e"] < (now or time.time()):
            return None
        key = keys.by_sha256(str(data.get("h")))
        if key is None or key.name != data.get("n") or key.role not in DASHBOARD_ROLES:
            return None
        return Session(key, str(data.get("s")), data["e"])

    def csrf_for(self, session: Session | None, anonymous: str | None) -> str:
        """The CSRF token forms and the page's requests must send: bound to the
        session, or before signing in to the ``hub_csrf`` cookie's value."""
        seed = f"s:{session.sid}" if session is not None else f"a:{anonymous or ''}"
        return self._mac("csrf", seed.encode())

    def csrf_ok(self, sent: str | None, session: Session | None, anonymous: str | None) -> bool:
        if not sent or (session is None and not anonymous):
            return False
        return hmac.compare_digest(sent, self.csrf_for(session, anonymous))


async def signer(state: object, pool: asyncpg.Pool) -> SessionSigner:
    """The application's signer, its secret read (or made) once per process."""
    found = getattr(state, "dashboard_signer", None)
    if isinstance(found, SessionSigner):
        return found
    secret = await pool.fetchval(_SECRET, secrets.token_bytes(32))
    made = SessionSigner(bytes(secret))
    setattr(state, "dashboard_signer", made)  # noqa: B010 (starlette's State)
    return made


def cookies_of(headers: Mapping[str, str] | list[tuple[bytes, bytes]]) -> dict[str, str]:
    """Cookies of a request from its raw headers (the gate has no Request)."""
    raw = []
    items = headers.items() if isinstance(headers, Mapping) else headers
    for k, v in items:
        name = k.decode("latin-1") if isinstance(k, bytes) else k
        if name.lower() == "cookie":
            raw.append(v.decode("latin-1") if isinstance(v, bytes) else v)
    out: dict[str, str] = {}
    for line in raw:
        for part in line.split(";"):
            name, sep, value = part.strip().partition("=")
            if sep and name not in out:
                out[name] = value
    return out
