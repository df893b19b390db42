"""Job leases (``hub.leases``): one holder at a time across processes, on
PostgreSQL's clock; a dead holder's lease runs out, a live one's is renewed."""

from __future__ import annotations

import asyncio

import asyncpg

from hub import leases


async def test_one_claim_per_period(clean_db: asyncpg.Pool) -> None:
    claims = await asyncio.gather(*(leases.claim_period(clean_db, "job", 0.5) for _ in range(8)))
    assert claims.count(True) == 1  # eight processes at once: one wins
    assert not await leases.claim_period(clean_db, "job", 0.5)
    await asyncio.sleep(0.6)
    assert await leases.claim_period(clean_db, "job", 0.5)
    assert await leases.claim_period(clean_db, "another job", 0.5)


async def test_a_run_holds_its_lease_until_it_ends(clean_db: asyncpg.Pool) -> None:
    async with leases.holding(clean_db, "run", seconds=0.3) as first:
        assert first is not None
        await asyncio.sleep(0.5)  # past its first term: renewed meanwhile
        async with leases.holding(clean_db, "run") as second:  # a second run of this process
            assert second is None
        assert await clean_db.fetchval(  # and not ended by another host's claim
            "select leased_until > now() from job_leases where name = 'run'")
        assert not first.lost
    async with leases.holding(clean_db, "run") as third:  # released at the end
        assert third is not None


async def _held_elsewhere(pool: asyncpg.Pool, name: str, seconds: float) -> None:
    """The lease as a process on another host holds it (and then died, say)."""
    await pool.execute(
        "insert into job_leases (name, holder, leased_until) values "
        "($1, 'another-host:4242:cafe0000', now() + make_interval(secs => $2::float8))",
        name, seconds)


async def test_a_dead_holders_lease_runs_out(clean_db: asyncpg.Pool) -> None:
    await _held_elsewhere(clean_db, "run", 0.3)
    async with leases.holding(clean_db, "run") as early:
        assert early is None
    await asyncio.sleep(0.4)
    async with leases.holding(clean_db, "run") as late:
        assert late is not None


async def test_a_lease_this_process_left_behind_is_its_own_at_once(
    clean_db: asyncpg.Pool,
) -> None:
    """A run whose release failed (the database was gone at its end) must not
    lock its own process out of the next run for a whole term."""
    async with leases.holding(clean_db, "run", seconds=60) as first:
        assert first is not None
    # As if its release had failed: the row stays leased after the run.
    await clean_db.execute("update job_leases set leased_until = now() + interval '1 minute'")
    async with leases.holding(clean_db, "run") as again:
        assert again is not None
    # A period's claim is never retaken early, even by its own process.
    assert await leases.claim_period(clean_db, "period", 60)
    assert not await leases.claim_period(clean_db, "period", 60)


async def test_a_run_whose_lease_was_taken_is_told(clean_db: asyncpg.Pool) -> None:
    async with leases.holding(clean_db, "run", seconds=0.3) as lease:
        assert lease is not None
        # Another holder took it over (as after this process stalled past its term).
        await clean_db.execute("update job_leases set holder = 'elsewhere', "
                               "leased_until = now() + interval '1 minute' where name = 'run'")
        await asyncio.sleep(0.3)
        assert lease.lost
    # Ending the run does not free the other holder's lease.
    assert await clean_db.fetchval("select holder from job_leases where name = 'run'") == "elsewhere"
    async with leases.holding(clean_db, "run") as other:
        assert other is None
