"""SQL of the statistics (``hub.stats``); the rollups are in migration 0003.

Every read takes the periods to sum as parallel arrays ``(tag, g, lo, hi)``:
``g`` the grain ('D', 'M', 'Y'), ``[lo, hi)`` a range of period starts, and
``tag`` 0 for the filter's own dates, 1 for the dates that make a wish
overdue. Cells are grouped by ``area`` (several for ``statsByRegion``) and,
when ``unit`` is set ('day', 'week', 'month', 'year'), by the series bucket
``date_trunc(unit, p)`` (blocks never straddle a bucket).

Reads from the records themselves (towns, villages, cells not kept) select
a region subtree as a code range in the "C" collation (codes nest by prefix)
and group by ``left(region_code, $n)``.
"""

# ---------------------------------------------------------------- reference

SOURCE_IDS = "select id, code from sources order by id"

# Regions at one level inside a code range (statsByRegion's rows).
REGIONS_IN_RANGE = """
select code from regions
 where level = $1 and code collate "C" >= $2 and code collate "C" < $3
 order by code
"""

# First and last day any wish or activity counts for (default series span).
DATA_SPAN = """
select least((select min(p) from stats_wish_cells
                where area = '21' and cat = 0 and grp = 0 and g = 'D' and total > 0),
             (select min(p) from stats_activity_cells
               where area = '21' and g = 'D' and activities > 0)) as first,
       greatest((select max(p) from stats_wish_cells
                  where area = '21' and cat = 0 and grp = 0 and g = 'D' and total > 0),
                (select max(p) from stats_activity_cells
                  where area = '21' and g = 'D' and activities > 0)) as last
"""

# ---------------------------------------------------------------- rollups

# The coarse histogram columns of stats_wish_cells (constant names).
COARSE_CLAIM = tuple(f"c{i:02d}" for i in range(24))
COARSE_FULFIL = tuple(f"f{i:02d}" for i in range(24))
_COARSE_SUMS = ", ".join(f"sum(c.{name}) as {name}" for name in COARSE_CLAIM + COARSE_FULFIL)

WISH_CELLS = f"""
select c.area,
       case when $5::text is null then null::date else date_trunc($5, c.p)::date end as bucket,
       r.tag,
       sum(c.total) as total, sum(c.pending) as pending, sum(c.open) as open,
       sum(c.claimed) as claimed, sum(c.fulfilled) as fulfilled, sum(c.cancelled) as cancelled,
       sum(c.with_claim) as with_claim, sum(c.with_fulfil) as with_fulfil,
       {_COARSE_SUMS}
  from unnest($1::integer[], $2::text[], $3::date[], $4::date[]) as r(tag, g, lo, hi)
  join stats_wish_cells c on c.g = r.g::"char" and c.p >= r.lo and c.p < r.hi
 where c.area = any($6::text[]) and c.cat = $7 and c.grp = $8
   and ($9::smallint is null or c.src = $9)
 group by 1, 2, 3
"""

# One-hour counts inside the requested hour ranges [blo, bhi), summed per
# request i; each row names one area and one block of periods to read.
# m: 'c' claim, 'f' fulfil.
HIST_FINE = """
select q.i, h.b, sum(h.n) as n
  from unnest($1::integer[], $2::text[], $3::text[], $4::integer[], $5::integer[], $6::text[],
              $7::date[], $8::date[]) as q(i, area, m, blo, bhi, g, lo, hi)
  join stats_wish_hist h
    on h.area = q.area and h.src = any($9::smallint[]) and h.m = q.m::"char"
   and h.g = q.g::"char" and h.p >= q.lo and h.p < q.hi and h.b >= q.blo and h.b < q.bhi
 group by 1, 2
"""

ACTIVITY_CELLS = """
select c.area,
       case when $5::text is null then null::date else date_trunc($5, c.p)::date end as bucket,
       sum(c.activities) as activities, sum(c.sessions) as sessions,
       sum(c.volunteer_attendances) as volunteer_attendances,
       sum(c.beneficiaries) as beneficiaries, sum(c.volunteer_hours) as volunteer_hours
  from unnest($1::integer[], $2::text[], $3::date[], $4::date[]) as r(tag, g, lo, hi)
  join stats_activity_cells c on c.g = r.g::"char" and c.p >= r.lo and c.p < r.hi
 where c.area = any($6::text[]) and ($7::smallint is null or c.src = $7) and r.tag = 0
 group by 1, 2
"""

NETWORK_CELLS = """
select a.area,
       coalesce((select sum(t.teams) from stats_team_cells t
                  where t.area = a.area and ($2::smallint is null or t.src = $2)), 0) as teams,
       coalesce((select sum(t.members) from stats_team_cells t
                  where t.area = a.area and ($2::smallint is null or t.src = $2)), 0) as members,
       coalesce((select sum(s.stations) from stats_station_cells s
                  where s.area = a.area and ($2::smallint is null or s.src = $2)), 0) as stations
  from unnest($1::text[]) as a(area)
"""

