"""``hub replay``: run dead letters through the current adapters again.

    hub replay                     every unresolved letter
    hub replay --source shengjing  one source's
    hub replay --id 42             one letter

Letters that now land (stored, or a duplicate of what the hub holds) are
resolved; the others stay with the reason the adapter gives today.
"""

from __future__ import annotations

import argparse
from collections import Counter
from typing import Any

import adapters
from hub.commands._common import open_pool
from hub.deadletters import replay
from hub.errors import ConfigError


def register(sub: Any) -> None:
    p = sub.add_parser("replay", help="re-run dead letters through the current adapters")
    p.add_argument("--source", metavar="CODE", help="only this source's letters")
    p.add_argument("--id", type=int, dest="letter_id", metavar="ID", help="only this letter")
    p.add_argument("-q", "--quiet", action="store_true", help="print the summary only")
    p.set_defaults(func=run)


async def run(args: argparse.Namespace) -> int:
    if args.source is not None and args.source not in adapters.REGISTRY:
        raise ConfigError(f"no source is called {args.source!r}")
    async with open_pool(max_size=2) as pool:
        outcomes = await replay(pool, source=args.source, letter_id=args.letter_id)
    if not outcomes:
        print("nothing to replay")
        return 0
    if not args.quiet:
        for o in outcomes:
            detail = f": {o.reason}" if o.reason else ""
            print(f"{o.letter_id:>7}  {o.source:10} {o.source_id or '':24} {o.outcome}{detail}")
    counts = Counter(o.outcome for o in outcomes)
    print(", ".join(f"{n} {what}" for what, n in sorted(counts.items())))
    return 0
