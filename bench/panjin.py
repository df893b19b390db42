"""盘锦's ledger uploads: time and peak memory of reading them, good and hostile.

    python bench/panjin.py [--rows 20000] [--case CASE]

Each upload is built first and saved to a file; a fresh child process then
reads it and times ``parse`` alone, printing the seconds it took, the peak
memory it held (traced in a second, untimed run), and the outcome:

* a ledger of ``--rows`` wishes (the whole year of a city), as offices type it;
* a zip bomb: a sheet part of 1 KiB that declares 1 GiB inflated;
* a lying zip bomb: its headers say 1 MiB, the part inflates to 1 GiB;
* a sheet listing 1,000,000 empty rows;
* with ``--case max-rows`` only (slow to build): ``MAX_ROWS`` wishes, the most a sheet may list.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CASES = ("ledger", "bomb", "lying-bomb", "empty-rows")


def _rows(n: int) -> list[dict[str, object]]:
    counties = ("双台子区", "兴隆台区", "盘锦市大洼区", "盘山县")
    states = ("待认领", "已认领", "已圆梦", "已撤销")
    return [{
        "_sheet": "微心愿", "心愿编号": f"PJ-2022-{i:06d}", "心愿内容": "想要一套课外读物", "心愿类别": "图书读物",
        "帮扶对象类别": "留守儿童", "帮扶对象": "李小花", "联系电话": "13800000000", "所在县区": counties[i % 4],
        "征集时间": f"2022/3/{1 + i % 28}", "状态": states[i % 4], "认领方": "红马甲志愿服务队" if i % 4 else None,
        "更新时间": f"2022-03-{1 + i % 28:02d} 10:{i % 60:02d}",
    } for i in range(n)]


def _replace_sheet(body: bytes, write: object) -> bytes:
    """The workbook with its first sheet's part written by ``write(zip, info)``."""
    source = zipfile.ZipFile(io.BytesIO(body))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                write(target, source.read(info))  # type: ignore[operator]
            else:
                target.writestr(info, source.read(info))
    return out.getvalue()


def build(case: str, rows: int) -> bytes:
    from adapters.panjin.translate import envelope
    from adapters.panjin.workbook import MAX_ROWS

    if case == "ledger":
        return envelope(_rows(rows), None)
    if case == "max-rows":
        return envelope(_rows(MAX_ROWS - 10), None)
    small = envelope(_rows(2), None)
    if case == "empty-rows":
        empty = "".join(f'<row r="{n}"/>' for n in range(10, 1_000_010)).encode()
        return _replace_sheet(small, lambda z, xml: z.writestr(
            "xl/worksheets/sheet1.xml", xml.replace(b"</sheetData>", empty + b"</sheetData>")))

    def bomb(z: zipfile.ZipFile, xml: bytes) -> None:
        with z.open("xl/worksheets/sheet1.xml", "w") as part:
            part.write(xml[:-20])
            chunk = b" " * (1 << 20)
            for _ in range(1024):  # 1 GiB: the bound is 48 MiB
                part.write(chunk)

    body = _replace_sheet(small, bomb)
    if case == "lying-bomb":
        # Rewrite the sizes the local header and the directory declare: 1 MiB.
        body = _declare_size(body, "xl/worksheets/sheet1.xml", 1 << 20)
    return body


def _declare_size(body: bytes, name: str, size: int) -> bytes:
    data = bytearray(body)
    encoded = name.encode()
    start = 0
    while (at := data.find(encoded, start)) != -1:
        if data[at - 46:at - 42] == b"PK\x01\x02":  # central directory entry
            data[at - 46 + 24:at - 46 + 28] = size.to_bytes(4, "little")
        elif data[at - 30:at - 26] == b"PK\x03\x04":  # local header
            data[at - 30 + 22:at - 30 + 26] = size.to_bytes(4, "little")
        start = at + 1
    return bytes(data)


def child(path: str) -> None:
    from adapters.panjin import ADAPTER
    from hub.errors import AdapterError
    from hub.models import Rejection
    from hub.places import load_places

    places = load_places()
    body = Path(path).read_bytes()
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    try:
        batch = ADAPTER.parse(body, places)
        rejected = sum(1 for item in batch.items if isinstance(item, Rejection))
        outcome = f"{len(batch.items):,} rows read, {rejected:,} rejected"
    except AdapterError as exc:
        outcome = f"400: {exc}"
    seconds = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Again, traced: the Python memory parse holds at its peak (slower, so not timed).
    tracemalloc.start()
    with contextlib.suppress(AdapterError):
        ADAPTER.parse(body, places)
    _, traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    peak = max(traced / (1 << 20), (rss - baseline) / 1024)
    print(json.dumps({"bytes": len(body), "seconds": round(seconds, 2),
                      "peak_mib": round(peak, 1), "outcome": outcome[:150]},
                     ensure_ascii=False))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--rows", type=int, default=20_000)
    p.add_argument("--case", choices=(*CASES, "max-rows"))
    p.add_argument("--parse", help=argparse.SUPPRESS)  # the child: parse this file
    args = p.parse_args()
    if args.parse:
        child(args.parse)
        return
    with tempfile.TemporaryDirectory() as tmp:
        for case in [args.case] if args.case else CASES:
            path = Path(tmp) / f"{case}.xlsx"
            path.write_bytes(build(case, args.rows))
            out = subprocess.run([sys.executable, __file__, "--parse", str(path)],
                                 capture_output=True, text=True, check=False, timeout=600)
            if out.returncode:
                print(f"{case}: failed\n{out.stderr[-2000:]}")
                continue
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"{case:<11} {r['bytes'] / 1024:>9,.0f} KiB  {r['seconds']:>6.2f} s  "
                  f"+{r['peak_mib']:>6.1f} MiB peak  {r['outcome']}", flush=True)


if __name__ == "__main__":
    main()
