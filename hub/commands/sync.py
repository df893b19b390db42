"""``hub sync``: pull 枫乡, 文化云 ... from their APIs (``[sources.X] base_url``).

    hub sync fengxiang             one platform, from its stored cursors
    hub sync --all                 every pullable source with a base_url
    hub sync --all --watch         again every --interval seconds, until Ctrl-C
    hub sync wenhuayun --from-start  re-read everything (held records are duplicates)

On a terminal a one-line progress display runs on stderr; otherwise the
command logs one line per source. A source that fails ends the command with
its error (exit status 2) once the others have run; under ``--watch`` the
failure is logged and the next round tries again. A source another process
(another watch, another host) is syncing is skipped that round: one sync per
source at a time (``hub.leases``).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TextIO

import asyncpg
import httpx

from hub.commands._common import open_pool
from hub.config import Config, load_config
from hub.errors import ConfigError, SyncBusy, SyncError
from hub.sync import PULLERS, Progress, SyncResult, SyncSettings, puller, sync_source

log = logging.getLogger("hub.sync")


def register(sub: Any) -> None:
    p = sub.add_parser("sync", help="pull the platforms that have an API (base_url)")
    p.add_argument("codes", nargs="*", metavar="CODE", help="source codes to pull")
    p.add_argument("--all", action="store_true", help="every pullable source with a base_url")
    p.add_argument("--watch", action="store_true", help="keep syncing, every --interval seconds")
    p.add_argument("--interval", type=float, metavar="SECONDS", help="[sync] interval, 300")
    p.add_argument(
        "--from-start", action="store_true", help="ignore stored cursors and re-read everything"
    )
    p.set_defaults(func=run)


@dataclass(frozen=True, slots=True)
class Target:
    code: str
    base_url: str


async def run(args: argparse.Namespace) -> int:
    if not getattr(args, "verbose", False):
        # httpx logs every request at INFO: one line per page is not "quiet".
        logging.getLogger("httpx").setLevel(logging.WARNING)
    config = load_config()
    settings = config.sync
    targets = select_targets(config, args.codes, every=args.all)
    interval = args.interval if args.interval is not None else settings.interval
    if interval <= 0:
        raise ConfigError("--interval must be positive")
    # A watch that found nothing new says so only under -v.
    display = Display(sys.stderr, live=sys.stderr.isatty(), quiet_when_idle=args.watch)
    async with open_pool() as pool:
        if args.watch:
            await watch(
                pool, targets, settings, display, interval=interval, from_start=args.from_start
            )
            return 0
        failures = await sync_round(pool, targets, settings, display, from_start=args.from_start)
    if failures:
        raise SyncError("; ".join(str(f) for f in failures))
    return 0


def select_targets(config: Config, codes: Sequence[str], *, every: bool) -> list[Target]:
    """The sources to pull, each with its base_url; a ``ConfigError`` says what is missing."""
    if every and codes:
        raise ConfigError("name sources or give --all, not both")
    if every:
        chosen = [c for c, s in config.sources.items() if s.base_url and c in PULLERS]
        skipped = [c for c, s in config.sources.items() if s.base_url and c not in PULLERS]
        if skipped:
            log.info("not pulled (no pull API): %s", ", ".join(skipped))
        if not chosen:
            where = config.path or "HUB_CONFIG"
            raise ConfigError(f"no pullable source has a base_url in {where}")
        return [Target(c, _base_url(config, c)) for c in chosen]
    if not codes:
        raise ConfigError(f"name the sources to pull ({', '.join(PULLERS)}) or give --all")
    for code in codes:
        puller(code)  # unknown or not pullable: a SyncError naming those that are
    return [Target(code, _base_url(config, code)) for code in dict.fromkeys(codes)]


def _base_url(config: Config, code: str) -> str:
    source = config.sources.get(code)
    if source is None or not source.base_url:
        where = config.path or "HUB_CONFIG"
        raise ConfigError(f"[sources.{code}] base_url is not set in {where}")
    return source.base_url


async def sync_round(
    pool: asyncpg.Pool,
    targets: Sequence[Target],
    settings: SyncSettings,
    display: Display,
    *,
    from_start: bool = False,
) -> list[SyncError]:
    """Sync each target once, one after the other; returns the failures."""
    failures: list[SyncError] = []
    async with httpx.AsyncClient(
        timeout=settings.timeout, headers={"User-Agent": "liaoning-hub-sync"}
    ) as client:
        for target in targets:
            try:
                result = await sync_source(
                    pool,
                    puller(target.code),
                    target.base_url,
                    settings=settings,
                    client=client,
                    on_progress=display.progress,
                    from_start=from_start,
                )
            except SyncError as exc:
                display.failed(target.code, exc)
                failures.append(exc)
            else:
                display.finished(result)
    return failures


async def watch(
    pool: asyncpg.Pool,
    targets: Sequence[Target],
    settings: SyncSettings,
    display: Display,
    *,
    interval: float,
    rounds: int | None = None,
    from_start: bool = False,
) -> None:
    """Sync rounds every ``interval`` seconds (from each round's start), forever
    or for ``rounds``; a failing source is logged and tried again next round.
    ``from_start`` applies to the first round only."""
    loop = asyncio.get_running_loop()
    done = 0
    while rounds is None or done < rounds:
        started = loop.time()
        failures = await sync_round(
            pool, targets, settings, display, from_start=from_start and done == 0
        )
        for failure in failures:
            if isinstance(failure, SyncBusy):  # another watch (or host) has it: not a failure
                log.info("%s; skipped this round", failure)
            else:
                log.error("%s", failure)
        done += 1
        if rounds is not None and done >= rounds:
            break
        await asyncio.sleep(max(0.0, started + interval - loop.time()))


class Display:
    """Progress on a terminal, one quiet log line per source otherwise."""

    def __init__(self, stream: TextIO, *, live: bool, quiet_when_idle: bool = False) -> None:
        self.stream = stream
        self.live = live
        self.quiet_when_idle = quiet_when_idle
        self._dirty = False

    def progress(self, p: Progress) -> None:
        if not self.live:
            return
        line = (
            f"{p.source}: {p.pages} pages, {p.received} records ({p.accepted} new, "
            f"{p.duplicates} duplicates, {p.rejected} rejected), reading {p.entity}"
        )
        if p.note:
            line += f" - {p.note}"
        self.stream.write("\r" + line + "\x1b[K")
        self.stream.flush()
        self._dirty = True

    def finished(self, r: SyncResult) -> None:
        summary = (
            f"{r.source}: {r.pages} pages, {r.received} records ({r.accepted} new, "
            f"{r.duplicates} duplicates, {r.rejected} rejected), {r.retries} retries, "
            f"{r.seconds:.1f} s"
        )
        if self.live:
            self._end_line()
            self.stream.write(summary + "\n")
            self.stream.flush()
        else:
            idle = r.received == 0 and r.retries == 0
            log.log(logging.DEBUG if idle and self.quiet_when_idle else logging.INFO, "%s", summary)

    def failed(self, code: str, exc: SyncError) -> None:
        # The caller reports the error itself (the command's exit, a watch's log).
        if self.live:
            self._end_line()

    def _end_line(self) -> None:
        if self._dirty:
            self.stream.write("\r\x1b[K")
            self._dirty = False
