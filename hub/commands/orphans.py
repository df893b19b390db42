"""``hub orphans``: 葫芦岛 blue cards still waiting for their pink code."""

from __future__ import annotations

import argparse
from typing import Any

import adapters
from hub.commands._common import open_pool
from hub.errors import ConfigError
from hub.orphans import list_orphan_cards


def register(sub: Any) -> None:
    p = sub.add_parser("orphans", help="list claim cards whose wish has not arrived")
    p.add_argument("--source", metavar="CODE", help="only this source's cards")
    p.set_defaults(func=run)


async def run(args: argparse.Namespace) -> int:
    if args.source is not None and args.source not in adapters.REGISTRY:
        raise ConfigError(f"no source is called {args.source!r}")
    async with open_pool(max_size=2) as pool:
        cards = await list_orphan_cards(pool, args.source)
    if not cards:
        print("no cards are waiting for their wish")
        return 0
    print(f"{'source':10} {'card':20} {'waits for':24} {'claimant':12} {'state':9} since")
    for c in cards:
        state = "fulfilled" if c.fulfilled else "claimed"
        since = c.received_at.strftime("%Y-%m-%d %H:%M:%S")
        print(f"{c.source:10} {c.source_id:20} {c.wish_ref:24} {c.claimant_kind.value:12} "
              f"{state:9} {since}")
    print(f"{len(cards)} card(s) waiting")
    return 0
