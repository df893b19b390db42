"""盘锦's Excel ledger: workbooks built here, read as panjin.md says, bad uploads refused clearly."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import pytest

from adapters import REGISTRY
from adapters.panjin import ADAPTER, workbook
from adapters.panjin.workbook import MAX_ROWS
from hub.errors import AdapterError
from hub.models import ClaimantKind, Parsed, Places, Rejection, TeamRecord, WishKind, WishRecord, WishStatus
from tests.adapters.panjin.books import EXAMPLE_HEADER, NOTE, TITLE, book, example, ledger

BEIJING = dt.timezone(dt.timedelta(hours=8))
HEADER = EXAMPLE_HEADER


def beijing(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BEIJING)


def wishes(body: bytes, places: Places) -> dict[str, WishRecord]:
    out = {}
    for item in ADAPTER.parse(body, places).items:
        assert isinstance(item, Parsed), item
        assert isinstance(item.record, WishRecord)
        out[item.record.meta.source_id] = item.record
    return out


def rejections(body: bytes, places: Places) -> list[tuple[int, str, str]]:
    return [(r.index, r.field, r.message) for r in ADAPTER.parse(body, places).items
            if isinstance(r, Rejection)]


def row(ident: object = "PJ-1", **cells: object) -> list[object]:
    values: dict[str, object] = {
        "序号": 1, "心愿编号": ident, "心愿内容": "想要一套课外读物", "心愿类别": "图书读物",
        "帮扶对象类别": "留守儿童", "帮扶对象": "李小花", "联系电话": None, "所在县区": "盘山县",
        "征集时间": "2022-03-06", "状态": "待认领", "认领方": None, "更新时间": "2022-03-10 14:00",
    }
    values.update(cells)
    return [values[h] for h in HEADER]


def test_registered_with_its_scope() -> None:
    assert REGISTRY["panjin"].adapter is ADAPTER
    assert (ADAPTER.info.name, ADAPTER.info.scope_code) == ("盘锦微心愿台账", "211100")
    assert REGISTRY["panjin"].puller is None  # uploaded, never pulled


def test_document_example(places: Places) -> None:
    batch = ADAPTER.parse(example(), places)
    assert [item.index for item in batch.items] == [4, 5]  # Excel's row numbers
    got = wishes(example(), places)
    first, second = got["PJ-2022-0001"], got["PJ-2022-0002"]
    assert first.title == "想要一套课外读物" and first.kind is WishKind.GOODS
    assert first.category.value == "BOOKS" and first.beneficiary_group.value == "LEFT_BEHIND_CHILD"
    assert first.beneficiary_name == "李某某"
    assert (first.region.code, first.region.name) == ("211122", "盘山县")
    assert first.submitted_at == beijing(2022, 3, 6)  # a date alone: the start of the Beijing day
    assert first.status is WishStatus.CLAIMED
    (claim,) = first.claims
    assert (claim.claimant_kind, claim.claimant_name) == (ClaimantKind.TEAM, "红马甲志愿服务队")
    assert first.meta.version == int(beijing(2022, 3, 10, 14).timestamp() * 1_000_000)
    assert second.beneficiary_name == "张某某" and second.status is WishStatus.OPEN
    assert second.region.name == "兴隆台区" and second.submitted_at == beijing(2022, 3, 7)
    assert second.claims == () and second.meta.version == int(beijing(2022, 3, 7).timestamp() * 1e6)
    assert "13800000000" not in repr(batch) and "李小花" not in repr(batch)


@pytest.mark.parametrize("text, expected", [
    ("2022-03-14", beijing(2022, 3, 14)),
    ("2022/3/14", beijing(2022, 3, 14)),
    ("2022.3.14", beijing(2022, 3, 14)),
    ("2022年3月14日", beijing(2022, 3, 14)),
    ("2022-03-14 9:30", beijing(2022, 3, 14, 9, 30)),
    ("2022/3/14 09:30:00", beijing(2022, 3, 14, 9, 30)),
    ("2022年3月14日 9:30", beijing(2022, 3, 14, 9, 30)),
    (" 2022.3.14 23:59:59 ", beijing(2022, 3, 14, 23, 59, 59)),
])
def test_every_listed_date_form(places: Places, text: str, expected: dt.datetime) -> None:
    assert wishes(ledger([row(征集时间=text)]), places)["PJ-1"].submitted_at == expected


def test_date_cells_and_numbers_typed_as_text_or_text_as_numbers(places: Places) -> None:
    header = [*HEADER, "队员人数"]
    rows = [row(20220001, 征集时间=dt.datetime(2022, 3, 14, 9, 30), 更新时间=dt.datetime(2022, 3, 15))]
    body = book({"微心愿": [[TITLE], header, rows[0]]},
                formats={"微心愿": {"I3": "yyyy/m/d h:mm", "L3": "yyyy\"年\"m\"月\"d\"日\""}})
    wish = wishes(body, places)["20220001"]  # an id typed as a number: no trailing .0
    assert wish.submitted_at == beijing(2022, 3, 14, 9, 30)
    teams = book({"队伍": [["序号", "队伍编号", "队伍名称", "服务类别", "所在县区", "队员人数", "更新时间"],
                         [1, 101.0, "红马甲志愿服务队", "扶危帮困", "双台子区", "25人", "2022-03-01"],
                         [2, "T-2", "青年志愿者协会", "助学支教", "盘锦市兴隆台区", 40.0, "2022-03-01"]]})
    got = {i.record.meta.source_id: i.record for i in ADAPTER.parse(teams, places).items
           if isinstance(i, Parsed) and isinstance(i.record, TeamRecord)}
    assert (got["101"].member_count, got["T-2"].member_count) == (25, 40)
    assert got["T-2"].region.name == "兴隆台区"


def test_chinese_excel_date_formats_are_dates(places: Places) -> None:
    """Built-in format 31 (yyyy年m月d日) and 57 are dates in a Chinese Excel; openpyxl does not know them."""
    body = ledger([row(征集时间=44634)])
    patched = _with_style(body, num_fmt_id=31)
    assert wishes(patched, places)["PJ-1"].submitted_at == beijing(2022, 3, 14)


def _with_style(body: bytes, num_fmt_id: int) -> bytes:
    """The workbook with a cell style of built-in format ``num_fmt_id`` on cell I4."""
    source = zipfile.ZipFile(io.BytesIO(body))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/styles.xml":
                text = data.decode()
                start = text.index("<cellXfs")
                count = text.count("<xf ", start, text.index("</cellXfs>"))
                text = text.replace("</cellXfs>", f'<xf numFmtId="{num_fmt_id}" applyNumberFormat="1"/></cellXfs>')
                data = text.encode()
                style = count
            target.writestr(info, data)
    final = io.BytesIO()
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(final, "w", zipfile.ZIP_DEFLATED) as target:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<c r="I4" t="n">', f'<c r="I4" s="{style}" t="n">'.encode())
                data = data.replace(b'<c r="I4">', f'<c r="I4" s="{style}">'.encode())
            target.writestr(info, data)
    return final.getvalue()


def test_merged_cells_belong_to_every_row_of_their_range(places: Places) -> None:
    rows = [row("PJ-1", 所在县区="大洼区"), row("PJ-2", 所在县区=None), row("PJ-3", 所在县区=None),
            row("PJ-4", 所在县区="盘山县")]
    got = wishes(ledger(rows, merges=["A1:L1", "H4:H6"]), places)
    assert [got[f"PJ-{i}"].region.name for i in range(1, 5)] == ["大洼区", "大洼区", "大洼区", "盘山县"]


def test_columns_by_header_text_in_any_order_empty_rows_and_totals(places: Places) -> None:
    header = [" 序号 ", "所在县区", "状态", "心愿编号", "心愿内容", "心愿类别", "帮扶对象类别", "征集时间",
              "更新时间", "乡镇(街道)", "备注"]
    rows: list[list[object]] = [
        [1, "双台子区", "待认领", "A-1", "想要书包", "学习用品", "留守儿童", "2022-03-01", "2022-03-01", "陆家镇", "x"],
        [],
        [None, None],
        [2, "双台子区", "待认领", "A-2", "想要书包", "学习用品", "留守儿童", "2022-03-01", "2022-03-01", None, None],
        ["总计：2 条"],
        [3, "双台子区", "待认领", "A-3", "after the totals", "学习用品", "留守儿童", "2022-03-01", "2022-03-01"],
    ]
    batch = ADAPTER.parse(ledger(rows, header), places)
    assert [i.index for i in batch.items] == [4, 7]


def test_rows_rejected_with_their_excel_row_and_column(places: Places) -> None:
    rows = [
        row("PJ-1"),
        row("PJ-2", 所在县区="锦州市太和区"),
        row("PJ-3", 状态="处理中"),
        row("PJ-4", 征集时间="三月六日"),
        row("PJ-5", 心愿内容=None),
        row("PJ-6", 更新时间="=NOW()"),
    ]
    got = rejections(ledger(rows), places)
    assert [(index, field) for index, field, _ in got] == [
        (5, "所在县区"), (6, "状态"), (7, "征集时间"), (8, "心愿内容"), (9, "更新时间")]
    messages = dict(((i, m) for i, _, m in got))
    assert "盘锦市" in messages[5] and "formula" in messages[9]


def test_deleted_rows_and_versions(places: Places) -> None:
    rows = [row("PJ-1", 状态="已删除", 更新时间="2022-03-12 10:00")]
    wish = wishes(ledger(rows), places)["PJ-1"]
    assert wish.meta.deleted and wish.meta.version == int(beijing(2022, 3, 12, 10).timestamp() * 1e6)


def test_claimants_and_team_links(places: Places) -> None:
    header = [*HEADER, "认领方类型", "认领时间", "圆梦时间"]
    wishes_rows = [
        [*row("PJ-1", 状态="已圆梦", 认领方="红马甲志愿服务队"), None, "2022-03-08 10:00", "2022-03-09"],
        [*row("PJ-2", 状态="已认领", 认领方="李建国"), "个人", "2022-03-08", None],
        [*row("PJ-3", 状态="已认领", 认领方="兴隆超市"), "企业", None, None],
    ]
    teams = [["序号", "队伍编号", "队伍名称", "服务类别", "所在县区", "队员人数", "更新时间"],
             [1, "PJ-TM-01", "红马甲志愿服务队", "扶危帮困", "盘山县", "25人", "2022-03-01"]]
    body = book({"微心愿": [header, *wishes_rows], "队伍": teams, "说明": [["ignored"]]})
    batch = ADAPTER.parse(body, places)
    records = {i.record.meta.source_id: i.record for i in batch.items if isinstance(i, Parsed)}
    team = records["PJ-TM-01"]
    assert isinstance(team, TeamRecord) and team.member_count == 25
    first, second, third = (records[f"PJ-{i}"] for i in (1, 2, 3))
    assert isinstance(first, WishRecord) and isinstance(second, WishRecord) and isinstance(third, WishRecord)
    assert first.claims[0].team_ref == "PJ-TM-01" and first.fulfilled_at == beijing(2022, 3, 9)
    assert first.claimed_at == beijing(2022, 3, 8, 10)
    assert (second.claims[0].claimant_kind, second.claims[0].claimant_name) == (ClaimantKind.VOLUNTEER, "李某某")
    assert third.claims[0].claimant_kind is ClaimantKind.ENTERPRISE
    assert third.claims[0].claimed_at == third.submitted_at


def test_personal_data_never_in_a_rejection(places: Places) -> None:
    header = [*HEADER, "身份证号"]
    bad = [*row("PJ-1", 帮扶对象="王建设", 联系电话=13988887777, 状态="?"), "211122198805051234"]
    batch = ADAPTER.parse(ledger([bad], header), places)
    (rejected,) = batch.items
    assert isinstance(rejected, Rejection)
    kept = json.dumps(rejected.raw, ensure_ascii=False) + rejected.message
    assert "13988887777" not in kept and "211122198805051234" not in kept and "王建设" not in kept
    assert "王某某" in kept


# ---------------------------------------------------------------- bad uploads


def _refused(body: bytes, places: Places) -> str:
    with pytest.raises(AdapterError) as info:
        ADAPTER.parse(body, places)
    return str(info.value)


def test_not_a_workbook_says_what_was_received(places: Places) -> None:
    assert ".xls" in _refused(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), places)
    assert "CSV" in _refused("序号,心愿编号\n1,PJ-1\n".encode(), places)
    assert "JSON" in _refused(b'{"records": []}', places)
    assert "empty" in _refused(b"", places)
    truncated = example()[:2000]
    assert "damaged or incomplete" in _refused(truncated, places)
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("photo.txt", "not a workbook")
    assert "not an Excel workbook" in _refused(other.getvalue(), places)


def test_a_workbook_without_the_sheets_or_columns(places: Places) -> None:
    assert "微心愿 or 队伍" in _refused(book({"Sheet1": [["序号"]]}), places)
    assert "no column 更新时间" in _refused(ledger([row()], HEADER[:-1]), places)
    assert "header row" in _refused(book({"微心愿": [[TITLE], [NOTE]]}), places)


def test_a_zip_bomb_is_refused_before_it_inflates(places: Places, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workbook, "MAX_PART_BYTES", 4 * 1024 * 1024)  # the bound, smaller: a faster test
    bomb = io.BytesIO()
    source = zipfile.ZipFile(io.BytesIO(example()))
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        for info in source.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
                    chunk = b" " * (1 << 20)
                    for _ in range(workbook.MAX_PART_BYTES // len(chunk) + 8):
                        part.write(chunk)
            else:
                z.writestr(info, source.read(info))
    body = bomb.getvalue()
    assert len(body) < 1 << 20  # well under the upload limit
    assert "inflates to more than" in _refused(body, places)


def test_a_million_empty_rows_is_refused(places: Places) -> None:
    """Refused once ``MAX_ROWS`` are listed (bench/panjin.py measures the time and memory)."""
    rows = "".join(f'<row r="{n}"/>' for n in range(4, 1_000_004))
    # Below the totals row, where the data has ended: listed rows still count.
    source = zipfile.ZipFile(io.BytesIO(ledger([row(), ["合计", 1]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", rows.encode() + b"</sheetData>")
            z.writestr(info.filename, data)
    assert f"more than {MAX_ROWS:,} rows" in _refused(out.getvalue(), places)


def test_formulas_reject_the_row_naming_the_column(places: Places) -> None:
    body = ledger([row("PJ-1", 状态='=IF(1,"待认领","")'), row("PJ-2", 序号="=ROW()-3"), ["合计", "=COUNTA(B4:B5)"]])
    assert [(i, f) for i, f, _ in rejections(body, places)] == [(4, "状态")]
    assert "PJ-2" in wishes_ok(body, places)


def wishes_ok(body: bytes, places: Places) -> set[str]:
    return {i.record.meta.source_id for i in ADAPTER.parse(body, places).items if isinstance(i, Parsed)}


def test_the_envelope_round_trips_rows(places: Places) -> None:
    from tests.adapters.panjin.samples import variants

    records = variants()
    batch = REGISTRY["panjin"].parse(REGISTRY["panjin"].envelope(records, None), places)
    assert len(batch.items) == len(records)
    assert all(isinstance(i, Parsed) for i in batch.items), [i for i in batch.items if isinstance(i, Rejection)]


def test_the_template_is_blank_and_readable(places: Places) -> None:
    template = REGISTRY["panjin"].template
    assert template is not None and template.filename == "template.xlsx"
    assert ADAPTER.parse(template.build(), places).items == ()
