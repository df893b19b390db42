"""The wish list's background jobs inside ``hub serve``: the outbox's delivery
worker, and the automatic escalation rule when ``[escalation]`` turns it on.

Every worker process on every host runs them; they coordinate through
PostgreSQL alone (leases on outbox rows; a lease per escalation period, and
row locks per batch), so each event is sent, and each wish escalated, by one
process, also through a transaction-pooling PgBouncer.
"""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg

from hub import escalation, outbox
from hub.config import Config


def check(config: Config) -> None:
    """``[callbacks]``, the sources' ``callback_url`` and ``[escalation]``: a bad
    one fails when the app is made, before anything starts."""
    outbox.check_config(config)
    escalation.rule_from(config)


def start(pool: asyncpg.Pool, config: Config) -> list[asyncio.Task[Any]]:
    """Start the jobs; the caller cancels them at shutdown."""
    jobs = [asyncio.create_task(outbox.keep_delivering(pool, config))]
    rule = escalation.rule_from(config)
    if rule.enabled:
        jobs.append(asyncio.create_task(escalation.keep_escalating(pool, rule)))
    return jobs
