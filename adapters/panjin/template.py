"""The blank ledger the office fills in: ``GET /ingest/panjin/template.xlsx``.

Both sheets with the title, the note and the header row as the hub reads
them, the required columns marked, a list of the values each choice column
takes as a drop-down, and no data.
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from adapters.base import Template
from adapters.panjin.translate import MEDIA_TYPE, TEAM_COLUMNS, TEAMS, WISH_COLUMNS, WISHES

_CHOICES = {
    "心愿类型": ("实物", "服务"),
    "状态": ("待认领", "已认领", "已圆梦", "已撤销", "已删除"),
    "认领方类型": ("队伍", "个人", "企业", "组织"),
    "所在县区": ("双台子区", "兴隆台区", "大洼区", "盘山县"),
}
_REQUIRED = PatternFill("solid", fgColor="FFF2CC")


def build() -> bytes:
    book = Workbook()
    first = True
    for name, columns in ((WISHES, WISH_COLUMNS), (TEAMS, TEAM_COLUMNS)):
        ws = book.active if first else book.create_sheet(name)
        assert ws is not None
        first = False
        ws.title = name
        ws.append([f"盘锦市“微心愿”征集认领台账（{name}）"])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
        ws.append(["填报单位：            填报日期：        （黄色列必填；日期如 2022-03-14 或 2022年3月14日 9:30）"])
        ws.append(list(columns))
        for cell, required in zip(ws[3], columns.values(), strict=True):
            cell.font = Font(bold=True)
            if required:
                cell.fill = _REQUIRED
        for index, column in enumerate(columns, start=1):
            letter = get_column_letter(index)
            ws.column_dimensions[letter].width = max(10, 3 * len(column))
            if column in _CHOICES:
                rule = DataValidation(type="list", formula1='"' + ",".join(_CHOICES[column]) + '"',
                                      allow_blank=True)
                rule.add(f"{letter}4:{letter}5000")
                ws.add_data_validation(rule)
        ws.freeze_panes = "A4"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


TEMPLATE = Template(filename="template.xlsx", media_type=MEDIA_TYPE, build=build)
