"""``hub report`` and its workbook: read back with openpyxl, every figure equal
to the GraphQL ``stats`` query's for the same region and period."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import openpyxl

from hub.app import create_app
from tests.http.conftest import OPEN_CONFIG, gql, push_items, wenhuayun_items

FIGURES = """wishes { submitted open claimed fulfilled cancelled fulfillmentRate overdue
                      flow { submitted claimed fulfilled cancelled } }
             activities { activities sessions volunteerAttendances beneficiaries volunteerHours }
             teams teamMembers stations"""
STATS = "query($f: StatsFilter) { stats(filter: $f) { " + FIGURES + " } }"

# Workbook header -> the figure of the `stats` answer it shows.
COLUMNS = {
    "征集（按提交日）": ("wishes", "submitted"), "待认领": ("wishes", "open"),
    "已认领": ("wishes", "claimed"), "已圆梦": ("wishes", "fulfilled"),
    "已撤销": ("wishes", "cancelled"), "圆梦率": ("wishes", "fulfillmentRate"),
    "待认领超30天": ("wishes", "overdue"),
    "本期征集": ("wishes", "flow", "submitted"), "本期认领": ("wishes", "flow", "claimed"),
    "本期圆梦": ("wishes", "flow", "fulfilled"), "本期撤销": ("wishes", "flow", "cancelled"),
    "活动": ("activities", "activities"), "场次": ("activities", "sessions"),
    "志愿者参与人次": ("activities", "volunteerAttendances"),
    "受惠群众人次": ("activities", "beneficiaries"),
    "服务时长（小时）": ("activities", "volunteerHours"),
    "队伍": ("teams",), "队员": ("teamMembers",), "阵地": ("stations",),
}


def _figure(stats: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = stats
    for name in path:
        value = value[name]
    return value


async def _march_and_april(pool: asyncpg.Pool) -> None:
    """84 wishes submitted in March 2022; a third fulfilled in April, a few cancelled."""
    items = wenhuayun_items(wishes=84)
    for item in items:
        if item["entity"] != "wish":
            continue
        n = int(item["wish_id"][3:])
        if n % 3 == 0:
            item.update(state="已实现", done_time=f"2022-04-{1 + n % 20:02d}T10:00:00+08:00")
        elif n % 7 == 0:
            item.update(state="已撤销", claimers=[], claim_time=None)
    await push_items(pool, items)


def _run_report(url: str, out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run([sys.executable, "-m", "hub.cli", "report", *args, "-o", str(out)],
                          env=env, capture_output=True, text=True, timeout=120)


async def test_the_monthly_workbook_holds_the_stats_querys_figures(
    clean_db: asyncpg.Pool, database_url: str, tmp_path: Path,
) -> None:
    await _march_and_april(clean_db)
    out = tmp_path / "沈阳-2022-03.xlsx"
    done = _run_report(database_url, out, "--region", "210100", "--from", "2022-03-01",
                       "--to", "2022-04-01")
    assert done.returncode == 0, done.stderr
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["概况", "分区统计", "月度趋势"]
    app = create_app(config=OPEN_CONFIG, pool=clean_db)
    march = {"regionCode": "210100", "from": "2022-03-01", "to": "2022-04-01"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://hub.test") as client:
        async def stats(f: dict[str, Any]) -> dict[str, Any]:
            body = await gql(client, STATS, f=f)
            assert "errors" not in body, body
            result: dict[str, Any] = body["data"]["stats"]
            return result

        # Title rows: what, where, when, made when.
        for sheet in book:
            titles = [sheet.cell(row=r, column=1).value for r in range(1, 5)]
            assert "沈阳市（210100）" in titles[1] and "2022年03月" in titles[2], titles
            assert titles[3].startswith("生成时间：")

        summary = book["概况"]
        total = await stats(march)
        seen = 0
        for header, value in summary.iter_rows(min_row=7, max_col=2, values_only=True):
            if header in COLUMNS:
                assert isinstance(value, int | float) and not isinstance(value, bool), header
                assert value == _figure(total, COLUMNS[header]), header
                seen += 1
        assert seen == len(COLUMNS)
        # Flow and stock differ this month: claims in March, fulfilments in April.
        assert total["wishes"]["flow"]["fulfilled"] == 0 < total["wishes"]["fulfilled"]

        rows = book["分区统计"]
        headers = [c.value for c in rows[6]]
        assert headers[:2] == ["区划代码", "区划名称"]
        counties = 0
        for row in rows.iter_rows(min_row=7, values_only=True):
            county = await stats({**march, "regionCode": row[0]})
            for header, value in zip(headers[2:], row[2:], strict=True):
                assert value == _figure(county, COLUMNS[header]), (row[0], header)
            counties += 1
        assert counties == 13  # 沈阳's counties, every one listed

        months = book["月度趋势"]
        assert len(months._charts) == 1  # a native Excel chart of the series
        headers = [c.value for c in months[6]]
        found = list(months.iter_rows(min_row=7, values_only=True))
        # The 12 months up to the report's: its trend.
        starts = [dt.date(2021 + (3 + k) // 12, (3 + k) % 12 + 1, 1) for k in range(12)]
        assert [r[0] for r in found] == [f"{d:%Y-%m}" for d in starts]
        for start, row in zip(starts, found, strict=True):
            end = dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)
            point = await stats({"regionCode": "210100", "from": start.isoformat(),
                                 "to": end.isoformat()})
            for header, value in zip(headers[1:], row[1:], strict=True):
                assert value == _figure(point, COLUMNS[header]), (start, header)
        assert found[-1][1] == total["wishes"]["flow"]["submitted"] > 0

    # April, by the same command: the fulfilments are April's flow.
    april = tmp_path / "april.xlsx"
    assert _run_report(database_url, april, "--region", "210100", "--from", "2022-04-01",
                       "--to", "2022-05-01").returncode == 0
    sheet = openpyxl.load_workbook(april)["概况"]
    values = {h: v for h, v in sheet.iter_rows(min_row=7, max_col=2, values_only=True)}
    assert values["本期圆梦"] == total["wishes"]["fulfilled"] and values["征集（按提交日）"] == 0


def test_a_bad_region_or_date_ends_the_command_with_one_line(tmp_path: Path) -> None:
    for args in (["--region", "999999"], ["--from", "2022-02-30"],
                 ["--from", "2022-03-02", "--to", "2022-03-01"]):
        done = subprocess.run([sys.executable, "-m", "hub.cli", "report", *args, "-o",
                               str(tmp_path / "x.xlsx")], capture_output=True, text=True,
                              timeout=60, env={**os.environ, "DATABASE_URL": "postgresql://nowhere"})
        assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
        assert not (tmp_path / "x.xlsx").exists()


def test_default_names_say_region_and_month() -> None:
    from hub.workbook import parse_request, workbook_name

    assert workbook_name(parse_request("210100", "2022-03-01", "2022-04-01")) == "沈阳市-2022-03.xlsx"
    assert workbook_name(parse_request(None, None, None)) == "辽宁省-全部时间.xlsx"
    assert dt.date(2022, 3, 1) == parse_request("210100", "2022-03-01", None).filter.from_
