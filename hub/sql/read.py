"""SQL of the API's reads: list pages, totals and the per-request loaders.

A single wish status is passed as a scalar (``$5``) rather than a one-element
array (``$4``): only an equality lets the planner walk the (county, status,
submitted_at) index in order instead of filtering a date-ordered scan.

Region filters take three parameters, of which at most one is set: a city
code (equality on ``city_code``), a county code (equality on
``county_code``), or a code prefix for towns and villages (``like``). Every
list hides deleted records, and wishes also hide shadowed provincial mirrors.

Pages select and limit the base rows first, then join their to-one
relations (limit first, join after: 15-30x faster than the other way).
"""

# ---------------------------------------------------------------- wishes

_WISH_FILTER = """
      not w.deleted and not w.shadowed
  and ($1::text is null or w.city_code = $1)
  and ($2::text is null or w.county_code = $2)
  and ($3::text is null or w.region_code like $3)
  and ($4::text[] is null or w.status = any($4))
  and ($5::text is null or w.status = $5)
  and ($6::text[] is null or w.category = any($6))
  and ($7::text[] is null or w.beneficiary_group = any($7))
  and ($8::text is null or w.source = (select s.id from sources s where s.code = $8))
  and ($9::timestamptz is null or w.submitted_at >= $9)
  and ($10::timestamptz is null or w.submitted_at < $10)
  and ($11::text is null or w.title ilike $11)
  and ($12::text is null or w.handling_level = $12)
  and ($13::bigint is null or exists (
        select 1 from claims c join teams t on t.source = w.source and t.source_id = c.team_ref
         where c.wish_id = w.id and t.id = $13))
"""

_WISH_COLUMNS = """
       w.id, w.source, w.source_id, w.title, w.kind, w.category, w.beneficiary_group,
       w.beneficiary_name, w.status, w.region_code, w.submitted_at, w.claimed_at,
       w.fulfilled_at, w.handling_level,
       (select st.id from stations st
         where st.source = w.source and st.source_id = w.station_ref and not st.deleted)
         as station_id
"""

WISHES_PAGE_DESC = f"""
select {_WISH_COLUMNS}
from (
    select w.* from wishes w
    where {_WISH_FILTER}
      and ($14::timestamptz is null or (w.submitted_at, w.id) < ($14, $15::bigint))
    order by w.submitted_at desc, w.id desc
    limit $16
) w
order by w.submitted_at desc, w.id desc
"""

WISHES_PAGE_ASC = f"""
select {_WISH_COLUMNS}
from (
    select w.* from wishes w
    where {_WISH_FILTER}
      and ($14::timestamptz is null or (w.submitted_at, w.id) > ($14, $15::bigint))
    order by w.submitted_at, w.id
    limit $16
) w
order by w.submitted_at, w.id
"""

WISHES_COUNT = f"select count(*) from wishes w where {_WISH_FILTER}"

WISHES_BY_ID = f"""
select {_WISH_COLUMNS}
from wishes w
where w.id = any($1::bigint[]) and not w.deleted and not w.shadowed
"""

CLAIMS_BY_WISH = """
select c.wish_id, c.claimant_kind, c.claimant_name, c.claimed_at,
       (select t.id from teams t
         where t.source = w.source and t.source_id = c.team_ref and not t.deleted) as team_id
from claims c
join wishes w on w.id = c.wish_id
where c.wish_id = any($1::bigint[])
order by c.wish_id, c.ordinal
"""

# ---------------------------------------------------------------- teams

_TEAM_FILTER = """
      not t.deleted
  and ($1::text is null or t.city_code = $1)
  and ($2::text is null or t.county_code = $2)
  and ($3::text is null or t.region_code like $3)
  and ($4::text[] is null or t.category = any($4))
  and ($5::text is null or t.name ilike $5)
"""

_TEAM_COLUMNS = """
       t.id, t.source, t.source_id, t.name, t.category, t.region_code, t.member_count,
       (select st.id from stations st
         where st.source = t.source and st.source_id = t.station_ref and not st.deleted)
         as station_id
"""

