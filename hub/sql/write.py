"""SQL of the write path: set-wise upserts of one batch, one statement per kind.

Every upsert takes parallel arrays (``unnest``) already reduced to one row per
``(source, source_id)`` and sorted by ``source_id`` (two batches locking the
same rows in the same order cannot deadlock). It writes only when the
incoming version is newer and returns the rows it wrote: a key missing from
the result was a duplicate. The last parameter, ``keep_existing``, turns the
statement into "insert if absent" for side records (inferred teams ...).
"""

# The source's id and scope, once per batch.
SOURCE_BY_CODE = "select id, scope_code from sources where code = $1"

# Serialise what two concurrent transactions could each miss of the other:
# a provincial mirror and its city copy (shared for city wishes, exclusive for
# mirrors), and a pink code and its blue cards (per source). Key 1 is ours.
LOCK_MIRRORS_SHARED = "select pg_advisory_xact_lock_shared(2101, 1)"
LOCK_MIRRORS_EXCLUSIVE = "select pg_advisory_xact_lock(2101, 1)"
LOCK_CARDS = "select pg_advisory_xact_lock(2102, $1::int)"

# Towns and villages named by records, in code order (parents first); a
# region whose county the hub does not know is left out (its records are then
# rejected). A place held under its code gets a name once one arrives (never
# a name replaced by another, nor by a code).
#
# Concurrent deliveries name the same places: a place already held as it
# should be is skipped before the upsert, because ON CONFLICT DO UPDATE locks
# the row it meets (WHERE or not) until commit, which made every delivery of
# a city wait for the others and, in two batch orders, deadlock (40P01). The
# rest go in code order, so two deliveries wait for each other's new places in
# one order.
INSERT_RECORD_REGIONS = """
insert into regions (code, name, level, parent_code)
select u.code, u.name, u.level, u.parent_code
from unnest($1::text[], $2::text[], $3::text[], $4::text[])
     as u(code, name, level, parent_code)
where exists (select 1 from regions c where c.code = left(u.code, 6))
  and not exists (select 1 from regions r
                   where r.code = u.code and (r.name <> r.code or u.name = u.code))
order by u.code collate "C"
on conflict (code) do update set name = excluded.name
 where regions.name = regions.code and excluded.name <> excluded.code
"""

KNOWN_REGIONS = "select code from regions where code = any($1::text[])"

UPSERT_STATIONS = """
insert into stations as t (source, source_id, version, deleted, name, level,
                           region_code, city_code, county_code, parent_ref)
select $1::smallint, u.* from unnest(
    $2::text[], $3::bigint[], $4::boolean[], $5::text[], $6::text[],
    $7::text[], $8::text[], $9::text[], $10::text[]) as u
on conflict (source, source_id) do update
   set version = excluded.version, received_at = now(), deleted = excluded.deleted,
       name = excluded.name, level = excluded.level, region_code = excluded.region_code,
       city_code = excluded.city_code, county_code = excluded.county_code,
       parent_ref = excluded.parent_ref
 where not $11::boolean and excluded.version > t.version
returning t.source_id, (t.xmax = 0) as inserted
"""

# An inferred team (known only from being named elsewhere) never overwrites a
# row, and any real version replaces an inferred row whatever its number.
UPSERT_TEAMS = """
insert into teams as t (source, source_id, version, deleted, inferred, name, category,
                        region_code, city_code, county_code, station_ref, member_count)
select $1::smallint, u.* from unnest(
    $2::text[], $3::bigint[], $4::boolean[], $5::boolean[], $6::text[], $7::text[],
    $8::text[], $9::text[], $10::text[], $11::text[], $12::integer[]) as u
on conflict (source, source_id) do update
   set version = excluded.version, received_at = now(), deleted = excluded.deleted,
       inferred = false, name = excluded.name, category = excluded.category,
       region_code = excluded.region_code, city_code = excluded.city_code,
       county_code = excluded.county_code, station_ref = excluded.station_ref,
       member_count = excluded.member_count
 where not $13::boolean and not excluded.inferred
       and (excluded.version > t.version or t.inferred)
returning t.source_id, (t.xmax = 0) as inserted
"""

UPSERT_ACTIVITIES = """
insert into activities as t (source, source_id, version, deleted, title, category,
                             region_code, city_code, county_code, station_ref, team_ref,
                             date, sessions, volunteer_attendances, beneficiaries,
                             volunteer_hours)
select $1::smallint, u.* from unnest(
    $2::text[], $3::bigint[], $4::boolean[], $5::text[], $6::text[],
    $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],
    $12::date[], $13::integer[], $14::integer[], $15::integer[],
    $16::double precision[]) as u
on conflict (source, source_id) do update
   set version = excluded.version, received_at = now(), deleted = excluded.deleted,
       title = excluded.title, category = excluded.category,
       region_code = excluded.region_code, city_code = excluded.city_code,
       county_code = excluded.county_code, station_ref = excluded.station_ref,
       team_ref = excluded.team_ref, date = excluded.date, sessions = excluded.sessions,
       volunteer_attendances = excluded.volunteer_attendances,
       beneficiaries = excluded.beneficiaries, volunteer_hours = excluded.volunteer_hours
 where not $17::boolean and excluded.version > t.version
returning t.source_id, (t.xmax = 0) as inserted
"""

