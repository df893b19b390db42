"""``hub escalate``: one pass of the automatic escalation rule (``[escalation]``).

    hub escalate             escalate the OPEN wishes that waited too long at their level
    hub escalate --dry-run   list them, change nothing

``hub serve`` runs the same pass every ``[escalation] every_seconds``; this is
for an operator or cron. Safe beside running servers: one pass at a time.
"""

from __future__ import annotations

import argparse
from typing import Any

from hub import escalation, ids
from hub.commands._common import open_pool
from hub.config import load_config
from hub.errors import ConfigError


def register(sub: Any) -> None:
    p = sub.add_parser("escalate", help="escalate the wishes that waited too long ([escalation])")
    p.add_argument("--dry-run", action="store_true", help="list what would be escalated")
    p.add_argument("--limit", type=int, default=100, help="list at most this many (default 100)")
    p.set_defaults(func=run)


async def run(args: argparse.Namespace) -> int:
    rule = escalation.rule_from(load_config())
    if not rule.enabled:
        raise ConfigError("automatic escalation is off: set [escalation] county_days and/or "
                          "city_days in HUB_CONFIG")
    if args.limit <= 0:
        raise ConfigError("--limit must be positive")
    async with open_pool(max_size=2) as pool:
        if args.dry_run:
            steps = await escalation.preview(pool, rule, limit=args.limit)
            verb = "would escalate"
        else:
            done = await escalation.run_rule(pool, rule)
            if done is None:
                print("another process is escalating now; nothing done")
                return 1
            steps = done
            verb = "escalated"
    print(f"{verb} {len(steps)} wish(es)")
    for step in steps[: args.limit]:
        w = step.wish
        print(f"  {ids.encode_id('Wish', w.id)}  {w.source_code}:{w.source_id}  "
              f"{w.region_code}  {w.handling_level.value} -> {step.to.value}")
    return 0
