"""GraphQL over HTTP: the graphql-http server audit passes in full, SHOULDs included."""

from __future__ import annotations

from collections import Counter

from tests.ecosystem.conftest import HubServer, run_node


def test_every_audit_of_graphql_http_passes(hub_server: HubServer) -> None:
    results = run_node("audit.mjs", hub_server.graphql)
    counts = Counter(r["status"] for r in results)
    failures = [r for r in results if r["status"] != "ok"]
    print(f"graphql-http audit: {counts['ok']} ok, {counts['warn']} warn, {counts['error']} error")
    assert failures == [], failures
    assert counts["ok"] == len(results) == 61
