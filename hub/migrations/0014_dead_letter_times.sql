-- A record a platform re-sends while it is still rejected is one dead letter
-- that counts its arrivals (times, last_received_at), not one letter per
-- arrival: `hub deadletters` then lists what is wrong, once each.
alter table dead_letters
    add column times            integer not null default 1,
    add column last_received_at timestamptz;
update dead_letters set last_received_at = received_at;
alter table dead_letters
    alter column last_received_at set not null,
    alter column last_received_at set default now();

-- Letters kept twice before this migration become one, the oldest, counted.
with twins as (
    select min(id) as keep, array_agg(id) as ids, count(*) as n, max(received_at) as last
      from dead_letters
     where not resolved
     group by source, source_id, field, reason, raw, raw_text
    having count(*) > 1
), kept as (
    update dead_letters d set times = t.n, last_received_at = t.last
      from twins t where d.id = t.keep
    returning d.id
)
delete from dead_letters d using twins t
 where d.id = any(t.ids) and d.id <> t.keep;

-- The write path finds an unresolved letter of the same record by source id.
create index dead_letters_record on dead_letters (source, source_id) where not resolved;

-- "Its data is bad" apart from "it is down": a delivery whose every record
-- was rejected sets last_rejected_at, no longer last_failure_at (which makes
-- a source FAILING: a push that could not be read or stored, a failed pull).
alter table sources add column last_rejected_at timestamptz;
