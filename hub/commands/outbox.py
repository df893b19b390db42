"""``hub outbox``: the callbacks to the platforms (shared/platforms/callbacks.md).

    hub outbox                 counts by state, then the newest events not yet delivered
    hub outbox --failed        only the FAILED ones (retries gave up)
    hub outbox --all           delivered ones too
    hub outbox retry [ID…]     send FAILED events again (all, or these), with a fresh retry window
    hub outbox drop ID…        forget FAILED events (audited)

A running ``hub serve`` sends what is due within a second or so.
"""

from __future__ import annotations

import argparse
from typing import Any

from hub import ids, outbox
from hub.commands._common import open_pool
from hub.config import load_config
from hub.errors import ConfigError
from hub.security import audit


def register(sub: Any) -> None:
    p = sub.add_parser("outbox", help="callbacks to the platforms: list, retry, drop")
    p.add_argument("action", nargs="?", choices=("list", "retry", "drop"), default="list")
    p.add_argument("ids", nargs="*", type=int, metavar="ID", help="event row ids (retry, drop)")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--failed", action="store_true", help="only FAILED events")
    which.add_argument("--all", action="store_true", help="delivered events too")
    p.add_argument("--limit", type=int, default=100, help="list at most this many (default 100)")
    p.set_defaults(func=run)


async def run(args: argparse.Namespace) -> int:
    if args.limit <= 0:
        raise ConfigError("--limit must be positive")
    if args.action == "drop" and not args.ids:
        raise ConfigError("hub outbox drop needs the ids of the FAILED events to forget")
    if args.action == "list" and args.ids:
        raise ConfigError("ids go with retry or drop")
    config = load_config()
    async with open_pool(max_size=2) as pool:
        if args.action == "retry":
            done = await outbox.retry_failed(pool, args.ids or None)
            await audit.record(pool, actor=audit.cli_actor(), role="cli", action="outbox.retry",
                               detail={"events": done})
            print(f"{len(done)} FAILED event(s) due again: {', '.join(map(str, done)) or '-'}")
            return 0 if done or not args.ids else 1
        if args.action == "drop":
            done = await outbox.drop_failed(pool, args.ids)
            await audit.record(pool, actor=audit.cli_actor(), role="cli", action="outbox.drop",
                               detail={"events": done})
            print(f"{len(done)} FAILED event(s) dropped: {', '.join(map(str, done)) or '-'}")
            return 0 if len(done) == len(set(args.ids)) else 1
        # As this configuration sees them: events of sources without a URL are NO_RECEIVER.
        receivers = await outbox.receivers_from(pool, config)
        counts = await outbox.counts(pool, receivers)
        states = (["FAILED"] if args.failed else None if args.all
                  else ["PENDING", "NO_RECEIVER", "FAILED"])
        events = await outbox.entries(pool, states, args.limit, receivers)
    print("  ".join(f"{s} {counts.get(s, 0)}" for s in outbox.STATES))
    if not events:
        return 0
    print(f"{'id':>7}  {'created':19}  {'state':11} {'type':24} {'receiver':10} {'wish':20} "
          f"tries  last error")
    for e in events:
        when = e.created_at.strftime("%Y-%m-%d %H:%M:%S")
        print(f"{e.id:>7}  {when}  {e.state:11} {e.type:24} {e.receiver:10} "
              f"{ids.encode_id('Wish', e.wish_id):20} {e.attempts:>5}  {e.last_error or ''}")
    return 0
