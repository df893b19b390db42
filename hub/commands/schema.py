"""``hub schema``: print the served SDL."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("schema", help="print the served GraphQL schema (SDL)")
    p.set_defaults(func=run)


async def run(args: argparse.Namespace) -> int:
    from schema.schema import schema

    print(schema.as_str())
    return 0
