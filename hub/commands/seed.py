"""``hub seed``: fill the database with a deterministic year of platform data.

    hub seed                       the demo's size (a few hundred wishes)
    hub seed --scale province      the whole province: ~900,000 wishes, ~1M activities
    hub seed --scale 0.01 --seed 3

Bodies go through the same adapters and write path as real pushes
(``via = seed``). Seeding twice adds nothing new: the second run's records
are duplicates of the first's. On a terminal a one-line progress display runs
on stderr.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Any, TextIO

from hub.commands._common import open_pool
from hub.seed import DEMO_SCALE, PROVINCE_SCALE
from hub.seed.load import SeedProgress, load, tidy

# Records after which a seed vacuums and analyzes what it wrote.
_TIDY_FROM = 50_000
_NAMED_SCALES = {"province": PROVINCE_SCALE, "demo": DEMO_SCALE}


def register(sub: Any) -> None:
    p = sub.add_parser("seed", help="load deterministic platform data through the adapters")
    p.add_argument("--scale", type=_scale, default=DEMO_SCALE, metavar="province|demo|FLOAT",
                   help=f"size: 'province' (1.0), 'demo' ({DEMO_SCALE}) or a number")
    p.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    p.add_argument("--now", type=_instant, default=None, metavar="ISO-8601",
                   help="the year of data ends here (default: now)")
    p.add_argument("--concurrency", type=int, default=3, help="bodies in flight (default 3)")
    p.set_defaults(func=run)


def _scale(text: str) -> float:
    if text in _NAMED_SCALES:
        return _NAMED_SCALES[text]
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a scale: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError("the scale must be positive")
    return value


def _instant(text: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO-8601 time: {text!r}") from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError("give the time with its offset (+08:00)")
    return value


async def run(args: argparse.Namespace) -> int:
    if args.concurrency < 1:
        print("hub: --concurrency must be at least 1", file=sys.stderr)
        return 2
    now = args.now or dt.datetime.now(dt.UTC)
    bar = _Bar(sys.stderr)
    async with open_pool(max_size=args.concurrency + 1) as pool:
        summary = await load(pool, args.scale, seed=args.seed, now=now,
                             progress=bar.update,
                             concurrency=args.concurrency)
        bar.close()
        # Autovacuum would get there, minutes later; the figures are wanted now.
        tidied = await tidy(pool) if summary.received >= _TIDY_FROM else None
    print(
        f"seeded scale {summary.scale:g} (seed {summary.seed}) in {summary.seconds:.1f}s: "
        f"{summary.bodies} bodies, {summary.received} records "
        f"({summary.accepted} accepted, {summary.duplicates} duplicates, "
        f"{summary.rejected} rejected); {summary.wishes} wishes held"
        + ("" if tidied is None else f"; vacuumed and analyzed in {tidied:.1f}s"),
    )
    return 0 if summary.rejected == 0 else 1


class _Bar:
    """A one-line progress display (``\\r``) on a terminal; elsewhere (logs, CI) a
    plain line every 10 % of the records."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._tty = out.isatty()
        self._last = 0.0
        self._tenth = 0

    def update(self, p: SeedProgress) -> None:
        if self._tty and p.elapsed - self._last < 0.2:
            return
        share = min(1.0, p.records / p.expected_records) if p.expected_records else 0.0
        if not self._tty:
            if int(share * 10) <= self._tenth:
                return
            self._tenth = int(share * 10)
        self._last = p.elapsed
        eta = "?" if p.eta is None else _duration(p.eta)
        filled = int(share * 24)
        start, end = ("\r", "   ") if self._tty else ("", "\n")
        self._out.write(
            f"{start}[{'#' * filled}{'.' * (24 - filled)}] {p.bodies} bodies, "
            f"{p.records:,}/~{p.expected_records:,} records, {p.rate:,.0f}/s, "
            f"ETA {eta}{end}"
        )
        self._out.flush()

    def close(self) -> None:
        if self._tty and self._last:
            self._out.write("\n")
            self._out.flush()


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds}s"
    return f"{seconds // 60}m{seconds % 60:02d}s"
