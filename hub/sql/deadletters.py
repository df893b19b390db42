"""SQL of the dead-letter store: rejected records and unreadable bodies."""

INSERT_DEAD_LETTERS = """
insert into dead_letters (source, batch_id, record_index, source_id, field, reason, raw,
                          raw_text)
select s.id, $2::uuid, u.* from sources s, unnest(
    $3::integer[], $4::text[], $5::text[], $6::text[], $7::jsonb[], $8::text[]) as u
where s.code = $1
returning id
"""

# Newest first; resolved letters only when asked.
LIST_DEAD_LETTERS = """
select d.id, s.code as source, d.batch_id, d.received_at, d.record_index, d.source_id,
       d.field, d.reason, d.replayed_at, d.resolved, d.raw_text is not null as whole_body
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
