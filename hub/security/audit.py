"""The audit log: every delivery, replay, key change, document change and
mutation, with who, when, what and the outcome (migration 0004).

Rows are only ever inserted (a trigger refuses the rest). ``detail`` holds
figures and codes, never a record's content: no personal data reaches it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass

import asyncpg

from hub import regions
from hub.report import Report
from hub.security.roles import Caller, Role
from hub.sql import security as q


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: dt.datetime
    actor: str
    role: str
    action: str
    target: str | None
    region_code: str | None
    outcome: str
    detail: str


async def record(
    conn: asyncpg.Connection | asyncpg.Pool,
    *,
    actor: str,
    role: str,
    action: str,
    outcome: str = "ok",
    target: str | None = None,
    region_code: str | None = None,
    detail: Mapping[str, object] | None = None,
) -> int:
    text = json.dumps(dict(detail or {}), ensure_ascii=False, default=str)
    entry_id: int = await conn.fetchval(
        q.INSERT_AUDIT, actor, role, action, target, region_code, outcome, text
    )
    return entry_id


async def record_for(
    conn: asyncpg.Connection | asyncpg.Pool,
    caller: Caller,
    action: str,
    *,
    outcome: str = "ok",
    target: str | None = None,
    region_code: str | None = None,
    detail: Mapping[str, object] | None = None,
) -> int:
    """A row for what an API caller did (or was refused)."""
    return await record(
        conn, actor=caller.actor, role=caller.role.value, action=action, outcome=outcome,
        target=target, region_code=region_code, detail=detail,
    )


async def record_batch(
    conn: asyncpg.Connection, source_code: str, report: Report, via: str
) -> None:
    """A delivery's row, in the delivery's transaction (called by ``hub.ingest``)."""
    detail = {
        "received": report.received,
        "accepted": report.accepted,
        "duplicates": report.duplicates,
        "rejected": report.rejected,
    }
    await conn.execute(
        q.INSERT_BATCH_AUDIT, source_code, via, str(report.batch_id), json.dumps(detail)
    )


async def entries(
    conn: asyncpg.Connection | asyncpg.Pool,
    caller: Caller,
    *,
    first: int,
    before: int | None = None,
    action_prefix: str | None = None,
    region_code: str | None = None,
) -> list[AuditEntry]:
    """Newest first; a city key sees the rows of its region only."""
    scope = region_code
    if caller.role is Role.CITY:
        scope = region_code or caller.region
    pattern = None if scope is None else regions.prefix_of(scope) + "%"
    rows = await conn.fetch(q.LIST_AUDIT, pattern, action_prefix, before, first)
    return [AuditEntry(**dict(r)) for r in rows]


def cli_actor() -> str:
    """How a command run on the server names its operator."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:?"
