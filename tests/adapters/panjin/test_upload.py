"""盘锦's ledger through ``POST /ingest/panjin`` as the office uploads it, into every list and figure."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest

from hub.app import create_app
from hub.config import parse_config
from tests.adapters.panjin.books import EXAMPLE_HEADER, book, example, ledger

TOKEN, SECRET = "tok-pj", "s3cret-pj"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
async def client(clean_db: asyncpg.Pool) -> AsyncIterator[httpx.AsyncClient]:
    config = parse_config({
        "sources": {"panjin": {"token": TOKEN, "secret": SECRET}},
        "public": {"enabled": True},
        "security": {"rate_limit": {"enabled": False}},
    })
    transport = httpx.ASGITransport(app=create_app(config=config, pool=clean_db))
    async with httpx.AsyncClient(transport=transport, base_url="http://hub") as c:
        yield c


async def upload(client: httpx.AsyncClient, body: bytes, content_type: str = XLSX) -> httpx.Response:
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return await client.post("/ingest/panjin", content=body, headers={
        "Authorization": f"Bearer {TOKEN}", "X-Hub-Signature-256": signature, "Content-Type": content_type})


async def gql(client: httpx.AsyncClient, query: str) -> dict[str, Any]:
    r = await client.post("/graphql", json={"query": query})
    assert r.status_code == 200, r.text
    body = r.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def row(ident: str, status: str, updated: str, **cells: object) -> list[object]:
    values: dict[str, object] = {
        "序号": 1, "心愿编号": ident, "心愿内容": "想要一套课外读物", "心愿类别": "图书读物",
        "帮扶对象类别": "留守儿童", "帮扶对象": "李小花", "联系电话": "13800000000", "所在县区": "盘山县",
        "征集时间": "2022-03-06", "状态": status, "认领方": None, "更新时间": updated,
    }
    values.update(cells)
    return [values[h] for h in EXAMPLE_HEADER]


LISTED = """{ wishes(first: 10, filter: { regionCode: "211100" }) {
  totalCount edges { node { title status beneficiaryName region { name } source { code } } } }
  stats(filter: { regionCode: "211100" }) { wishes { submitted open claimed fulfilled } } }"""


async def test_the_documents_example_end_to_end(client: httpx.AsyncClient, clean_db: asyncpg.Pool) -> None:
    r = await upload(client, example())
    assert r.status_code == 200, r.text
    report = r.json()
    assert (report["received"], report["accepted"], report["duplicates"], report["rejected"]) == (2, 2, 0, 0)
    data = await gql(client, LISTED)
    assert data["wishes"]["totalCount"] == 2
    assert {e["node"]["beneficiaryName"] for e in data["wishes"]["edges"]} == {"李某某", "张某某"}
    assert {e["node"]["source"]["code"] for e in data["wishes"]["edges"]} == {"panjin"}
    assert data["stats"]["wishes"] == {"submitted": 2, "open": 1, "claimed": 1, "fulfilled": 0}
    # The same upload again: duplicates. As octet-stream: accepted too.
    again = await upload(client, example(), "application/octet-stream")
    assert (again.json()["accepted"], again.json()["duplicates"]) == (0, 2)
    held = await clean_db.fetchval("select count(*) from wishes where beneficiary_name like '%小花%'")
    assert held == 0


async def test_versions_by_update_time_and_deletions(client: httpx.AsyncClient) -> None:
    await upload(client, ledger([row("PJ-1", "待认领", "2022-03-06 10:00"), row("PJ-2", "待认领", "2022-03-06")]))
    changed = ledger([
        row("PJ-1", "已圆梦", "2022-03-09 18:00", 认领方="红马甲志愿服务队"),
        row("PJ-2", "已删除", "2022-03-08"),
    ])
    assert (await upload(client, changed)).json()["accepted"] == 2
    older = ledger([row("PJ-1", "已撤销", "2022-03-09 18:00"), row("PJ-2", "待认领", "2022-03-07")])
    report = (await upload(client, older)).json()
    assert (report["accepted"], report["duplicates"]) == (0, 2)  # equal or older 更新时间
    data = await gql(client, LISTED)
    assert data["wishes"]["totalCount"] == 1  # a deleted wish is in no list and no figure
    assert data["wishes"]["edges"][0]["node"]["status"] == "FULFILLED"
    assert data["stats"]["wishes"]["submitted"] == 1


async def test_rejected_rows_report_their_excel_row_and_column(client: httpx.AsyncClient,
                                                               clean_db: asyncpg.Pool) -> None:
    body = ledger([row("PJ-1", "待认领", "2022-03-06"), row("PJ-2", "挂起", "2022-03-06"),
                   row("PJ-3", "待认领", "2022-03-06", 所在县区="锦州市太和区")])
    report = (await upload(client, body)).json()
    assert report["accepted"] == 1
    assert [(e["index"], e["sourceId"], e["field"]) for e in report["errors"]] == [
        (5, "PJ-2", "状态"), (6, "PJ-3", "所在县区")]
    kept = await clean_db.fetch("select record_index, raw::text from dead_letters order by id")
    assert [r["record_index"] for r in kept] == [5, 6]
    assert all("13800000000" not in r["raw"] and "李小花" not in r["raw"] for r in kept)


async def test_bad_uploads_are_400_with_what_was_received(client: httpx.AsyncClient,
                                                          clean_db: asyncpg.Pool) -> None:
    for body, said in [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1000), ".xls file or a password-protected"),
        ("序号,心愿编号,联系电话\n1,PJ-1,13800000000\n".encode(), "a CSV file?"),
        (example()[:3000], "damaged or incomplete .xlsx"),
        (ledger([row("PJ-1", "待认领", "2022-03-06")], EXAMPLE_HEADER[:-1]), "no column 更新时间"),
    ]:
        r = await upload(client, body)
        assert r.status_code == 400, r.text
        assert said in r.json()["error"], r.json()
        assert "13800000000" not in r.text
    # Kept as dead letters with the reason only: a workbook's bytes may hold personal data.
    letters = await clean_db.fetch("select raw, raw_text, reason from dead_letters")
    assert len(letters) == 4 and all(x["raw"] is None and x["raw_text"] is None for x in letters)


async def test_the_blank_template_needs_no_key(client: httpx.AsyncClient) -> None:
    r = await client.get("/ingest/panjin/template.xlsx")
    assert r.status_code == 200
    assert r.headers["content-type"] == XLSX
    assert r.content.startswith(b"PK")
    assert (await client.get("/ingest/panjin/other.xlsx")).status_code == 404
    assert (await client.get("/ingest/shengjing/template.xlsx")).status_code == 404
    # The template itself is an upload of nothing.
    report = (await upload(client, r.content)).json()
    assert report["received"] == 0


async def test_a_claiming_team_is_linked_by_name_from_this_or_an_earlier_upload(
    client: httpx.AsyncClient, clean_db: asyncpg.Pool
) -> None:
    teams = [["序号", "队伍编号", "队伍名称", "服务类别", "所在县区", "队员人数", "更新时间"],
             [1, "PJ-TM-01", "红马甲志愿服务队", "扶危帮困", "盘山县", "25人", "2022-03-01"]]
    assert (await upload(client, book({"队伍": teams}))).json()["accepted"] == 1
    later = ledger([row("PJ-1", "已认领", "2022-03-08", 认领方="红马甲志愿服务队"),
                    row("PJ-2", "已认领", "2022-03-08", 认领方="无名志愿服务队")])
    assert (await upload(client, later)).json()["accepted"] == 2
    refs = await clean_db.fetch(
        "select w.source_id, c.team_ref from claims c join wishes w on w.id = c.wish_id order by 1")
    assert [(r["source_id"], r["team_ref"]) for r in refs] == [("PJ-1", "PJ-TM-01"), ("PJ-2", None)]
