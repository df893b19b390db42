"""``hub deadletters``: the rejected records and unreadable bodies the hub kept.

    hub deadletters                    the newest unresolved letters
    hub deadletters --source huludao   one source's
    hub deadletters --all --limit 500  resolved ones too
"""

from __future__ import annotations

import argparse
from typing import Any

import adapters
from hub.commands._common import open_pool
from hub.deadletters import DeadLetter, list_dead_letters
from hub.errors import ConfigError
from hub.stats_query import BEIJING


def register(sub: Any) -> None:
    p = sub.add_parser("deadletters", help="list rejected records and unreadable bodies")
    p.add_argument("--source", metavar="CODE", help="only this source's letters")
    p.add_argument("--all", action="store_true", help="include resolved (replayed) letters")
    p.add_argument("--limit", type=int, default=100, help="at most this many (default 100)")
    p.set_defaults(func=run)


async def run(args: argparse.Namespace) -> int:
    if args.source is not None and args.source not in adapters.REGISTRY:
        raise ConfigError(f"no source is called {args.source!r}")
    if args.limit <= 0:
        raise ConfigError("--limit must be positive")
    async with open_pool(max_size=2) as pool:
        letters = await list_dead_letters(
            pool, source=args.source, include_resolved=args.all, limit=args.limit)
    if not letters:
        print("no dead letters" + ("" if args.all else " waiting"))
        return 0
    print(f"{'id':>7}  {'last received (Beijing time)':25}  {'times':>5}  {'source':10} {'record':24} "
          f"{'field':14} reason")
    for letter in letters:
        print(describe(letter))
    return 0


def describe(letter: DeadLetter) -> str:
    # The API's clock: Beijing time with its offset, whatever the machine's zone.
    last = letter.last_received_at or letter.received_at
    when = last.astimezone(BEIJING).isoformat(sep=" ", timespec="seconds")
    record = f"#{letter.record_index} {letter.source_id or '?'}"
    what = "(whole body)" if letter.whole_body else record
    state = " [resolved]" if letter.resolved else ""
    return (f"{letter.id:>7}  {when:25}  {letter.times:>5}  {letter.source:10} {what[:24]:24} "
            f"{(letter.field or '')[:14]:14} {letter.reason}{state}")