# The wishes come as one array of rows (type ingest_wish, migration 0022, its
# fields the columns after source in this order), not parallel arrays: asyncpg
# checks every element of an array against abstract classes, 43 checks a
# wish. A row's shadowed says whether the hub holds the city copy a mirror
# names (MIRRORS_HELD, just before, under the mirrors lock).
UPSERT_WISHES = """
insert into wishes as t (source, source_id, version, deleted, origin, title, kind, category,
                         beneficiary_group, beneficiary_name, status, region_code,
                         city_code, county_code, station_ref, submitted_at, claimed_at,
                         fulfilled_at, handling_level, claims_from_cards, own_status,
                         own_at, first_open_at, first_seen_at, shadowed)
select $1::smallint, u.* from unnest($2::ingest_wish[]) as u
on conflict (source, source_id) do update
   set version = excluded.version, received_at = now(), deleted = excluded.deleted,
       origin = excluded.origin, shadowed = excluded.shadowed, title = excluded.title,
       kind = excluded.kind, category = excluded.category,
       beneficiary_group = excluded.beneficiary_group,
       beneficiary_name = excluded.beneficiary_name, status = excluded.status,
       region_code = excluded.region_code, city_code = excluded.city_code,
       county_code = excluded.county_code, station_ref = excluded.station_ref,
       submitted_at = excluded.submitted_at, claimed_at = excluded.claimed_at,
       fulfilled_at = excluded.fulfilled_at,
       -- No platform reports escalation (they all send the default COUNTY):
       -- an escalation made in the hub survives the platform's next version.
       handling_level = case when excluded.handling_level = 'COUNTY'
                             then t.handling_level else excluded.handling_level end,
       claims_from_cards = excluded.claims_from_cards, own_status = excluded.own_status,
       own_at = excluded.own_at
 where not $3::boolean and excluded.version > t.version
returning t.id, t.source_id, (t.xmax = 0) as inserted
"""

# Which of the city copies named by mirrors ($1 codes, $2 ids) the hub holds,
# deleted or not: the city platform's truth is the one that counts. A join, so
# that each is one index probe, never a scan of all wishes.
MIRRORS_HELD = """
select u.code, u.source_id
  from unnest($1::text[], $2::text[]) as u(code, source_id)
  join sources s on s.code = u.code
  join wishes c on c.source = s.id and c.source_id = u.source_id
"""

# City copies just stored: their mirrors ("<code>:<id>") stop counting. Found
# first, then updated only when there are some: an update, even of no row,
# runs wishes' four statement triggers (~2 ms a batch).
UNSHADOWED_MIRRORS = """
select id from wishes where origin = any($1::text[]) and not shadowed
"""
SHADOW_MIRRORS = """
update wishes set shadowed = true where id = any($1::bigint[]) and not shadowed
"""

DELETE_CLAIMS = "delete from claims where wish_id = any($1::bigint[])"

# A claim whose team is named, not identified ($7), takes the id of the
# source's own team of that exact name when there is one.
INSERT_CLAIMS = """
insert into claims (wish_id, ordinal, claimant_kind, claimant_name, team_ref, claimed_at)
select u.wish_id, u.ordinal, u.kind, u.name,
       coalesce(u.team_ref, case when u.by_name then (
           select t.source_id from teams t join wishes w on w.id = u.wish_id
            where t.source = w.source and t.name = u.name and not t.deleted
            order by t.id limit 1) end),
       u.at
  from unnest($1::bigint[], $2::smallint[], $3::text[], $4::text[], $5::text[],
              $6::timestamptz[], $7::bool[]) as u(wish_id, ordinal, kind, name, team_ref, at, by_name)
"""

# The pinks the batch's cards claimed until now (a newer card version could
# name another pink: both are derived again).
CARD_WISH_REFS = """
select distinct wish_ref from claim_cards where source = $1 and source_id = any($2::text[])
"""

