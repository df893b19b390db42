"""Client mistakes are answered with a code and what to change — never "internal
error", never an ERROR log line, never quoting the values sent (issue 17)."""

from __future__ import annotations

import base64
import logging
from typing import Any

import httpx
import pytest

# What a client may see as extensions.code for its own mistakes.
CLIENT_CODES = {"BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED",
                "BAD_REQUEST", "FORBIDDEN", "UNAUTHENTICATED"}
ID_NUMBER = 210102198001011234  # an ID number sent where an Int belongs
PHONE_TEXT = "王某某+8613812345678"


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


# (what, query, variables, text that must not come back or be logged)
MISTAKES: list[tuple[str, str, dict[str, Any], str | None]] = [
    ("DateTime without offset (variable)",
     "query($d: DateTime) { wishes(filter: {submittedFrom: $d}) { totalCount } }",
     {"d": "2026-01-01"}, "2026-01-01"),
    ("DateTime without offset (literal)",
     '{ wishes(filter: {submittedFrom: "2026-01-01"}) { totalCount } }', {}, None),
    ("DateTime that is not a date", "query($d: DateTime) { wishes(filter: {submittedTo: $d}) "
     "{ totalCount } }", {"d": "王某某 yesterday"}, "王某某"),
    ("String for an Int", "query($n: Int) { wishes(first: $n) { totalCount } }",
     {"n": "abc"}, None),
    ("ID number as an Int", "query($n: Int) { wishes(first: $n) { totalCount } }",
     {"n": ID_NUMBER}, str(ID_NUMBER)),
    ("Int beyond 32 bits (literal)", "{ wishes(first: 99999999999) { totalCount } }", {}, None),
    ("Float for an Int", "query($n: Int) { wishes(first: $n) { totalCount } }",
     {"n": 1.5}, None),
    ("negative first", "{ wishes(first: -3) { totalCount } }", {}, None),
    ("bad enum (variable)", "query($s: [WishStatus!]) { wishes(filter: {status: $s}) "
     "{ totalCount } }", {"s": [PHONE_TEXT]}, "8613812345678"),
    ("bad enum (literal)", "{ wishes(filter: {status: [NOPE]}) { totalCount } }", {}, None),
    ("bad Date (variable)", "query($d: Date) { stats(filter: {from: $d}) { teams } }",
     {"d": "2026-13-45"}, "2026-13-45"),
    ("bad Date (literal)", '{ stats(filter: {from: "2026-02-30"}) { teams } }', {}, None),
    ("Date in full-width digits", "query($d: Date) { stats(filter: {to: $d}) { teams } }",
     {"d": "２０２６-01-01"}, "２０２６"),
    ("NUL in a String (variable)", "query($s: String) { wishes(filter: {search: $s}) "
     "{ totalCount } }", {"s": "轮椅\x00"}, None),
    ("NUL in a String (literal)", '{ wishes(filter: {search: "a\\u0000b"}) { totalCount } }',
     {}, None),
    ("out-of-range global id", "query($id: ID!) { node(id: $id) { id } }",
     {"id": _b64("Wish:99999999999999999999999")}, None),
    ("negative wish id", "query($id: ID!) { wish(id: $id) { id } }",
     {"id": _b64("Wish:-1")}, None),
    ("malformed id", 'query($id: ID!) { node(id: $id) { id } }', {"id": "!!not-an-id"}, None),
    ("id in other digits", "query($id: ID!) { node(id: $id) { id } }",
     {"id": _b64("Team:١٢")}, None),
    ("malformed team id", "query($t: ID) { wishes(filter: {claimedByTeam: $t}) "
     "{ totalCount } }", {"t": _b64("Team:x")}, None),
    ("garbage cursor", 'query($a: String) { wishes(after: $a) { totalCount } }',
     {"a": "garbage"}, None),
    ("not a region code", "query($r: String) { wishes(filter: {regionCode: $r}) "
     "{ totalCount } }", {"r": "13812345678"}, "13812345678"),
    ("year 10000 (MONTH)", '{ statsSeries(granularity: MONTH, filter: {from: "0001-01-01", '
     'to: "9999-12-31"}) { start } }', {}, None),
    ("year 10000 (YEAR, stats)", '{ stats(filter: {to: "9999-12-31"}) { teams } }', {}, None),
    ("a series of 40,000 days", '{ statsSeries(granularity: DAY, filter: {from: "1990-01-01", '
     'to: "2100-01-01"}) { start } }', {}, None),
    ("negative overdue days", "{ stats { wishes { overdue(days: -1) } } }", {}, None),
    ("overdue days beyond the calendar", "{ stats { wishes { overdue(days: 2000000000) } } }",
     {}, None),
    ("object for a String", "query($s: String) { wishes(filter: {search: $s}) { totalCount } }",
     {"s": {"name": PHONE_TEXT}}, "8613812345678"),
    ("unknown input field", "query($f: WishFilter) { wishes(filter: $f) { totalCount } }",
     {"f": {"phone": PHONE_TEXT}}, "8613812345678"),
    ("required variable missing", "query($id: ID!) { node(id: $id) { id } }", {}, None),
    ("unknown field", "{ wishes { nope } }", {}, None),
    ("syntax error", "{ wishes { totalCount ", {}, None),
]


