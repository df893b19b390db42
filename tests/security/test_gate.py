"""Rate limits, CORS, and what the gate leaves alone."""

from __future__ import annotations

import asyncpg

from hub.security.ratelimit import RateLimiter
from tests.security.conftest import TOKENS, auth, config, hub_client

QUERY = {"query": "{ __typename }"}


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_token_bucket_refills_at_its_rate() -> None:
    clock = Clock()
    bucket = RateLimiter(2.0, 3, clock=clock)
    assert [bucket.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take("a") == 0.5  # one token comes in half a second
    assert bucket.take("b") == 0.0  # another caller has its own bucket
    clock.now += 0.5
    assert bucket.take("a") == 0.0
    clock.now += 10
    assert [bucket.take("a") for _ in range(4)][-1] > 0  # never more than the burst


def test_idle_buckets_are_forgotten_when_many() -> None:
    clock = Clock()
    bucket = RateLimiter(1.0, 2, clock=clock, max_tracked=100)
    for i in range(100):
        bucket.take(f"ip:{i}")
    clock.now += 5  # all full again
    bucket.take("ip:new")
    assert len(bucket) == 1


async def test_429_with_retry_after_per_address_and_per_key(clean_db: asyncpg.Pool) -> None:
    cfg = config(security={"rate_limit": {"ip_per_second": 0.5, "ip_burst": 3,
                                          "key_per_second": 0.25, "key_burst": 5}})
    async with hub_client(clean_db, cfg) as client:
        anonymous = [await client.post("/graphql", json=QUERY) for _ in range(4)]
        keyed = [await client.post("/graphql", json=QUERY, headers=auth(TOKENS["viewer"]))
                 for _ in range(6)]
        other_key = await client.post("/graphql", json=QUERY, headers=auth(TOKENS["city"]))
    assert [r.status_code for r in anonymous] == [200, 200, 200, 429]
    limited = anonymous[-1]
    assert limited.headers["retry-after"] == "2"
    assert limited.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    # A key has its own bucket, not the address's.
    assert [r.status_code for r in keyed] == [200] * 5 + [429]
    assert keyed[-1].headers["retry-after"] == "4"
    assert other_key.status_code == 200


async def test_guessing_keys_spends_the_address_bucket(clean_db: asyncpg.Pool) -> None:
    cfg = config(security={"rate_limit": {"ip_per_second": 0.1, "ip_burst": 2}})
    async with hub_client(clean_db, cfg) as client:
        guesses = [await client.post("/graphql", json=QUERY, headers=auth(f"lnhub_guess{i}"))
                   for i in range(3)]
    assert [r.status_code for r in guesses] == [401, 401, 429]


async def test_cors_only_for_the_configured_origins(clean_db: asyncpg.Pool) -> None:
    allowed, stranger = "https://wish.example.cn", "https://evil.example.com"
    cfg = config(security={"cors_origins": [allowed], "rate_limit": {"enabled": False}})
    preflight = {"Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization,content-type"}
    async with hub_client(clean_db, cfg) as client:
        ok = await client.options("/graphql", headers={"Origin": allowed, **preflight})
        bad = await client.options("/graphql", headers={"Origin": stranger, **preflight})
        simple = await client.post("/graphql", json=QUERY, headers={"Origin": stranger})
        refused = await client.post("/graphql", json=QUERY,
                                    headers={"Origin": allowed, **auth("lnhub_wrong")})
    assert ok.status_code == 200
    assert ok.headers["access-control-allow-origin"] == allowed
    assert "authorization" in ok.headers["access-control-allow-headers"].lower()
    assert bad.status_code == 400 and "access-control-allow-origin" not in bad.headers
    assert "access-control-allow-origin" not in simple.headers
    # A refusal carries CORS headers, so the front-end can read why.
    assert refused.status_code == 401
    assert refused.headers["access-control-allow-origin"] == allowed


async def test_no_cors_origin_configured_means_none_allowed(clean_db: asyncpg.Pool) -> None:
    async with hub_client(clean_db, config()) as client:
        r = await client.options("/graphql", headers={
            "Origin": "https://wish.example.cn", "Access-Control-Request-Method": "POST"})
    assert r.status_code == 400 and "access-control-allow-origin" not in r.headers


async def test_graphiql_page_and_other_routes_need_no_key(clean_db: asyncpg.Pool) -> None:
    async with hub_client(clean_db, config(public=False)) as client:
        page = await client.get("/graphql", headers={"Accept": "text/html"})
        query = await client.get("/graphql", params={"query": "{ __typename }"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    assert query.status_code == 401


async def test_websockets_on_graphql_go_to_the_subscriptions_endpoint() -> None:
    """A browser's socket carries no key header: hub.http.subscriptions checks
    its connection_init instead (tests/http/test_subscriptions.py)."""
    from hub.security.gate import GraphQLGate
    from hub.security.runtime import Security

    reached: list[object] = []

    async def app(scope: object, receive: object, send: object) -> None:
        reached.append(scope)

    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return {"type": "websocket.connect"}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    gate = GraphQLGate(app, Security.from_config(config()))
    await gate({"type": "websocket", "path": "/graphql", "headers": []}, receive, send)
    assert sent == [] and len(reached) == 1
