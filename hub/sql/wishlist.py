"""SQL of the province-wide wish list: escalation, dispatch, the outbox (migration 0012)."""

# ---------------------------------------------------------------- wishes and teams

_WISH_FOR_CHANGE = """
select w.id, w.source, s.code as source_code, w.source_id, w.status, w.deleted,
       w.region_code, w.city_code, w.county_code, w.handling_level,
       w.dispatch_team_id, w.dispatched_at, w.dispatched_by, w.dispatch_note
  from wishes w
  join sources s on s.id = w.source
"""

# One wish, locked for the change (the mutations' transaction).
WISH_FOR_CHANGE = _WISH_FOR_CHANGE + """
 where w.id = $1 and not w.shadowed
   for update of w
"""

# OPEN wishes that waited too long at their level: $1 county cut-off, $2 city
# cut-off (null: that level's rule is off), $3 how many. Oldest first; rows
# another process holds are skipped, not waited for.
WISHES_WAITING = _WISH_FOR_CHANGE + """
 where w.status = 'OPEN' and not w.deleted and not w.shadowed
   and ((w.handling_level = 'COUNTY' and coalesce(w.handling_since, w.submitted_at) < $1)
     or (w.handling_level = 'CITY' and coalesce(w.handling_since, w.submitted_at) < $2))
 order by coalesce(w.handling_since, w.submitted_at), w.id
 limit $3
   for update of w skip locked
"""

# The same without locking, for `hub escalate --dry-run`.
WISHES_WAITING_PREVIEW = _WISH_FOR_CHANGE + """
 where w.status = 'OPEN' and not w.deleted and not w.shadowed
   and ((w.handling_level = 'COUNTY' and coalesce(w.handling_since, w.submitted_at) < $1)
     or (w.handling_level = 'CITY' and coalesce(w.handling_since, w.submitted_at) < $2))
 order by coalesce(w.handling_since, w.submitted_at), w.id
 limit $3
"""

TEAM_FOR_DISPATCH = """
select t.id, t.source, s.code as source_code, t.source_id, t.name, t.region_code, t.deleted
  from teams t
  join sources s on s.id = t.source
 where t.id = $1
"""

# Tries the rule's lock for this transaction only (released at commit), so it
# also works through a transaction-pooling PgBouncer.
TRY_RULE_LOCK = "select pg_try_advisory_xact_lock($1::bigint)"

# ---------------------------------------------------------------- escalation

# Many wishes at once: $1 ids, $2 their new levels.
SET_LEVELS = """
update wishes w set handling_level = u.level, handling_since = now()
  from unnest($1::bigint[], $2::text[]) as u(id, level)
 where w.id = u.id
"""

# $1 wishes, $2 from, $3 to, $4 reasons, $5 by (one each), in order.
INSERT_TRANSFERS = """
insert into wish_transfers (wish_id, from_level, to_level, reason, by)
select u.wish_id, u.from_level, u.to_level, u.reason, u.by
  from unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[])
       with ordinality as u(wish_id, from_level, to_level, reason, by, n)
 order by u.n
"""

TRANSFERS_BY_WISH = """
select id, wish_id, from_level, to_level, reason, at, by
  from wish_transfers
 where wish_id = any($1::bigint[])
 order by wish_id, id
"""

# ---------------------------------------------------------------- dispatch

SET_DISPATCH = """
update wishes
   set dispatch_team_id = $2, dispatched_at = now(), dispatched_by = $3, dispatch_note = $4
 where id = $1
"""

CLEAR_DISPATCH = """
update wishes
   set dispatch_team_id = null, dispatched_at = null, dispatched_by = null, dispatch_note = null
 where id = $1
"""

INSERT_ENDED_DISPATCH = """
insert into wish_dispatches (wish_id, team_id, dispatched_at, dispatched_by, note,
                             ended_by, end_reason, outcome)
values ($1, $2, $3, $4, $5, $6, $7, $8)
"""

CURRENT_DISPATCH_BY_WISH = """
select w.id as wish_id, w.dispatch_team_id as team_id, w.dispatched_at, w.dispatched_by,
       w.dispatch_note as note, null::timestamptz as ended_at, null::text as ended_by,
       null::text as end_reason, null::text as outcome
  from wishes w
 where w.id = any($1::bigint[]) and w.dispatch_team_id is not null
"""

