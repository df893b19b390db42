"""SQL of the dead-letter store: rejected records and unreadable bodies."""

# Rejected records (or a whole body) of one delivery. A letter still
# unresolved for the same record (same source, id, field, reason and raw form)
# is counted again rather than kept twice; twins within the delivery count too.
INSERT_DEAD_LETTERS = """
with arrived as (
    select u.*, count(*) over (partition by u.source_id, u.field, u.reason, u.raw, u.raw_text) as times,
           row_number() over (partition by u.source_id, u.field, u.reason, u.raw, u.raw_text
                              order by u.n) as nth
      from unnest($3::integer[], $4::text[], $5::text[], $6::text[], $7::jsonb[], $8::text[])
           with ordinality as u(record_index, source_id, field, reason, raw, raw_text, n)
), letters as (
    select a.*, s.id as source_pk,
           (select d.id from dead_letters d
             where d.source = s.id and not d.resolved
               and d.source_id is not distinct from a.source_id
               and d.field is not distinct from a.field and d.reason = a.reason
               and d.raw is not distinct from a.raw and d.raw_text is not distinct from a.raw_text
             order by d.id limit 1) as held
      from arrived a, sources s
     where a.nth = 1 and s.code = $1
), counted as (
    update dead_letters d
       set times = d.times + l.times, last_received_at = now(), batch_id = $2::uuid,
           record_index = l.record_index
      from letters l
     where d.id = l.held
    returning d.id
), added as (
    insert into dead_letters (source, batch_id, record_index, source_id, field, reason, raw,
                              raw_text, times)
    select l.source_pk, $2::uuid, l.record_index, l.source_id, l.field, l.reason, l.raw,
           l.raw_text, l.times
      from letters l
     where l.held is null
    returning id
)
select id from counted union all select id from added
"""

# Newest first; resolved letters only when asked.
LIST_DEAD_LETTERS = """
select d.id, s.code as source, d.batch_id, d.received_at, d.record_index, d.source_id,
       d.field, d.reason, d.replayed_at, d.resolved, d.raw_text is not null as whole_body,
       d.times, d.last_received_at
  from dead_letters d
  join sources s on s.id = d.source
 where ($1::text is null or s.code = $1)
   and ($2::boolean or not d.resolved)
 order by d.id desc
 limit $3
"""

# The letters a replay takes, oldest first, locked so that two replays do not
# run the same letter twice.
LETTERS_TO_REPLAY = """
select d.id, s.code as source, d.source as source_pk, d.record_index, d.source_id,
       d.raw, d.raw_text
  from dead_letters d
  join sources s on s.id = d.source
 where not d.resolved
   and ($1::text is null or s.code = $1)
   and ($2::bigint is null or d.id = $2)
   and d.id > $3 and d.id <= $4
 order by d.id
 limit $5
   for update of d skip locked
"""

RESOLVE_LETTERS = """
update dead_letters set resolved = true, replayed_at = now() where id = any($1::bigint[])
"""

# Still rejected: keep the letter with the reason the current adapter gives.
REJECT_AGAIN = """
update dead_letters d
   set replayed_at = now(), field = u.field, reason = u.reason
  from unnest($1::bigint[], $2::text[], $3::text[]) as u(id, field, reason)
 where d.id = u.id
"""

LAST_LETTER = "select max(id) from dead_letters"
