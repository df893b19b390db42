"""Keys, sources and an app to call, for the security tests."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import httpx

import adapters
from hub.app import create_app
from hub.config import Config, parse_config
from hub.security.keys import hash_token, new_token

# One token per key; the config holds only their hashes.
TOKENS = {
    "province": new_token(),
    "city": new_token(),  # 沈阳市 210100
    "viewer": new_token(),
}
KEY_TABLES: dict[str, dict[str, str]] = {
    "ops-province": {"role": "province", "sha256": hash_token(TOKENS["province"])},
    "ops-shenyang": {"role": "city", "region": "210100", "sha256": hash_token(TOKENS["city"])},
    "frontend": {"role": "viewer", "sha256": hash_token(TOKENS["viewer"])},
}
SOURCES = {
    code: {"token": f"src-{code}-token", "secret": f"src-{code}-secret"}
    for code in adapters.REGISTRY
}


def config(
    *, public: bool = True, security: dict[str, Any] | None = None, **extra: Any
) -> Config:
    raw: dict[str, Any] = {
        "sources": SOURCES,
        "keys": KEY_TABLES,
        "public": {"enabled": public},
        "security": {"rate_limit": {"enabled": False}, **(security or {})},
        **extra,
    }
    return parse_config(raw)


@asynccontextmanager
async def hub_client(pool: asyncpg.Pool, cfg: Config) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(config=cfg, pool=pool)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 4321))
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
        yield client


def auth(token: str | None) -> dict[str, str]:
    return {} if token is None else {"Authorization": f"Bearer {token}"}


async def post(
    client: httpx.AsyncClient, query: str, token: str | None = None, **variables: Any
) -> httpx.Response:
    return await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=auth(token)
    )


def signed(code: str, body: bytes, token: str | None = None) -> dict[str, str]:
    secret = SOURCES[code]["secret"]
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {
        "Authorization": f"Bearer {token if token is not None else SOURCES[code]['token']}",
        "X-Hub-Signature-256": f"sha256={digest}",
        "Content-Type": "application/json",
    }


Poster = Callable[..., Any]
