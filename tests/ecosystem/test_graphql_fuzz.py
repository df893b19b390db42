"""Fuzzing ``/graphql`` on a real server: arbitrary bodies, variables and headers
(hypothesis), and operations generated from the schema (schemathesis).

Whatever is sent: no 5xx, every error has ``extensions.code``, no database
text, file path or stack trace in an answer, the keep-alive connection keeps
working, and the server logs no ERROR line. Bounded for CI: a few hundred
cases per test by default; ``HUB_FUZZ_EXAMPLES`` sets how many.
"""

from __future__ import annotations

import json
import os
import re
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from graphql import introspection_from_schema, parse_value
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schema.schema import schema as served
from tests.ecosystem.conftest import HubServer

EXAMPLES = int(os.environ.get("HUB_FUZZ_EXAMPLES", "200"))
_SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                     suppress_health_check=list(HealthCheck))

# Text that must never reach a client: the database's words, the hub's files,
# a traceback.
LEAKS = re.compile(
    r"Traceback|File \"|\.py\b|/work/|site-packages|asyncpg|psycopg|SQLSTATE|postgres"
    r"|syntax error at or near|violates|relation \"|column \"|\bselect\b.*\bfrom\b",
    re.IGNORECASE,
)

# Operations with a variable of every kind of input the schema takes.
TYPED = [
    "query($v: Int) { wishes(first: $v) { totalCount } }",
    "query($v: String) { wishes(filter: {search: $v}) { totalCount } }",
    "query($v: String) { wishes(filter: {regionCode: $v}) { totalCount } }",
    "query($v: String) { wishes(after: $v) { totalCount } }",
    "query($v: DateTime) { wishes(filter: {submittedFrom: $v}) { totalCount } }",
    "query($v: [WishStatus!]) { wishes(filter: {status: $v}) { totalCount } }",
    "query($v: WishFilter) { wishes(filter: $v) { totalCount } }",
    "query($v: ID!) { node(id: $v) { id } }",
    "query($v: ID!) { wish(id: $v) { id title } }",
    "query($v: ID) { activities(filter: {team: $v}) { totalCount } }",
    "query($v: Date) { stats(filter: {from: $v}) { wishes { submitted } } }",
    "query($v: StatsFilter) { statsSeries(filter: $v, granularity: DAY) { start } }",
    "query($v: StatsFilter) { statsByRegion(filter: $v, level: TOWN) { region { code } } }",
    "query($v: Int!) { stats { wishes { overdue(days: $v) } } }",
    "query($v: String!) { region(code: $v) { code name } }",
    "query($v: [_Any!]!) { _entities(representations: $v) { __typename } }",
]

_json_scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
                 | st.text(max_size=40))
_json = st.recursive(_json_scalars, lambda inner: st.lists(inner, max_size=4)
                     | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=12)
_interesting_text = st.sampled_from([
    "2026-01-01", "2026-01-01T09:30:00", "2026-13-45", "0001-01-01", "9999-12-31",
    "210102198001011234", "王建国 13812345678", "\x00", "'; drop table wishes; --",
    "V2lzaDo5OTk5OTk5OTk5OTk5OTk5OTk5OQ", "210102027001", "2101", "%", "_", "\\",
    "9" * 40, "１２３", "OPEN", "VILLAGE",
])
_values = st.one_of(_json, _interesting_text, st.lists(_interesting_text, max_size=3),
                    st.integers(min_value=-(2**70), max_value=2**70))


def _any_node(text: str) -> Any:
    return parse_value(text)


def _string_node(text: str) -> Any:
    return parse_value(json.dumps(text))


def _check(response: httpx.Response) -> None:
    assert response.status_code < 500, response.text[:500]
    assert not LEAKS.search(response.text), response.text[:500]
    if response.headers.get("content-type", "").startswith("application/"):
        body = response.json()
        for error in body.get("errors") or ():
            code = error.get("extensions", {}).get("code")
            assert code and code != "INTERNAL_SERVER_ERROR", error


@pytest.fixture(scope="module")
def http(hub_server: HubServer) -> Iterator[httpx.Client]:
    """One keep-alive connection for every case: a reset would fail the next one."""
    with httpx.Client(base_url=hub_server.url, timeout=30,
                      limits=httpx.Limits(max_connections=1)) as client:
        yield client
    errors = [line for line in hub_server.log_lines() if line.get("level") == "error"]
    assert errors == [], [e.get("exc", e["msg"])[-1500:] for e in errors[:3]]


