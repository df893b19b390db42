"""盘锦 "微心愿" 台账 (盘锦市): the office's Excel ledger, uploaded as ``.xlsx``.

The workbook's sheet ``微心愿`` holds a wish per row, ``队伍`` (optional) a
team per row (``shared/platforms/panjin.md``). Each sheet's header row is the
first whose first non-empty cell is ``序号``; columns are found by their
header text (spaces and full-width parentheses tolerated), empty rows are
skipped, a row starting with ``合计``/``总计`` ends the data, and a value
merged down several rows belongs to each of them.

A row becomes a native record ``{"_sheet": ..., "_row": n, <column>: value}``
(dates as text ``yyyy-MM-dd HH:mm:ss``), so that a rejected row can be kept,
without personal data, and replayed through ``envelope``. A rejection's
``index`` is the row's number as Excel shows it; its ``field`` the column.

Translation choices the ledger leaves open:

* ``已删除`` keeps the wish's other columns and marks it deleted;
* a claim is dated ``认领时间``, else ``圆梦时间``, else ``征集时间``;
* a claimant of type ``队伍`` is linked to the team of that exact name on the
  ``队伍`` sheet of the same upload, else (``ClaimIn.team_by_name``) to the
  team of that name the hub holds from an earlier upload;
* personal data: ``联系电话`` and ``身份证号`` are never read into a record
  and dropped from a rejected row; ``帮扶对象`` and a person claimant are
  masked (王某某).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import math
import re
import zipfile
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet.worksheet import Worksheet

from adapters import _labels
from adapters._batch import Translation, build_batch
from adapters._clock import BEIJING, epoch_micros
from adapters._fields import Fields
from adapters._places import county_by_name
from adapters.panjin.workbook import ExcelError, Formula, read_sheets
from hub.errors import AdapterError
from hub.models import (
    Batch,
    ClaimantKind,
    ClaimIn,
    Parsed,
    Places,
    RecordMeta,
    Region,
    Rejection,
    SourceInfo,
    TeamRecord,
    WishKind,
    WishRecord,
    WishStatus,
)
from hub.privacy import mask_key, names_organisation, redact_text, replace_names, scrubbed_copy

T = TypeVar("T")

_INFO = SourceInfo(code="panjin", name="盘锦微心愿台账", scope_code="211100")
_CITY = "盘锦市"
MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

WISHES = "微心愿"
TEAMS = "队伍"
SHEET = "_sheet"
ROW = "_row"

# Columns in the order of the office's template; True: required.
WISH_COLUMNS: dict[str, bool] = {
    "序号": True, "心愿编号": True, "心愿内容": True, "心愿类别": True, "心愿类型": False,
    "帮扶对象类别": True, "帮扶对象": False, "联系电话": False, "身份证号": False,
    "所在县区": True, "乡镇（街道）": False, "村（社区）": False, "征集时间": True, "状态": True,
    "认领方": False, "认领方类型": False, "认领时间": False, "圆梦时间": False, "更新时间": True,
}  # fmt: skip
TEAM_COLUMNS: dict[str, bool] = {
    "序号": True, "队伍编号": True, "队伍名称": True, "服务类别": True, "所在县区": True,
    "队员人数": True, "更新时间": True,
}  # fmt: skip
_COLUMNS = {WISHES: WISH_COLUMNS, TEAMS: TEAM_COLUMNS}
# Never read into a record, never kept.
_PERSONAL = ("联系电话", "身份证号")

_STATUS = {
    "待认领": WishStatus.OPEN,
    "已认领": WishStatus.CLAIMED,
    "已圆梦": WishStatus.FULFILLED,
    "已撤销": WishStatus.CANCELLED,
}
_DELETED = "已删除"
_KIND = {"实物": WishKind.GOODS, "服务": WishKind.SERVICE}
_CLAIMANT = {
    "队伍": ClaimantKind.TEAM,
    "个人": ClaimantKind.VOLUNTEER,
    "企业": ClaimantKind.ENTERPRISE,
    "组织": ClaimantKind.ORGANIZATION,
}
_NON_PERSON_CLAIMANTS = frozenset({"队伍", "企业", "组织"})

_DATE = re.compile(
    r"(?P<y>\d{4})(?:(?P<s>[-/.])(?P<m>\d{1,2})(?P=s)(?P<d>\d{1,2})|年(?P<m2>\d{1,2})月(?P<d2>\d{1,2})日)"
    r"(?:[ T\u3000]*(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?"
)
_COUNT = re.compile(r"(\d{1,9})\s*人?")
_SPACES = re.compile(r"[\s\u3000]+")


def _header(text: object) -> str:
    """A header as the template writes it: no spaces, full-width parentheses."""
    if not isinstance(text, str):
        return ""
    return _SPACES.sub("", text).replace("(", "（").replace(")", "）")


def _first(cells: Mapping[int, object]) -> object:
    return cells[min(cells)] if cells else None


def _stopper() -> Callable[[dict[int, object]], bool]:
    """Ends a sheet's data at its totals row (only after the header row)."""
    header_seen = False

    def stop(cells: dict[int, object]) -> bool:
        nonlocal header_seen
        first = _first(cells)
        if not header_seen:
            header_seen = _header(first) == "序号"
            return False
        return isinstance(first, str) and first.strip().startswith(("合计", "总计"))

    return stop


