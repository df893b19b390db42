"""导出报表: the dashboard's figures as an Excel workbook (.xlsx).

The workbook an office forwards as its monthly 报表: the same figures as
``/dashboard`` for one region and period, from ``hub.stats`` and
``hub.stats_flow`` (exact, like the API's), in three sheets:

* 概况: the headline figures;
* 分区统计: one row per region below the chosen one (cities of the province,
  counties of a city, towns of a county), with codes and names;
* 月度趋势: one row per month (the 12 months up to the period's last, or the
  whole period when longer), and a native Excel line chart of the flow.

Each sheet's title rows name the region, the period (Beijing calendar days)
and the time it was made; figures are numbers (rates formatted as percent).
``/dashboard/export.xlsx`` and ``hub report`` both write it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from hub import regions as _regions
from hub import stats as hub_stats
from hub.errors import QueryError
from hub.models import RegionLevel
from hub.sql import stats_flow as fq
from hub.stats_calendar import Granularity
from hub.stats_flow import WishFlow, flows
from hub.stats_query import BEIJING, StatsFilter, StatsResult

__all__ = ["SHEETS", "WorkbookRequest", "build_workbook", "collect", "parse_request",
           "workbook_name"]

SHEETS = ("概况", "分区统计", "月度趋势")
TITLE = "辽宁志愿服务数据枢纽 · 统计报表"
_BELOW = {RegionLevel.PROVINCE: RegionLevel.CITY, RegionLevel.CITY: RegionLevel.COUNTY,
          RegionLevel.COUNTY: RegionLevel.TOWN}

# (header, how to read it from (result, flow)), in column order; shared by the sheets.
_Column = tuple[str, Callable[[StatsResult, WishFlow], float]]
_STOCK: tuple[_Column, ...] = (
    ("征集（按提交日）", lambda r, f: r.wishes.submitted),
    ("待认领", lambda r, f: r.wishes.open),
    ("已认领", lambda r, f: r.wishes.claimed),
    ("已圆梦", lambda r, f: r.wishes.fulfilled),
    ("已撤销", lambda r, f: r.wishes.cancelled),
    ("圆梦率", lambda r, f: r.wishes.fulfillment_rate),
    ("待认领超30天", lambda r, f: r.wishes.overdue),
)
_FLOW: tuple[_Column, ...] = (
    ("本期征集", lambda r, f: f.submitted),
    ("本期认领", lambda r, f: f.claimed),
    ("本期圆梦", lambda r, f: f.fulfilled),
    ("本期撤销", lambda r, f: f.cancelled),
)
_WORK: tuple[_Column, ...] = (
    ("活动", lambda r, f: r.activities.activities),
    ("场次", lambda r, f: r.activities.sessions),
    ("志愿者参与人次", lambda r, f: r.activities.volunteer_attendances),
    ("受惠群众人次", lambda r, f: r.activities.beneficiaries),
    ("服务时长（小时）", lambda r, f: r.activities.volunteer_hours),
)
_NETWORK: tuple[_Column, ...] = (
    ("队伍", lambda r, f: r.teams),
    ("队员", lambda r, f: r.team_members),
    ("阵地", lambda r, f: r.stations),
)
_NOTES = (
    "征集、待认领、已认领、已圆梦、已撤销、圆梦率：本期提交的心愿及其当前状态（存量口径）。",
    "本期征集、本期认领、本期圆梦、本期撤销：事件日期（北京时间）在本期内的数量（流量口径）；"
    "撤销日期为枢纽首次收到撤销状态之日。",
    "待认领超30天：待认领且提交早于生成日30天以上。队伍、队员、阵地为当前数，不按日期筛选。",
)


@dataclass(frozen=True, slots=True)
class WorkbookRequest:
    filter: StatsFilter  # region_code: the province, a city or a county


@dataclass(slots=True)
class Report:
    """Everything one workbook shows."""

    code: str
    name: str
    level: RegionLevel
    lo: dt.date | None
    hi: dt.date | None
    made: dt.datetime
    total: StatsResult
    flow: WishFlow
    rows: list[tuple[str, str, StatsResult, WishFlow]] = field(default_factory=list)
    months: list[tuple[dt.date, StatsResult, WishFlow]] = field(default_factory=list)


def parse_request(region: str | None, lo: str | None, hi: str | None) -> WorkbookRequest:
    """A workbook's region (the province, a city or a county; default the
    province) and ISO dates ``[lo, hi)``, as typed: a ``QueryError`` says what is wrong."""
    code = region or _regions.PROVINCE_CODE
    known = _regions.reference_by_code().get(code)
    if known is None or known.level not in _BELOW:
        raise QueryError(f"不是辽宁的省、市、县区划代码 / not the province or a city or county "
                         f"code of 辽宁: {code[:20]!r}")
    try:
        a = dt.date.fromisoformat(lo) if lo else None
        z = dt.date.fromisoformat(hi) if hi else None
    except ValueError as exc:
        raise QueryError("日期格式应为 YYYY-MM-DD / dates are YYYY-MM-DD") from exc
    if a is not None and z is not None and a >= z:
        raise QueryError("起始日须早于截止日 / `from` must be before `to`")
    return WorkbookRequest(StatsFilter(region_code=code, from_=a, to=z))


def workbook_name(request: WorkbookRequest) -> str:
    """沈阳市-2022-03.xlsx for a month, 沈阳市-2022-03-01至2022-03-15.xlsx otherwise."""
    f = request.filter
    code = f.region_code or _regions.PROVINCE_CODE
    name = _regions.reference_by_code()[code].name
    return f"{name}-{_period(f.from_, f.to, short=True)}.xlsx"


def _period(lo: dt.date | None, hi: dt.date | None, *, short: bool = False) -> str:
    if lo is None and hi is None:
        return "全部时间"
    if (lo is not None and hi is not None and lo.day == 1
            and hi == (lo + dt.timedelta(days=32)).replace(day=1)):
        return lo.strftime("%Y-%m") if short else f"{lo:%Y年%m月}"
    last = hi - dt.timedelta(days=1) if hi is not None else None
    a = lo.isoformat() if lo else "最早"
    z = last.isoformat() if last else "至今"
    return f"{a}至{z}"


def trend_start(lo: dt.date | None, hi: dt.date | None) -> dt.date | None:
    """Where the monthly series starts: the 12 months up to the period's last,
    so that a month's report shows its trend (the period itself when longer;
    all time without dates). The dashboard's line does the same."""
    if hi is None:
        return None if lo is None else lo.replace(day=1)
    last = hi - dt.timedelta(days=1)
    months = last.year * 12 + last.month - 1 - 11
    start = dt.date(months // 12, months % 12 + 1, 1)
    return start if lo is None or start < lo else lo.replace(day=1)


async def collect(conn: asyncpg.Connection, request: WorkbookRequest,
                  made: dt.datetime | None = None) -> Report:
    """The workbook's figures: a handful of statements whatever the region."""
    f = request.filter
    code = f.region_code or _regions.PROVINCE_CODE
    region = _regions.reference_by_code()[code]
    today = hub_stats.beijing_today(made)
    total = await hub_stats.stats(conn, f, today=today, medians=False)
    by_region = await hub_stats.stats_by_region(conn, f, _BELOW[region.level], today=today,
                                                medians=False)
    trend = dataclasses.replace(f, from_=trend_start(f.from_, f.to))
    series = await hub_stats.stats_series(conn, trend, Granularity.MONTH, today=today,
                                          medians=False)
    subs = [f, *(hub_stats.region_filter(f, c) for c, _ in by_region),
            *(hub_stats.bucket_filter(trend, start, Granularity.MONTH) for start, _ in series)]
    found = await flows(conn, subs)
    names = await _names(conn, [c for c, _ in by_region])
    n = len(by_region)
    return Report(
        code=code, name=region.name, level=region.level, lo=f.from_, hi=f.to,
        made=(made or dt.datetime.now(dt.UTC)).astimezone(BEIJING), total=total, flow=found[0],
        rows=[(c, names.get(c, c), r, fl)
              for (c, r), fl in zip(by_region, found[1:1 + n], strict=True)],
        months=[(start, r, fl) for (start, r), fl in zip(series, found[1 + n:], strict=True)],
    )


async def _names(conn: asyncpg.Connection, codes: Sequence[str]) -> dict[str, str]:
    known = _regions.reference_by_code()
    out = {c: known[c].name for c in codes if c in known}
    rest = [c for c in codes if c not in out]
    if rest:
        out.update({r["code"]: r["name"] for r in await conn.fetch(fq.REGION_NAMES, rest)})
    return out


async def build_workbook(conn: asyncpg.Connection, request: WorkbookRequest,
                         made: dt.datetime | None = None) -> bytes:
    return render(await collect(conn, request, made))


def render(report: Report) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    book.set_properties({"title": TITLE, "subject": f"{report.name} {_period(report.lo, report.hi)}",
                         "company": "辽宁志愿服务数据枢纽"})
    fmt = _Formats(book)
    _summary(book.add_worksheet(SHEETS[0]), fmt, report)
    _regions_sheet(book.add_worksheet(SHEETS[1]), fmt, report)
    _months_sheet(book, book.add_worksheet(SHEETS[2]), fmt, report)
    book.close()
    return out.getvalue()


class _Formats:
    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.title = book.add_format({"bold": True, "font_size": 16})
        self.meta = book.add_format({"font_color": "#555555"})
        self.head = book.add_format({"bold": True, "bg_color": "#C00000", "font_color": "#FFFFFF",
                                     "border": 1, "text_wrap": True, "valign": "vcenter"})
        self.int = book.add_format({"num_format": "#,##0", "border": 1})
        self.rate = book.add_format({"num_format": "0.0%", "border": 1})
        self.hours = book.add_format({"num_format": "#,##0.0", "border": 1})
        self.text = book.add_format({"border": 1})
        self.note = book.add_format({"font_color": "#555555", "italic": True})


def _titles(sheet: Worksheet, fmt: _Formats, report: Report, what: str) -> int:
    """Title rows; returns the first free row."""
    sheet.write(0, 0, f"{TITLE}：{what}", fmt.title)
    sheet.write(1, 0, f"区划：{report.name}（{report.code}）及下级", fmt.meta)
    sheet.write(2, 0, f"时段：{_period(report.lo, report.hi)}（北京时间日历日"
                      + ("，截止日不含" if report.hi else "") + "）", fmt.meta)
    sheet.write(3, 0, f"生成时间：{report.made:%Y-%m-%d %H:%M}（北京时间）", fmt.meta)
    return 5


def _cell(sheet: Worksheet, row: int, col: int, header: str, value: Any, fmt: _Formats) -> None:
    style = fmt.rate if header == "圆梦率" else fmt.hours if "时长" in header else fmt.int
    sheet.write_number(row, col, value, style)


def _summary(sheet: Worksheet, fmt: _Formats, report: Report) -> None:
    row = _titles(sheet, fmt, report, "概况")
    sheet.write_row(row, 0, ["指标", "数值"], fmt.head)
    for header, read in (*_STOCK, *_FLOW, *_WORK, *_NETWORK):
        row += 1
        sheet.write(row, 0, header, fmt.text)
        _cell(sheet, row, 1, header, read(report.total, report.flow), fmt)
    for note in _NOTES:
        row += 1
        sheet.write(row + 1, 0, note, fmt.note)
    sheet.set_column(0, 0, 22)
    sheet.set_column(1, 1, 16)


def _regions_sheet(sheet: Worksheet, fmt: _Formats, report: Report) -> None:
    row = _titles(sheet, fmt, report, f"分区统计（{_LEVEL_NAMES[_BELOW[report.level]]}）")
    columns = (*_STOCK, *_FLOW, *_WORK, *_NETWORK)
    sheet.write_row(row, 0, ["区划代码", "区划名称", *(h for h, _ in columns)], fmt.head)
    sheet.set_row(row, 32)
    for code, name, result, flow in report.rows:
        row += 1
        sheet.write_string(row, 0, code, fmt.text)
        sheet.write_string(row, 1, name, fmt.text)
        for col, (header, read) in enumerate(columns, start=2):
            _cell(sheet, row, col, header, read(result, flow), fmt)
    sheet.freeze_panes(6, 2)
    sheet.set_column(0, 0, 14)
    sheet.set_column(1, 1, 16)
    sheet.set_column(2, 1 + len(columns), 11)


def _months_sheet(book: xlsxwriter.Workbook, sheet: Worksheet, fmt: _Formats,
                  report: Report) -> None:
    row = _titles(sheet, fmt, report, "月度趋势（截至本期的近12个月，或整个时段）")
    columns = (*_FLOW, *_STOCK[:1], *_STOCK[3:4], *_WORK[:1], *_WORK[4:])
    sheet.write_row(row, 0, ["月份", *(h for h, _ in columns)], fmt.head)
    head = row
    sheet.set_row(row, 32)
    for start, result, flow in report.months:
        row += 1
        sheet.write_string(row, 0, f"{start:%Y-%m}", fmt.text)
        for col, (header, read) in enumerate(columns, start=1):
            _cell(sheet, row, col, header, read(result, flow), fmt)
    sheet.freeze_panes(head + 1, 1)
    sheet.set_column(0, 0, 10)
    sheet.set_column(1, len(columns), 12)
    if not report.months:
        return
    chart = book.add_chart({"type": "line"})
    for col in range(1, 1 + len(_FLOW)):
        chart.add_series({
            "name": [sheet.name, head, col],
            "categories": [sheet.name, head + 1, 0, row, 0],
            "values": [sheet.name, head + 1, col, row, col],
            "marker": {"type": "circle", "size": 5},
        })
    chart.set_title({"name": f"{report.name} 月度流量（按事件日期）"})
    chart.set_x_axis({"name": "月份"})
    chart.set_y_axis({"name": "件数", "major_gridlines": {"visible": True}})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 760, "height": 380})
    sheet.insert_chart(head, len(columns) + 2, chart)


_LEVEL_NAMES = {RegionLevel.CITY: "各市", RegionLevel.COUNTY: "各县（市、区）",
                RegionLevel.TOWN: "各乡镇（街道）"}