TEAMS_PAGE = f"""
select {_TEAM_COLUMNS}
from (
    select t.* from teams t
    where {_TEAM_FILTER}
      and ($6::bigint is null or t.id > $6)
    order by t.id
    limit $7
) t
order by t.id
"""

TEAMS_COUNT = f"select count(*) from teams t where {_TEAM_FILTER}"

TEAMS_BY_ID = f"""
select {_TEAM_COLUMNS}
from teams t
where t.id = any($1::bigint[]) and not t.deleted
"""

# ---------------------------------------------------------------- stations

_STATION_FILTER = """
      not s.deleted
  and ($1::text is null or s.city_code = $1)
  and ($2::text is null or s.county_code = $2)
  and ($3::text is null or s.region_code like $3)
  and ($4::text[] is null or s.level = any($4))
"""

_STATION_COLUMNS = """
       s.id, s.source, s.source_id, s.name, s.level, s.region_code,
       (select p.id from stations p
         where p.source = s.source and p.source_id = s.parent_ref and not p.deleted)
         as parent_id
"""

STATIONS_PAGE = f"""
select {_STATION_COLUMNS}
from (
    select s.* from stations s
    where {_STATION_FILTER}
      and ($5::bigint is null or s.id > $5)
    order by s.id
    limit $6
) s
order by s.id
"""

STATIONS_COUNT = f"select count(*) from stations s where {_STATION_FILTER}"

STATIONS_BY_ID = f"""
select {_STATION_COLUMNS}
from stations s
where s.id = any($1::bigint[]) and not s.deleted
"""

# ---------------------------------------------------------------- activities

_ACTIVITY_FILTER = """
      not a.deleted
  and ($1::text is null or a.city_code = $1)
  and ($2::text is null or a.county_code = $2)
  and ($3::text is null or a.region_code like $3)
  and ($4::text[] is null or a.category = any($4))
  and ($5::date is null or a.date >= $5)
  and ($6::date is null or a.date < $6)
  and ($7::bigint is null or exists (
        select 1 from teams t where t.id = $7 and t.source = a.source and t.source_id = a.team_ref))
"""

_ACTIVITY_COLUMNS = """
       a.id, a.source, a.source_id, a.title, a.category, a.region_code, a.date,
       a.sessions, a.volunteer_attendances, a.beneficiaries, a.volunteer_hours,
       (select st.id from stations st
         where st.source = a.source and st.source_id = a.station_ref and not st.deleted)
         as station_id,
       (select t.id from teams t
         where t.source = a.source and t.source_id = a.team_ref and not t.deleted)
         as team_id
"""

ACTIVITIES_PAGE = f"""
select {_ACTIVITY_COLUMNS}
from (
    select a.* from activities a
    where {_ACTIVITY_FILTER}
      and ($8::date is null or (a.date, a.id) < ($8, $9::bigint))
    order by a.date desc, a.id desc
    limit $10
) a
order by a.date desc, a.id desc
"""

ACTIVITIES_COUNT = f"select count(*) from activities a where {_ACTIVITY_FILTER}"

ACTIVITIES_BY_ID = f"""
select {_ACTIVITY_COLUMNS}
from activities a
where a.id = any($1::bigint[]) and not a.deleted
"""

# ---------------------------------------------------------------- regions and sources

REGIONS_BY_CODE = """
select code, name, level, parent_code from regions where code = any($1::text[])
"""

ALL_REGIONS = "select code, name, level, parent_code from regions"

REGIONS_LIST = """
select code, name, level, parent_code from regions
where ($1::text is null or level = $1)
  and ($2::text is null or parent_code = $2)
order by code
"""

REGION_CHILDREN = """
select code, name, level, parent_code from regions
where parent_code = any($1::text[])
order by code
"""

# Records rejected per source in the last 24 hours (batches_source index).
REJECTED_LAST_DAY = """
select source, sum(rejected)::bigint as rejected from batches
 where source = any($1::smallint[]) and received_at > now() - interval '24 hours'
 group by source
"""

SOURCES = """
select id, code, name, scope_code, last_received_at, last_success_at, last_failure_at,
       last_rejected_at, records_accepted, records_rejected
from sources
order by id
"""
