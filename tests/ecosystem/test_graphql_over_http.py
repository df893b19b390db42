"""/graphql speaks GraphQL over HTTP: methods, media types, status codes."""

from __future__ import annotations

import json

import httpx

from hub.http.graphql import graphql_app

GRJ = "application/graphql-response+json"


async def post(client: httpx.AsyncClient, body: object, accept: str | None = None) -> httpx.Response:
    headers = {"content-type": "application/json"}
    if accept is not None:
        headers["accept"] = accept
    return await client.post("/graphql", content=json.dumps(body), headers=headers)


async def test_the_response_type_follows_accept(client: httpx.AsyncClient) -> None:
    for accept, expected in [
        (None, "application/json"),
        ("*/*", "application/json"),
        ("application/json", "application/json"),
        (GRJ, GRJ),
        (f"{GRJ}, application/json", GRJ),  # graphql-request, urql
        (f"application/json, {GRJ};q=0.5", "application/json"),
    ]:
        response = await post(client, {"query": "{ __typename }"}, accept)
        assert response.status_code == 200
        assert response.headers["content-type"].split(";")[0] == expected, accept
        assert response.json() == {"data": {"__typename": "Query"}}
    refused = await post(client, {"query": "{ __typename }"}, "text/csv")
    assert refused.status_code == 406


async def test_request_errors_are_400_in_the_new_type_and_200_in_json(client: httpx.AsyncClient) -> None:
    for body in (
        {"query": "{"},  # does not parse
        {"query": "{ noSuchField }"},  # does not validate
        {"query": "query($id: ID!) { node(id: $id) { id } }", "variables": {"id": None}},
        {"query": "query A { __typename }", "operationName": "B"},
    ):
        new = await post(client, body, GRJ)
        assert new.status_code == 400, body
        assert "data" not in new.json() and new.json()["errors"], new.json()
        old = await post(client, body, "application/json")
        assert old.status_code == 200, body
        assert "data" not in old.json() and old.json()["errors"]


async def test_a_field_error_is_200_with_data(client: httpx.AsyncClient) -> None:
    response = await post(client, {"query": '{ node(id: "not-an-id") { id } ok: __typename }'}, GRJ)
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"node": None, "ok": "Query"}
    assert body["errors"][0]["path"] == ["node"]
    assert "not a valid id" in body["errors"][0]["message"]


async def test_malformed_requests_are_refused(client: httpx.AsyncClient) -> None:
    no_type = await client.post("/graphql", content=b'{"query": "{ __typename }"}')
    assert no_type.status_code == 415
    for body, status in [
        (b'{"query": ', 400),
        (b"", 400),
        (b'"{ __typename }"', 400),
        (b'{"qeury": "{ __typename }"}', 400),
        (b'{"query": "{ __typename }", "variables": "x"}', 400),
        (b'{"query": "{ __typename }", "operationName": 1}', 400),
        (b'[{"query": "{ __typename }"}, {"query": "{ __typename }"}]', 400),
    ]:
        response = await client.post("/graphql", content=body, headers={"content-type": "application/json"})
        assert response.status_code == status, body
        assert response.json()["errors"][0]["message"]
    batch = await client.post("/graphql", json=[{"query": "{ __typename }"}])
    assert "one operation per request" in batch.json()["errors"][0]["message"]


async def test_get_runs_queries_but_not_mutations(client: httpx.AsyncClient) -> None:
    ok = await client.get("/graphql", params={"query": "query Q($c: String!) { region(code: $c) { name } }",
                                              "variables": json.dumps({"c": "210100"})})
    assert ok.status_code == 200
    assert ok.json()["data"]["region"]["name"] == "沈阳市"
    assert "沈阳市".encode() in ok.content  # UTF-8, not \\u escapes
    mutation = await client.get("/graphql", params={"query": "mutation { __typename }"})
    assert mutation.status_code == 405
    assert mutation.headers["allow"] == "POST"


async def test_a_browser_gets_graphiql_and_a_script_gets_json(client: httpx.AsyncClient) -> None:
    page = await client.get("/graphql", headers={"accept": "text/html,*/*;q=0.8"})
    assert page.headers["content-type"].startswith("text/html")
    script = await client.get("/graphql", headers={"accept": "*/*"})
    assert script.status_code == 400
    assert script.json()["errors"][0]["message"] == "the request has no `query`"


async def test_big_bodies_are_refused_before_reading(client: httpx.AsyncClient) -> None:
    body = json.dumps({"query": "{ __typename }", "variables": {"x": "a" * (1024 * 1024)}})
    response = await client.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 413


async def test_answers_are_compact_utf8_with_chinese_text_as_is(client: httpx.AsyncClient) -> None:
    response = await post(client, {"query": '{ region(code: "210100") { name } }'})
    assert response.content == '{"data":{"region":{"name":"沈阳市"}}}'.encode()


def test_a_value_the_fast_encoder_refuses_is_still_encoded() -> None:
    """An int beyond 64 bits (no field of ours has one; a custom scalar might)."""
    endpoint = graphql_app()
    value = {"data": {"big": 2**70, "name": "沈阳市", "rate": 0.5}}
    encoded = endpoint.encode_json(value)
    assert json.loads(encoded) == value
    assert "沈阳市".encode() in encoded
