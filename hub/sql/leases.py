"""SQL of job leases (``hub.leases``; the table is migration 0021's)."""

# Lease $1 to holder $2 for $3 seconds when nobody holds it (no row, or its
# lease ran out), or when its holder's tag starts with $4 (a lease this
# process left behind: null for none); a row when taken, none when held. Two
# processes racing: the second waits for the first's row, re-checks the
# condition on it and gets nothing. now() is PostgreSQL's clock: every host
# agrees on it.
CLAIM = """
insert into job_leases as l (name, holder, leased_until)
values ($1, $2, now() + make_interval(secs => $3::float8))
on conflict (name) do update
   set holder = excluded.holder, leased_until = excluded.leased_until,
       claimed_at = now(), claims = l.claims + 1
 where l.leased_until <= now() or starts_with(l.holder, $4::text)
returning l.claims
"""

# Another $3 seconds for the holder that still has it; no row when it lost it.
RENEW = """
update job_leases set leased_until = now() + make_interval(secs => $3::float8)
 where name = $1 and holder = $2
returning leased_until
"""

# Free at once (the next claim takes it), if still this holder's.
RELEASE = "update job_leases set leased_until = now() where name = $1 and holder = $2"
