"""``hub report``: the dashboard's Excel workbook (导出报表) from the command line.

    hub report --region 210100 --from 2022-03-01 --to 2022-04-01 -o 沈阳-2022-03.xlsx

The same workbook as ``/dashboard/export.xlsx`` (``hub.workbook``), for a
monthly cron job.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import Any

from hub.commands._common import open_pool
from hub.errors import ConfigError, QueryError
from hub.workbook import build_workbook, parse_request, workbook_name


def register(sub: Any) -> None:
    p = sub.add_parser("report", help="write the statistics workbook (.xlsx) of a region and period")
    p.add_argument("--region", metavar="CODE", default=None,
                   help="the province (default), a city or a county, e.g. 210100")
    p.add_argument("--from", dest="from_", metavar="YYYY-MM-DD", help="first day (inclusive)")
    p.add_argument("--to", metavar="YYYY-MM-DD", help="last day (exclusive)")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="where to write it (default: 沈阳市-2022-03.xlsx and the like)")
    p.set_defaults(func=run)


async def run(args: argparse.Namespace) -> int:
    try:
        request = parse_request(args.region, args.from_, args.to)
    except QueryError as exc:
        raise ConfigError(str(exc)) from exc
    target = Path(args.output or workbook_name(request))
    async with open_pool(max_size=2) as pool, pool.acquire() as conn:
        data = await build_workbook(conn, request)
    # Written beside the target, then renamed: a cron job never leaves half a workbook.
    fd, tmp = tempfile.mkstemp(dir=target.parent if str(target.parent) else ".",
                               prefix=".report-", suffix=".xlsx")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    print(f"wrote {target} ({len(data):,} bytes)")
    return 0