@_SETTINGS
@given(body=st.binary(max_size=300) | _json.map(lambda v: json.dumps(v).encode()))
def test_any_body(http: httpx.Client, body: bytes) -> None:
    _check(http.post("/graphql", content=body, headers={"Content-Type": "application/json"}))


@_SETTINGS
@given(query=st.sampled_from(TYPED), value=_values)
def test_any_variable(http: httpx.Client, query: str, value: Any) -> None:
    _check(http.post("/graphql", json={"query": query, "variables": {"v": value}}))


_header_values = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=60)


@_SETTINGS
@given(content_type=st.sampled_from(["application/json", "application/json; charset=latin-1",
                                     "text/plain", "application/graphql", ""]) | _header_values,
       accept=st.sampled_from(["*/*", "application/graphql-response+json", "text/html",
                               "application/xml"]) | _header_values,
       authorization=st.sampled_from(["", "Bearer ", "Bearer x", "Basic abc"]) | _header_values,
       method=st.sampled_from(["GET", "POST"]))
def test_any_headers(http: httpx.Client, content_type: str, accept: str, authorization: str,
                     method: str) -> None:
    # h11 refuses surrounding whitespace in a header value before it is sent.
    headers = {"Content-Type": content_type.strip(), "Accept": accept.strip(),
               "Authorization": authorization.strip()}
    query = "{ wishes(first: 1) { totalCount } }"
    if method == "GET":
        response = http.get("/graphql", params={"query": query}, headers=headers)
    else:
        response = http.post("/graphql", content=json.dumps({"query": query}), headers=headers)
    _check(response)


# ---------------------------------------------------------------- schemathesis

# Operations generated from the served schema (its introspection: the SDL's
# federation directives are not plain GraphQL), one test per root field.
_SCHEMA = schemathesis.graphql.from_dict(introspection_from_schema(served._schema))
_OPERATIONS = {op.label: op for op in (r.ok() for r in _SCHEMA.get_all_operations())}
schemathesis.graphql.scalar("DateTime", st.sampled_from(
    ["2022-03-14T09:30:00+08:00", "2026-01-01", "0001-01-01T00:00:00Z", "x"]).map(_string_node))
schemathesis.graphql.scalar("Date", st.sampled_from(
    ["2022-03-14", "0001-01-01", "9999-12-31", "2026-02-30"]).map(_string_node))
schemathesis.graphql.scalar("_Any", st.sampled_from(
    ['{__typename: "Wish", id: "V2lzaDox"}', '{__typename: "Region", code: "210100"}',
     "{}", '{__typename: "Station"}']).map(_any_node))


@pytest.mark.parametrize("label", sorted(_OPERATIONS))
def test_schemathesis(label: str, http: httpx.Client) -> None:
    """Each field of Query and Mutation, with arguments schemathesis generates."""

    @settings(max_examples=max(5, EXAMPLES // 10), deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=_OPERATIONS[label].as_strategy())
    def run(case: Any) -> None:
        body = case.body if isinstance(case.body, dict) else {"query": case.body}
        _check(http.post("/graphql", json=body))

    run()


def _exchange(sock: socket.socket, body: bytes) -> bytes:
    """One POST /graphql on an open connection; the whole answer (Content-Length)."""
    sock.sendall(b"POST /graphql HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\n"
                 b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"the connection was closed: {data!r}"
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"(?i)content-length: (\d+)", head).group(1))  # type: ignore[union-attr]
    while len(rest) < length:
        chunk = sock.recv(65536)
        assert chunk, "the connection was closed mid-answer"
        rest += chunk
    return head + b"\r\n\r\n" + rest


@pytest.mark.parametrize("bad", [
    b"\xff",
    b'{"query": "{ __typename }", "variables": {"a": ' + b"[" * 1000 + b"]" * 1000 + b"}}",
    b'{"query": "{ __typename }", "variables": {"n": 1' + b"0" * 4300 + b"}}",
])
def test_a_bad_body_leaves_the_connection_usable(hub_server: HubServer, bad: bytes) -> None:
    """Issue 17: after a 500 the next request on the same keep-alive connection was reset."""
    port = int(hub_server.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        first = _exchange(sock, bad)
        second = _exchange(sock, b'{"query": "{ __typename }"}')
    assert first.startswith(b"HTTP/1.1 400"), first[:200]
    assert second.startswith(b"HTTP/1.1 200") and b'"__typename":"Query"' in second, second