ENDED_DISPATCHES_BY_WISH = """
select wish_id, team_id, dispatched_at, dispatched_by, note, ended_at, ended_by, end_reason,
       outcome
  from wish_dispatches
 where wish_id = any($1::bigint[])
 order by wish_id, id
"""

# ---------------------------------------------------------------- outbox

# One row per event and receiver: $1 event ids, $2 types, $3 wishes, $4
# receivers, $5 bodies; in order, so that ids follow the order of the events.
INSERT_EVENTS = """
insert into outbox (event_id, type, wish_id, receiver, body)
select u.event_id, u.type, u.wish_id, u.receiver, u.body
  from unnest($1::uuid[], $2::text[], $3::bigint[], $4::smallint[], $5::text[])
       with ordinality as u(event_id, type, wish_id, receiver, body, n)
 order by u.n
"""

# The head of each (wish, receiver) queue of the receivers in $3 (those with a
# callback_url), when it is due and no process holds it, leased for $1
# seconds; at most $2. Two processes racing for one row: the second re-checks
# the lease after the first committed, and skips it. A later event of the
# queue is never a head while an earlier one is PENDING.
LEASE_DUE = """
with heads as (
    select distinct on (wish_id, receiver) id, next_attempt_at, leased_until
      from outbox
     where state = 'PENDING' and receiver = any($3::smallint[])
     order by wish_id, receiver, id
), due as (
    select id from heads
     where next_attempt_at <= now() and (leased_until is null or leased_until < now())
     order by id
     limit $2
)
update outbox o
   set leased_until = now() + make_interval(secs => $1::float8)
  from due
 where o.id = due.id and o.state = 'PENDING'
   and (o.leased_until is null or o.leased_until < now())
returning o.id, o.event_id, o.type, o.receiver, o.body, o.attempts, o.first_attempt_at
"""

MARK_DELIVERED = """
update outbox
   set state = 'DELIVERED', delivered_at = now(), attempts = attempts + 1,
       first_attempt_at = coalesce(first_attempt_at, now()), last_attempt_at = now(),
       leased_until = null, last_error = null
 where id = $1
"""

# A failed attempt: retried after $2 seconds, or FAILED once the first attempt
# is $3 seconds old.
MARK_FAILED_ATTEMPT = """
update outbox
   set attempts = attempts + 1,
       first_attempt_at = coalesce(first_attempt_at, now()), last_attempt_at = now(),
       leased_until = null, last_error = $4,
       next_attempt_at = now() + make_interval(secs => $2::float8),
       state = case when now() - coalesce(first_attempt_at, now())
                         >= make_interval(secs => $3::float8)
                    then 'FAILED' else 'PENDING' end
 where id = $1
returning state
"""

RELEASE_LEASE = "update outbox set leased_until = null where id = any($1::bigint[]) and state = 'PENDING'"


def _shown_state(receivers: str) -> str:
    """The state as shown: PENDING events of a receiver not in the parameter
    ``receivers`` (those with a callback_url) are NO_RECEIVER."""
    return (f"case when o.state = 'PENDING' and o.receiver <> all({receivers}::smallint[]) "
            "then 'NO_RECEIVER' else o.state end")


# $1: the shown states wanted, or null for all; $3 the receivers with a URL.
LIST_EVENTS = f"""
select o.id, o.event_id, o.type, o.wish_id, s.code as receiver, {_shown_state("$3")} as state,
       o.created_at, o.attempts, o.next_attempt_at, o.last_attempt_at, o.last_error,
       o.delivered_at
  from outbox o
  join sources s on s.id = o.receiver
 where ($1::text[] is null or {_shown_state("$3")} = any($1))
 order by o.id desc
 limit $2
"""

COUNT_BY_STATE = f"""
select {_shown_state("$1")} as state, count(*) as n from outbox o group by 1 order by 1
"""

# FAILED events (all, or the ids in $1) due again, with a fresh retry window.
RETRY_FAILED = """
update outbox
   set state = 'PENDING', next_attempt_at = now(), first_attempt_at = null, leased_until = null
 where state = 'FAILED' and ($1::bigint[] is null or id = any($1))
returning id
"""

DROP_FAILED = """
delete from outbox where state = 'FAILED' and id = any($1::bigint[]) returning id
"""