# ---------------------------------------------------------------- records

# Wishes in a region subtree ([$4, $5) in "C") over the ranges, grouped by
# left(region_code, $6) and bucket: status counts ('s') for every tag, hours
# ('c', 'f') for tag 0.
BASE_WISHES = """
with base as materialized (
    select left(w.region_code, $6) as key,
           case when $7::text is null then null::date
                else date_trunc($7, w.stats_day)::date end as bucket,
           r.tag, w.status, w.claim_hours, w.fulfil_hours
      from unnest($1::integer[], $2::date[], $3::date[]) as r(tag, lo, hi)
      join wishes w on w.stats_day >= r.lo and w.stats_day < r.hi
     where not w.deleted and not w.shadowed
       and w.region_code collate "C" >= $4 and w.region_code collate "C" < $5
       and ($8::text is null or w.category = $8)
       and ($9::text is null or w.beneficiary_group = $9)
       and ($10::smallint is null or w.source = $10)
)
select key, bucket, tag, 's' as kind, status as label, null::integer as hours, count(*) as n
  from base group by 1, 2, 3, 5
union all
select key, bucket, tag, 'c', null, claim_hours, count(*)
  from base where tag = 0 and claim_hours is not null group by 1, 2, 3, 6
union all
select key, bucket, tag, 'f', null, fulfil_hours, count(*)
  from base where tag = 0 and fulfil_hours is not null group by 1, 2, 3, 6
"""

# One-hour counts straight from the records, for medians no histogram holds:
# wishes whose hours lie in [blo, bhi) and day in [lo, hi), per measure m,
# grouped by left(region_code, $6) and bucket.
RECORDS_FINE = """
with r as (
    select * from unnest($1::text[], $2::integer[], $3::integer[], $4::date[], $5::date[])
        as r(m, blo, bhi, lo, hi)
)
select left(w.region_code, $6) as key,
       case when $7::text is null then null::date
            else date_trunc($7, w.stats_day)::date end as bucket,
       'c' as m, w.claim_hours as hours, count(*) as n
  from r join wishes w
    on w.claim_hours >= r.blo and w.claim_hours < r.bhi
   and w.stats_day >= r.lo and w.stats_day < r.hi
 where r.m = 'c' and not w.deleted and not w.shadowed and w.claim_hours is not null
   and w.region_code collate "C" >= $8 and w.region_code collate "C" < $9
   and ($10::text is null or w.category = $10)
   and ($11::text is null or w.beneficiary_group = $11)
   and ($12::smallint is null or w.source = $12)
 group by 1, 2, 4
union all
select left(w.region_code, $6), case when $7::text is null then null::date
                                     else date_trunc($7, w.stats_day)::date end,
       'f', w.fulfil_hours, count(*)
  from r join wishes w
    on w.fulfil_hours >= r.blo and w.fulfil_hours < r.bhi
   and w.stats_day >= r.lo and w.stats_day < r.hi
 where r.m = 'f' and not w.deleted and not w.shadowed and w.fulfil_hours is not null
   and w.region_code collate "C" >= $8 and w.region_code collate "C" < $9
   and ($10::text is null or w.category = $10)
   and ($11::text is null or w.beneficiary_group = $11)
   and ($12::smallint is null or w.source = $12)
 group by 1, 2, 4
"""

BASE_ACTIVITIES = """
select left(a.region_code, $6) as key,
       case when $7::text is null then null::date else date_trunc($7, a.date)::date end as bucket,
       count(*) as activities, sum(a.sessions) as sessions,
       sum(a.volunteer_attendances) as volunteer_attendances,
       sum(a.beneficiaries) as beneficiaries, sum(a.volunteer_hours::numeric) as volunteer_hours
  from unnest($1::integer[], $2::date[], $3::date[]) as r(tag, lo, hi)
  join activities a on a.date >= r.lo and a.date < r.hi
 where not a.deleted and r.tag = 0
   and a.region_code collate "C" >= $4 and a.region_code collate "C" < $5
   and ($8::smallint is null or a.source = $8)
 group by 1, 2
"""

BASE_NETWORK = """
select key, coalesce(t.teams, 0) as teams, coalesce(t.members, 0) as members,
       coalesce(s.stations, 0) as stations
  from (select left(region_code, $3) as key, count(*) as teams, sum(member_count) as members
          from teams
         where not deleted and region_code collate "C" >= $1 and region_code collate "C" < $2
           and ($4::smallint is null or source = $4)
         group by 1) t
  full join (select left(region_code, $3) as key, count(*) as stations
               from stations
              where not deleted and region_code collate "C" >= $1
                and region_code collate "C" < $2 and ($4::smallint is null or source = $4)
              group by 1) s using (key)
"""
