"""``hub schema``: the served SDL, the committed one, and what changed.

    hub schema               print the served SDL
    hub schema --write       write it to schema/schema.graphql (commit that file)
    hub schema --check       exit 1 when the served SDL differs from the committed one
    hub schema --diff REF    changes since git revision REF: added, removed,
                             breaking and dangerous (exit 1 when something breaks)
"""

from __future__ import annotations

import argparse
import difflib
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("schema", help="print, check or diff the served GraphQL schema (SDL)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="write the SDL to schema/schema.graphql")
    mode.add_argument("--check", action="store_true", help="fail when it differs from the committed SDL")
    mode.add_argument("--diff", metavar="REF", help="changes since git revision REF (e.g. main, HEAD~3)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from schema import sdl

    served = sdl.served_sdl()
    if args.write:
        sdl.SDL_PATH.write_text(served, encoding="utf-8")
        print(f"wrote {sdl.SDL_PATH}")
        return 0
    if args.check:
        committed = sdl.committed_sdl()
        if committed == served:
            return 0
        print("".join(difflib.unified_diff(
            committed.splitlines(keepends=True), served.splitlines(keepends=True),
            "schema/schema.graphql (committed)", "served",
        )))
        print("hub: the served schema differs from schema/schema.graphql: run `hub schema --write`")
        return 1
    if args.diff:
        found = sdl.changes(sdl.load(sdl.at_revision(args.diff)), sdl.load(served))
        if found.empty:
            print(f"no changes since {args.diff}")
            return 0
        print("\n".join(found.lines()))
        return 1 if found.breaking else 0
    print(served, end="")
    return 0