@pytest.mark.parametrize(("what", "query", "variables", "secret"), MISTAKES,
                         ids=[m[0] for m in MISTAKES])
async def test_a_client_mistake_is_answered_with_a_code(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture,
    what: str, query: str, variables: dict[str, Any], secret: str | None,
) -> None:
    caplog.set_level(logging.DEBUG)
    r = await client.post("/graphql", json={"query": query, "variables": variables})
    assert r.status_code < 500, r.text
    errors = r.json().get("errors")
    if what in ("out-of-range global id", "id in other digits"):
        # No such object: null, as for any id that names none.
        assert errors is None, errors
        return
    assert errors, r.text
    for error in errors:
        assert error["extensions"]["code"] in CLIENT_CODES, error
        assert error["message"] != "internal error", error
    if secret is not None:
        assert secret not in r.text, r.text
    for record in caplog.records:
        assert record.levelno < logging.ERROR, record.getMessage()
        if secret is not None:
            assert secret not in record.getMessage() and secret not in str(record.__dict__)


async def test_a_datetime_without_offset_says_what_to_write(client: httpx.AsyncClient) -> None:
    query = "query($d: DateTime) { wishes(filter: {submittedFrom: $d}) { totalCount } }"
    r = await client.post("/graphql", json={"query": query, "variables": {"d": "2026-01-01"}})
    error = r.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "has no offset; write e.g. 2022-03-14T09:30:00+08:00" in error["message"]


@pytest.mark.parametrize(("body", "status"), [
    (b"\xff", 400),
    (b'{"query": "{ __typename }", "variables": {"s": "\\ud800"}}', 400),
    (b'{"query": "{ __typename }", "variables": {"n": 1' + b"0" * 4300 + b"}}", 400),
    (b'{"query": "{ __typename }", "variables": {"a": ' + b"[" * 1000 + b"]" * 1000 + b"}}", 400),
    (b'{"query": "{ __typename }", "variables": {"a": ' + b'{"a":' * 500 + b"1" + b"}" * 500
     + b"}}", 400),
    (b"NaN", 400),
    (b"[]", 400),
])
async def test_bodies_that_cannot_run_are_400_with_a_code(
    client: httpx.AsyncClient, body: bytes, status: int
) -> None:
    r = await client.post("/graphql", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == status, r.text
    assert all(e["extensions"]["code"] for e in r.json()["errors"])
    after = await client.post("/graphql", json={"query": "{ __typename }"})
    assert after.json() == {"data": {"__typename": "Query"}}


async def test_every_refusal_of_the_endpoint_has_a_code(client: httpx.AsyncClient) -> None:
    answers = [
        await client.put("/graphql", json={}),
        await client.post("/graphql", content=b"{}", headers={"Content-Type": "text/plain"}),
        await client.post("/graphql", json={"query": 3}),
        await client.post("/graphql", json={"query": "{ __typename }"}, headers={"Accept": "x/y"}),
        await client.get("/graphql", params={"query": "mutation { __typename }"}),
    ]
    for r in answers:
        assert 400 <= r.status_code < 500, r.text
        if r.headers.get("content-type", "").startswith("application/"):
            for error in r.json()["errors"]:
                assert error["extensions"]["code"], error


async def test_a_persisted_query_body_nested_too_deep_is_400(client: httpx.AsyncClient) -> None:
    """The trusted-documents gate reads such bodies too; it must not choke on them."""
    body = (b'{"extensions": {"persistedQuery": {"version": 1}}, "variables": {"a": '
            + b"[" * 5000 + b"]" * 5000 + b"}}")
    r = await client.post("/graphql", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 400, r.text
    assert r.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
