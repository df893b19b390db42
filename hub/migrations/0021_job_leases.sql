-- Leases of background jobs (hub/leases.py): the sync of a source, a pass of
-- the escalation rule, pruning and prewarming run in one process at a time
-- across every hub process and host. A row per job, held until leased_until;
-- one whose holder died simply runs out. Session advisory locks would not do:
-- behind a transaction-pooling PgBouncer a session is not the hub's own from
-- one transaction to the next.
create table job_leases (
    name         text primary key,
    holder       text not null,        -- host:pid:tag of the claim
    leased_until timestamptz not null,
    claimed_at   timestamptz not null default now(),
    claims       bigint not null default 1   -- how many times it was taken
);