class PanjinAdapter:
    info = _INFO

    def parse(self, body: bytes, places: Places) -> Batch:
        sheets = read_sheets(body, (WISHES, TEAMS), _stopper, _INFO.code)
        natives: list[dict[str, object]] = []
        for name in (WISHES, TEAMS):
            if name in sheets:
                natives += _records(name, sheets[name].rows)
        # Items in row order across the sheets (an envelope's rows never share a
        # number, so that replayed rows come back in the order they were given).
        natives.sort(key=_row_of)
        team_ids = {
            str(n["队伍名称"]).strip(): _id_text(n["队伍编号"]) if isinstance(n["队伍编号"], int | float)
            else str(n["队伍编号"]).strip()
            for n in natives
            if n[SHEET] == TEAMS and isinstance(n.get("队伍名称"), str)
            and isinstance(n.get("队伍编号"), str | int | float) and not isinstance(n.get("队伍编号"), bool)
        }

        def translate(fields: Fields) -> Translation:
            if fields.get(SHEET) == TEAMS:
                return _team(fields, places), ()
            return _wish(fields, places, team_ids), ()

        batch = build_batch(_INFO.code, natives, translate, _source_id, _scrub)
        return dataclasses.replace(batch, items=tuple(
            _as_shown(item, native) for item, native in zip(batch.items, natives, strict=True)))


def _row_of(native: Mapping[str, object]) -> int:
    row = native[ROW]
    return row if isinstance(row, int) else 0


def _as_shown(item: Parsed | Rejection, native: Mapping[str, object]) -> Parsed | Rejection:
    """The item named as the office sees it: the row's number in Excel, the 队伍 sheet's
    columns as ``队伍!column``."""
    row = native[ROW]
    index = row if isinstance(row, int) else item.index
    if isinstance(item, Rejection):
        field = f"{TEAMS}!{item.field}" if native.get(SHEET) == TEAMS else item.field
        return dataclasses.replace(item, index=index, field=field)
    return dataclasses.replace(item, index=index)


def _records(sheet: str, rows: list[tuple[int, dict[int, object]]]) -> list[dict[str, object]]:
    """The sheet's data rows as native records (column name -> value)."""
    columns = _COLUMNS[sheet]
    header_at = next((i for i, (_, cells) in enumerate(rows) if _header(_first(cells)) == "序号"), None)
    if header_at is None:
        raise AdapterError(f"{_INFO.code}: the sheet {sheet} has no header row (a row starting with 序号)")
    header_row, header = rows[header_at]
    by_column: dict[int, str] = {}
    for column, text in header.items():
        name = _header(text)
        if name in columns and name not in by_column.values():
            by_column[column] = name
    missing = [name for name, required in columns.items() if required and name not in by_column.values()]
    if missing:
        raise AdapterError(f"{_INFO.code}: the sheet {sheet} has no column {', '.join(missing)} "
                           f"(header row {header_row})")
    out: list[dict[str, object]] = []
    for number, cells in rows[header_at + 1:]:
        first = _first(cells)
        if isinstance(first, str) and first.strip().startswith(("合计", "总计")):
            break
        record: dict[str, object] = {SHEET: sheet, ROW: number}
        for column, name in by_column.items():
            if column in cells and name not in _PERSONAL:
                record[name] = _native(cells[column])
        out.append(record)
    return out