UPSERT_CLAIM_CARDS = """
insert into claim_cards as t (source, source_id, version, deleted, wish_ref, claimant_kind,
                              claimant_name, fulfilled, at)
select $1::smallint, u.* from unnest(
    $2::text[], $3::bigint[], $4::boolean[], $5::text[], $6::text[], $7::text[],
    $8::boolean[], $9::timestamptz[]) as u
on conflict (source, source_id) do update
   set version = excluded.version, received_at = now(), deleted = excluded.deleted,
       wish_ref = excluded.wish_ref, claimant_kind = excluded.claimant_kind,
       claimant_name = excluded.claimant_name, fulfilled = excluded.fulfilled,
       at = excluded.at
 where not $10::boolean and excluded.version > t.version
returning t.source_id, (t.xmax = 0) as inserted
"""

# Every version of a pink the batch carried, newest or not, moves the
# earliest open / earliest seen times (葫芦岛's submission time).
WIDEN_PINK_TIMES = """
update wishes w
   set first_open_at = least(w.first_open_at, u.open_at),
       first_seen_at = least(w.first_seen_at, u.seen_at)
  from unnest($2::text[], $3::timestamptz[], $4::timestamptz[]) as u(source_id, open_at, seen_at)
 where w.source = $1::smallint and w.source_id = u.source_id and w.claims_from_cards
   and (w.first_open_at is distinct from least(w.first_open_at, u.open_at)
        or w.first_seen_at is distinct from least(w.first_seen_at, u.seen_at))
"""

# A pink's status, times and claims from its own state and its live cards.
DERIVE_CARD_WISHES = """
with agg as (
    select w.id,
           count(c.id) as n,
           coalesce(bool_and(c.fulfilled), false) as all_done,
           min(c.at) as first_at,
           max(c.at) as last_at
      from wishes w
      left join claim_cards c on c.source = w.source and c.wish_ref = w.source_id
                             and not c.deleted
     where w.source = $1::smallint and w.source_id = any($2::text[]) and w.claims_from_cards
     group by w.id
)
update wishes w
   set status = case
           when w.own_status = 'CANCELLED' then 'CANCELLED'
           when w.own_status = 'FULFILLED' then 'FULFILLED'
           when a.n > 0 and a.all_done then 'FULFILLED'
           when a.n > 0 then 'CLAIMED'
           else 'OPEN' end,
       claimed_at = a.first_at,
       fulfilled_at = case
           when w.own_status = 'CANCELLED' then null
           when w.own_status = 'FULFILLED' then w.own_at
           when a.n > 0 and a.all_done then a.last_at end,
       submitted_at = coalesce(w.first_open_at, w.first_seen_at, w.submitted_at)
  from agg a
 where w.id = a.id
returning w.id
"""

REPLACE_CARD_CLAIMS = """
insert into claims (wish_id, ordinal, claimant_kind, claimant_name, team_ref, claimed_at)
select w.id,
       row_number() over (partition by w.id order by c.at, c.source_id),
       c.claimant_kind, c.claimant_name, null, c.at
  from wishes w
  join claim_cards c on c.source = w.source and c.wish_ref = w.source_id and not c.deleted
 where w.id = any($1::bigint[])
"""

# The batch row and the source's counters, after the records.
INSERT_BATCH = """
insert into batches (id, source, via, received, accepted, duplicates, rejected)
select $1, s.id, $3, $4, $5, $6, $7 from sources s where s.code = $2
"""

# A delivery whose records were stored (some may have been rejected). $4 says
# every record was rejected: the platform is up but its data is bad, which is
# not a failure of the feed (FAILING) but its own state (dataHealth REJECTED),
# with the reasons in the dead letters.
RECORD_DELIVERY = """
update sources
   set last_received_at = now(),
       last_success_at = case when $4::boolean then last_success_at else now() end,
       last_rejected_at = case when $4::boolean then now() else last_rejected_at end,
       records_accepted = records_accepted + $2,
       records_rejected = records_rejected + $3
 where code = $1
"""

# Dead letters that now land count as accepted records.
RECORD_REPLAY = """
update sources set records_accepted = records_accepted + $2 where code = $1
"""

# A delivery that could not be read at all (not the platform's envelope).
RECORD_BAD_DELIVERY = """
update sources
   set last_received_at = now(), last_failure_at = now(), last_failure = $2
 where code = $1
"""

# A delivery that failed in the hub itself (database): the platform re-sends.
RECORD_FAILURE = """
update sources set last_failure_at = now(), last_failure = $2 where code = $1
"""

# Blue cards whose pink code the hub does not hold.
ORPHAN_CARDS = """
select s.code as source, c.source_id, c.wish_ref, c.claimant_kind, c.fulfilled, c.at,
       c.received_at
  from claim_cards c
  join sources s on s.id = c.source
 where not c.deleted
   and ($1::text is null or s.code = $1)
   and not exists (select 1 from wishes w where w.source = c.source
                                            and w.source_id = c.wish_ref)
 order by c.received_at, c.id
"""
