"""The ``hub`` command.

Each subcommand lives in its own module under ``hub.commands`` and exposes
``register(subparsers)``; the module sets ``func``, taking the parsed
arguments and returning an exit code (or a coroutine giving one: it is run
with ``asyncio.run``). Adding a command is
one module and one line in ``_COMMANDS``.

Every ``HubError`` ends the command with its message on one line and exit
status 2, never a traceback. SIGTERM (what systemd, supervisors and container
runtimes send) ends a command the way Ctrl-C does: through Python's exit path,
so that an embedded PostgreSQL the command started is stopped with it (its
wheel stops it at exit; a process killed by the signal's default action would
leave it running).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import os
import signal
import sys
import threading
from collections.abc import Sequence

from hub.errors import ConfigError, HubError
from hub.observability import logs

_COMMANDS = (
    "serve",
    "migrate",
    "demo",
    "schema",
    "seed",
    "sync",
    "deadletters",
    "replay",
    "orphans",
    "keys",
    "documents",
    "escalate",
    "outbox",
    "report",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hub",
        description="Liaoning volunteer-service data hub: one GraphQL API over the city platforms.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in _COMMANDS:
        importlib.import_module(f"hub.commands.{name}").register(sub)
    return parser


class Terminated(BaseException):
    """SIGTERM arrived: unwind like KeyboardInterrupt, exit status 143."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise Terminated


def main(argv: Sequence[str] | None = None) -> int:
    # uvicorn takes SIGTERM over while it serves, then restores this handler
    # and raises the signal again once it has shut down.
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_sigterm)
    parser = build_parser()
    args = parser.parse_args(argv)
    # ``-v`` over ``HUB_LOG_LEVEL`` over INFO. At WARNING a server writes no
    # access line per request (about 0.1 ms of a worker's CPU each).
    try:
        level = "DEBUG" if args.verbose else logs.level_from_env()
    except ConfigError as exc:
        print(f"hub: {exc}", file=sys.stderr)
        return 2
    os.environ["HUB_LOG_LEVEL"] = level  # server worker processes set up their logs alike
    logs.setup(level)
    try:
        outcome = args.func(args)
        code: int = asyncio.run(outcome) if inspect.iscoroutine(outcome) else outcome
    except HubError as exc:
        print(f"hub: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Terminated:
        return 143
    return code


if __name__ == "__main__":
    sys.exit(main())