def _native(value: object) -> object:
    """A cell as JSON: dates as Beijing wall-clock text, formulas and errors as small objects."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, Formula):
        return {"formula": value.text[:200]}
    if isinstance(value, ExcelError):
        return {"error": value.code[:20]}
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


# ---------------------------------------------------------------- cells


def _value(fields: Fields, key: str) -> object:
    """A cell's value; a formula or an Excel error rejects the row naming the column."""
    value = fields.get(key)
    if isinstance(value, dict):
        if "formula" in value:
            raise fields.invalid(key, "holds a formula; the hub takes typed values "
                                      "(copy the column and paste it as values)")
        if "error" in value:
            raise fields.invalid(key, f"shows the Excel error {value['error']}")
        raise fields.invalid(key, "is not a cell value")
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _text(fields: Fields, key: str) -> str:
    value = _opt_text(fields, key)
    if value is None:
        raise fields.invalid(key, "is empty")
    return value


def _opt_text(fields: Fields, key: str) -> str | None:
    value = _value(fields, key)
    if value is None:
        return None
    if isinstance(value, bool | list):
        raise fields.invalid(key, "must be text")
    if isinstance(value, int | float):
        text = _id_text(value)
    elif isinstance(value, str):
        text = value.strip()
    else:
        raise fields.invalid(key, "must be text")
    fields.texts.append(text)  # a text the record's person names are masked in
    return text


def _person(fields: Fields, key: str) -> str | None:
    """A person's name, masked (王某某); the full name is remembered, so that the
    row's other texts (its wish) repeating it are masked too (``adapters._batch``)."""
    text = _opt_text(fields, key)
    if text is None:
        return None
    fields.texts.pop()  # the name itself: not a text that repeats it
    return fields.person(text)


