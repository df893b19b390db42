"""Workbooks built in the tests, as offices make them (openpyxl)."""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook

TITLE = "盘锦市“微心愿”征集认领台账（2022年3月）"
NOTE = "填报单位：盘锦市文明办    填报日期：2022年3月14日"
EXAMPLE_HEADER = ["序号", "心愿编号", "心愿内容", "心愿类别", "帮扶对象类别", "帮扶对象", "联系电话",
                  "所在县区", "征集时间", "状态", "认领方", "更新时间"]
EXAMPLE_ROWS: list[list[object]] = [
    [1, "PJ-2022-0001", "想要一套课外读物", "图书读物", "留守儿童", "李小花", "13800000000", "盘山县",
     "2022/3/6", "已认领", "红马甲志愿服务队", "2022-03-10 14:00"],
    [2, "PJ-2022-0002", "希望有人帮忙理发", "生活求助", "独居老人", "张大爷", None, "兴隆台区",
     "2022年3月7日", "待认领", None, "2022.3.7"],
]


def book(sheets: dict[str, Sequence[Sequence[object]]], *, merges: dict[str, list[str]] | None = None,
         formats: dict[str, dict[str, str]] | None = None) -> bytes:
    """A workbook with these sheets' rows (row 1 first), merged ranges and number formats."""
    wb = Workbook()
    first = True
    for name, rows in sheets.items():
        ws = wb.active if first else wb.create_sheet(name)
        assert ws is not None
        first = False
        ws.title = name
        for row in rows:
            ws.append(list(row))
        for ref in (merges or {}).get(name, []):
            ws.merge_cells(ref)
        for ref, fmt in (formats or {}).get(name, {}).items():
            ws[ref].number_format = fmt
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def example() -> bytes:
    """panjin.md's example, as the office sees it: title merged across, note, header in row 3, totals."""
    rows = [[TITLE], [NOTE], EXAMPLE_HEADER, *EXAMPLE_ROWS, ["合计", 2]]
    return book({"微心愿": rows}, merges={"微心愿": ["A1:L1"]})


def ledger(rows: Sequence[Sequence[object]], header: Sequence[str] = EXAMPLE_HEADER,
           *, sheet: str = "微心愿", merges: list[str] | None = None) -> bytes:
    """A decorated sheet: title, note, ``header`` in row 3, ``rows`` from row 4."""
    return book({sheet: [[TITLE], [NOTE], list(header), *rows]}, merges={sheet: merges or []})