def _id_text(value: int | float) -> str:
    """A number typed where text is meant: 20220001, not 20220001.0."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return str(value)


def _ident(fields: Fields, key: str) -> str:
    text = _text(fields, key)
    if len(text) > 64:
        raise fields.invalid(key, "is longer than 64 characters")
    return text


def _count(fields: Fields, key: str) -> int:
    value = _value(fields, key)
    if value is None:
        raise fields.invalid(key, "is empty")
    if isinstance(value, bool):
        raise fields.invalid(key, "must be a whole number")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        if not 0 <= value <= 10_000_000:
            raise fields.invalid(key, "must be a whole number from 0 to 10,000,000")
        return value
    if isinstance(value, str) and (match := _COUNT.fullmatch(value.strip())):
        return int(match.group(1))
    raise fields.invalid(key, "must be a whole number (a trailing 人 is allowed)")


def _opt_time(fields: Fields, key: str) -> dt.datetime | None:
    value = _value(fields, key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise fields.invalid(key, "must be a date (2022-03-14, 2022/3/14, 2022.3.14 or 2022年3月14日)")
    match = _DATE.fullmatch(value.strip())
    if match is None:
        shown = value.strip()[:30]
        raise fields.invalid(key, f"is not a date: {shown!r} (2022-03-14, 2022/3/14, 2022.3.14 "
                                  "or 2022年3月14日, optionally with a time 9:30)")
    g = match.groupdict()
    try:
        local = dt.datetime(int(g["y"]), int(g["m"] or g["m2"]), int(g["d"] or g["d2"]),
                            int(g["H"] or 0), int(g["M"] or 0), int(g["S"] or 0), tzinfo=BEIJING)
    except ValueError as exc:
        raise fields.invalid(key, f"is not a real date or time: {value.strip()[:30]!r}") from exc
    return local.astimezone(dt.UTC)


def _time(fields: Fields, key: str) -> dt.datetime:
    value = _opt_time(fields, key)
    if value is None:
        raise fields.invalid(key, "is empty")
    return value


def _choice(fields: Fields, key: str, mapping: Mapping[str, T], default: T | None = None) -> T:
    text = _opt_text(fields, key)
    if text is None and default is not None:
        return default
    if text is None:
        raise fields.invalid(key, "is empty")
    if text not in mapping:
        raise fields.invalid(key, f"unknown value {text[:20]!r} (expected one of {', '.join(mapping)})")
    return mapping[text]


def _county(fields: Fields, places: Places) -> Region:
    text = _text(fields, "所在县区")
    return county_by_name(Fields({"所在县区": text}), "所在县区", places, _INFO.scope_code, _CITY)


# ---------------------------------------------------------------- records


def _meta(fields: Fields, id_key: str, *, deleted: bool = False) -> RecordMeta:
    return RecordMeta(
        source=_INFO.code,
        source_id=_ident(fields, id_key),
        version=epoch_micros(_time(fields, "更新时间")),
        deleted=deleted,
    )


def _wish(fields: Fields, places: Places, team_ids: Mapping[str, str]) -> WishRecord:
    state = _text(fields, "状态")
    deleted = state == _DELETED
    status = WishStatus.OPEN if deleted else _choice(fields, "状态", _STATUS)
    meta = _meta(fields, "心愿编号", deleted=deleted)
    submitted_at = _time(fields, "征集时间")
    claimed_at = _opt_time(fields, "认领时间")
    fulfilled_at = _opt_time(fields, "圆梦时间")
    name = _person(fields, "帮扶对象")
    region = _county(fields, places)
    claims: tuple[ClaimIn, ...] = ()
    claimant = _opt_text(fields, "认领方")
    if claimant is not None:
        kind = _choice(fields, "认领方类型", _CLAIMANT, ClaimantKind.TEAM)
        claims = (ClaimIn(
            claimant_kind=kind,
            claimant_name=fields.person(claimant) if kind is ClaimantKind.VOLUNTEER else claimant,
            claimed_at=claimed_at or fulfilled_at or submitted_at,
            team_ref=team_ids.get(claimant) if kind is ClaimantKind.TEAM else None,
            team_by_name=kind is ClaimantKind.TEAM,
        ),)
    return WishRecord(
        meta=meta,
        title=redact_text(_text(fields, "心愿内容")),
        kind=_choice(fields, "心愿类型", _KIND, WishKind.GOODS),
        category=_labels.wish_category(_text(fields, "心愿类别")),
        beneficiary_group=_labels.beneficiary_group(_text(fields, "帮扶对象类别")),
        beneficiary_name=name,
        status=status,
        region=region,
        submitted_at=submitted_at,
        claimed_at=claimed_at or (claims[0].claimed_at if claims else None),
        fulfilled_at=fulfilled_at,
        claims=claims,
    )


def _team(fields: Fields, places: Places) -> TeamRecord:
    return TeamRecord(
        meta=_meta(fields, "队伍编号"),
        name=_text(fields, "队伍名称"),
        category=_labels.service_category(_text(fields, "服务类别")),
        region=_county(fields, places),
        member_count=_count(fields, "队员人数"),
    )


def _source_id(native: Mapping[str, object]) -> str | None:
    value = native.get("队伍编号" if native.get(SHEET) == TEAMS else "心愿编号")
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    text = _id_text(value) if isinstance(value, int | float) else value.strip()
    return text[:64] or None


def _scrub(native: Mapping[str, object]) -> tuple[object, list[str]]:
    names: list[str] = []
    clean = scrubbed_copy({k: v for k, v in native.items() if k not in _PERSONAL})
    for key, value in list(clean.items()):
        # A phone or an ID number typed as a number is no text a scrubber can see.
        if isinstance(value, int | float) and not isinstance(value, bool):
            text = _id_text(value)
            if redact_text(text) != text:
                clean[key] = "***"
    mask_key(clean, "帮扶对象", names)
    if not names_organisation(clean.get("认领方类型") or "队伍", _NON_PERSON_CLAIMANTS):
        mask_key(clean, "认领方", names)
    return replace_names(clean, names), names


# ---------------------------------------------------------------- the envelope


def envelope(records: Sequence[object], sent_at: dt.datetime | None) -> bytes:
    """An upload holding ``records`` (native rows), one row each, in order.

    Each record goes to its ``_sheet`` (微心愿 unless it says 队伍), under a
    header of the template's columns and any other column it names; its
    ``序号`` is its position, and so is its row (row 4 + position, whichever
    the sheet), so that ``parse`` gives one item per record in this order.
    Used to replay rejected rows and by ``hub seed``.
    ``sent_at`` becomes the note under the title, as offices write it.
    """
    book = Workbook()
    rows = [record if isinstance(record, Mapping) else {} for record in records]
    sheet_of = [TEAMS if row.get(SHEET) == TEAMS else WISHES for row in rows]
    for name in (WISHES, TEAMS):
        if name == TEAMS and TEAMS not in sheet_of:
            continue
        ws = book.active if name == WISHES else book.create_sheet(name)
        assert ws is not None
        ws.title = name
        header = list(_COLUMNS[name])
        for row, sheet in zip(rows, sheet_of, strict=True):
            if sheet == name:
                header += [k for k in row if isinstance(k, str) and k not in header and k not in (SHEET, ROW)]
        ws.append([f"盘锦市“微心愿”征集认领台账（{name}）"])
        note = "填报单位：盘锦市文明办"
        if sent_at is not None:
            day = sent_at.astimezone(BEIJING)
            note += f"    填报日期：{day.year}年{day.month}月{day.day}日"
        ws.append([note])
        _write(ws, 3, header)
        # Record i is row 4 + i of its own sheet (the other sheet leaves that row empty).
        for position, (row, sheet) in enumerate(zip(rows, sheet_of, strict=True)):
            if sheet == name:
                _write(ws, 4 + position, [position + 1, *(row.get(column) for column in header[1:])])
        ws.cell(row=4 + len(rows), column=1, value="合计")
        ws.cell(row=4 + len(rows), column=2, value=sheet_of.count(name))
    out = io.BytesIO()
    book.save(out)
    return _repacked(out.getvalue(), sent_at)


_STAMP = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def _repacked(xlsx: bytes, sent_at: dt.datetime | None) -> bytes:
    """The same workbook with its clock readings fixed, so that the same rows give the same bytes."""
    at = (sent_at or dt.datetime(2000, 1, 1, tzinfo=dt.UTC)).astimezone(dt.UTC)
    stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    local = at.astimezone(BEIJING)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "docProps/core.xml":
                data = _STAMP.sub(rb"\g<1>" + stamp + rb"\g<2>", data)
            entry = zipfile.ZipInfo(info.filename, date_time=(max(local.year, 1980), local.month, local.day,
                                                              local.hour, local.minute, local.second))
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, data)
    return out.getvalue()


def _write(ws: Worksheet, row: int, natives: Sequence[object]) -> None:
    for column, native in enumerate(natives, start=1):
        cell = ws.cell(row=row, column=column, value=_cell(native))
        if isinstance(cell.value, dt.datetime):
            cell.number_format = "yyyy-mm-dd hh:mm:ss"
        elif isinstance(cell.value, str) and cell.value.startswith("=") and not _is_formula(native):
            cell.data_type = "s"  # text that looks like a formula stays text


def _is_formula(value: object) -> bool:
    return isinstance(value, Mapping) and set(value) == {"formula"} and isinstance(value["formula"], str)


def _cell(value: object) -> bool | int | float | str | dt.datetime | None:
    """A native value as a cell (dates stay dates; anything else not a cell becomes text)."""
    if isinstance(value, dt.datetime):
        return value.astimezone(BEIJING).replace(tzinfo=None) if value.tzinfo else value
    if _is_formula(value):
        assert isinstance(value, Mapping)
        return "=" + ILLEGAL_CHARACTERS_RE.sub("", str(value["formula"]))
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, bool | int | float) or value is None:
        return value
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return ILLEGAL_CHARACTERS_RE.sub("", text)[:32767]


ADAPTER = PanjinAdapter()

__all__ = ["ADAPTER", "MEDIA_TYPE", "TEAMS", "TEAM_COLUMNS", "WISHES", "WISH_COLUMNS", "envelope"]
