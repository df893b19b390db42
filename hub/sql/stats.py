"""SQL of the statistics (``hub.stats``); the rollups are in migration 0003.

Every read takes the periods to sum as parallel arrays ``(tag, g, lo, hi, sign)``:
``g`` the grain ('D', 'M', 'Y'), ``[lo, hi)`` a range of period starts,
``tag`` what they count for (the filter's own dates, the dates that make a
wish overdue, ...: see each statement), and ``sign`` -1 for periods taken
away rather than added (hub.stats_calendar.signed_cover: a year less its
last weeks). Cells are grouped by ``area`` (several for ``statsByRegion``)
and, when ``unit`` is set ('day', 'week', 'month', 'year'), by the series
bucket ``date_trunc(unit, p)`` (blocks never straddle a bucket).

Reads from the records themselves (towns, villages, cells not kept) select
a region subtree as a code range in the "C" collation (codes nest by prefix)
and group by ``left(region_code, $n)``.
"""

from hub.sql.stats_flow import records_branches

# ---------------------------------------------------------------- reference

SOURCE_ID = "select id from sources where code = $1"

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
# Summed as two arrays (claim, fulfil) rather than 48 columns: a county
# table's rows decode in a tenth of the time.
_COARSE_SUMS = ", ".join(
    "array[" + ", ".join(f"sum(c.{name} * r.sign)::integer" for name in names) + f"] as {alias}"
    for names, alias in ((COARSE_CLAIM, "claim"), (COARSE_FULFIL, "fulfil")))
_COARSE_NULLS = "null::integer[] as claim, null::integer[] as fulfil"

# Every figure the cells hold, in one statement: per (area, bucket), rows of
# kind 'w' (wishes: counts n1..n8 = total, pending, open, claimed, fulfilled,
# cancelled, with claim, with fulfil, n9 = overdue, then the coarse
# histograms), 'a' (activities: n1..n4 and hours), 't' (teams: n1, members
# n2) and 's' (stations: n1).
#
# Ranges: tag 0 the wish cells' periods, each read once for two sums: its
# sign for the filter's figures, ``odue`` for the overdue wishes (a period
# may count for one and not the other: the filter's dates and the overdue
# ones mostly share their periods); tag 2 the activity cells' periods; tag 4
# the flow cells' (below).
#
# The 'w' branch alone (WISH_FIGURES) and the others alone (OTHER_FIGURES)
# are statements too: the medians' next step waits only for the first, and
# the second can run meanwhile on another connection. Their parameters are
# numbered per statement, by name (PostgreSQL refuses one it cannot type,
# one a statement does not use): see the _ARGS below.
_RANGES = """
with r as (
    select * from unnest($1::integer[], $2::text[], $3::date[], $4::date[], $5::integer[],
                         $6::integer[]) as r(tag, g, lo, hi, sign, odue)
)"""
_OTHER_RANGES = """
with r as (
    select * from unnest($1::integer[], $2::text[], $3::date[], $4::date[], $5::integer[])
        as r(tag, g, lo, hi, sign)
)"""
_WISH_ARGS = {"unit": "$7", "areas": "$8", "cat": "$9", "src": "$10", "grp": "$11"}
_ALL_ARGS = {**_WISH_ARGS, "network": "$12"}
_OTHER_ARGS = {"unit": "$6", "areas": "$7", "src": "$8", "network": "$9"}


def _source(a: dict[str, str]) -> str:
    """A source filter (a code): an unknown code matches nothing."""
    src = a["src"]
    return f"({src}::text is null or c.src = (select id from sources where code = {src}))"


def _bucket(a: dict[str, str]) -> str:
    unit = a["unit"]
    return f"case when {unit}::text is null then null::date else date_trunc({unit}, c.p)::date end"


# The wish branch sums each area's cells in a lateral join of its own: a
# plain aggregate over its couple of dozen cells, rather than one sort of
# every area's wide rows for a grouping (a county table: 7.7 ms -> 6.7).
# ``srcs`` may repeat a source (the caller keeps a set).
def _wish_branch(coarse: str, a: dict[str, str]) -> str:
    return f"""
select 'w' as kind, a.area, x.bucket, x.srcs, x.n1, x.n2, x.n3, x.n4, x.n5, x.n6, x.n7, x.n8,
       x.n9, null::numeric as hours, x.claim, x.fulfil
  from unnest({a['areas']}::text[]) as a(area) cross join lateral (
select {_bucket(a)} as bucket,
       coalesce(array_agg(c.src) filter (where r.sign <> 0), '{{}}') as srcs,
       sum(c.total * r.sign) as n1, sum(c.pending * r.sign) as n2, sum(c.open * r.sign) as n3,
       sum(c.claimed * r.sign) as n4, sum(c.fulfilled * r.sign) as n5,
       sum(c.cancelled * r.sign) as n6, sum(c.with_claim * r.sign) as n7,
       sum(c.with_fulfil * r.sign) as n8, sum(c.open * r.odue) as n9, {coarse}
  from r join stats_wish_cells c on c.g = r.g::"char" and c.p >= r.lo and c.p < r.hi
 where r.tag = 0 and c.area = a.area and c.cat = {a['cat']} and c.grp = {a['grp']}
   and {_source(a)}
 group by 1) x"""


# Named as the wish branch's columns: OTHER_FIGURES begins with them. A sum
# of bigints is numeric: cast back, or the union makes the wish counts in the
# same columns numeric too (a year of days: 2,000 Decimals decoded and added).
def _other_branches(nulls: str, a: dict[str, str]) -> str:
    return f"""
select 'a' as kind, c.area, {_bucket(a)} as bucket, null::smallint[] as srcs,
       sum(c.activities * r.sign) as n1, sum(c.sessions * r.sign)::bigint as n2,
       sum(c.volunteer_attendances * r.sign)::bigint as n3,
       sum(c.beneficiaries * r.sign)::bigint as n4,
       null as n5, null as n6, null as n7, null as n8, null as n9,
       sum(c.volunteer_hours * r.sign) as hours, {nulls}
  from r join stats_activity_cells c on c.g = r.g::"char" and c.p >= r.lo and c.p < r.hi
 where r.tag = 2 and c.area = any({a['areas']}::text[]) and {_source(a)}
 group by 2, 3
union all
select 't', c.area, null, null, sum(c.teams), sum(c.members)::bigint, null, null, null, null, null, null,
       null, null, {nulls}
  from stats_team_cells c where c.area = any({a['areas']}::text[]) and {_source(a)}
   and {a['network']}
 group by 2
union all
select 's', c.area, null, null, sum(c.stations), null, null, null, null, null, null, null, null,
       null, {nulls}
  from stats_station_cells c where c.area = any({a['areas']}::text[]) and {_source(a)}
   and {a['network']}
 group by 2"""


# The flow figures (migration 0011: events on their own day) over the
# periods of tag 4, in each area's own lateral join like the wish branch:
# n1..n4 submitted, claimed, fulfilled, cancelled. Read in the same statement
# as the other cells when both are asked for (one round trip), alone when
# only they are.
def _flow_branch(a: dict[str, str]) -> str:
    return f"""
select 'f' as kind, a.area, x.bucket, null::smallint[] as srcs, x.n1, x.n2, x.n3, x.n4,
       null as n5, null as n6, null as n7, null as n8, null as n9, null::numeric as hours,
       {_COARSE_NULLS}
  from unnest({a['areas']}::text[]) as a(area) cross join lateral (
select {_bucket(a)} as bucket,
       sum(c.submitted * r.sign) as n1, sum(c.claimed * r.sign) as n2,
       sum(c.fulfilled * r.sign) as n3, sum(c.cancelled * r.sign) as n4
  from r join stats_flow_cells c on c.g = r.g::"char" and c.p >= r.lo and c.p < r.hi
 where r.tag = 4 and c.area = a.area and c.cat = {a['cat']}
   and c.grp = {a['grp']} and {_source(a)}
 group by 1) x"""


FIGURES = (_RANGES + _wish_branch(_COARSE_SUMS, _ALL_ARGS) + "\nunion all"
           + _other_branches(_COARSE_NULLS, _ALL_ARGS))
# The same without the histograms, when no median is asked for: far fewer
# values to sum and send.
FIGURES_COUNTS = (_RANGES + _wish_branch(_COARSE_NULLS, _ALL_ARGS) + "\nunion all"
                  + _other_branches(_COARSE_NULLS, _ALL_ARGS))
WISH_FIGURES = _RANGES + _wish_branch(_COARSE_SUMS, _WISH_ARGS)
OTHER_FIGURES = _OTHER_RANGES + _other_branches(_COARSE_NULLS, _OTHER_ARGS)
# With the flow figures too (the same parameters), and the flow figures alone
# (WISH_FIGURES' parameters).
FIGURES_FLOW = FIGURES + "\nunion all" + _flow_branch(_ALL_ARGS)
FIGURES_COUNTS_FLOW = FIGURES_COUNTS + "\nunion all" + _flow_branch(_ALL_ARGS)
WISH_FIGURES_FLOW = WISH_FIGURES + "\nunion all" + _flow_branch(_WISH_ARGS)
FLOW_FIGURES = _RANGES + _flow_branch(_WISH_ARGS)


# One-hour counts inside one coarse bucket cb (stats_coarse), summed per
# request i and hour: its hours and their counts as two arrays (a county
# table's thousands of (hour, count) pairs decode in C, not as one Python
# record each). A request reads one or more (area, source), a row each (the
# caller adds up a request's rows), over a set s of blocks of periods, each
# added or taken away (sign); a series has one set per bucket, the other
# figures one in all. m: 'c' claim, 'f' fulfil. Each (request, block) is one
# range of the index of migration 0008, summed by hour in the request's own
# lateral join (small sorts, not one of all the rows).
#
# HIST_FINE_SETS: a set's blocks are a slice of the arrays, from $11[s + 1]
# up to $11[s + 2] (exclusive; s from 0), so that each request reads only
# its own (a year of days, every day's medians from its histograms: 739
# requests each filtering 365 blocks spent half of 39 ms). HIST_FINE: one
# set, every block for every request (slicing would cost a tenth more).
# ``offset 0`` keeps the planner from joining the blocks to the histograms
# at once (it guesses ten rows of a slice, and a hash join then reads a
# request's every period).
def _hist_fine(blocks: str) -> str:
    return f"""
select q.i, x.hours, x.counts
  from unnest($1::integer[], $2::text[], $3::smallint[], $4::text[], $5::smallint[],
              $6::integer[]) as q(i, area, src, m, cb, s)
 cross join lateral (
    select array_agg(y.b) as hours, array_agg(y.n) as counts from (
        select h.b, sum(h.n * k.sign)::integer as n
          from unnest({blocks}) as k(g, lo, hi, sign)
         cross join lateral (
             select h.b, h.n from stats_wish_hist h
              where h.area = q.area and h.src = q.src and h.m = q.m::"char"
                and h.g = k.g::"char" and stats_coarse(h.b) = q.cb
                and h.p >= k.lo and h.p < k.hi
             offset 0) h
         group by 1
    ) y
 ) x
 where x.hours is not null
"""


_BLOCK_ARRAYS = ("$7::text[]", "$8::date[]", "$9::date[]", "$10::integer[]")
HIST_FINE = _hist_fine(", ".join(_BLOCK_ARRAYS))
HIST_FINE_SETS = _hist_fine(", ".join(
    f"({array})[($11::integer[])[q.s + 1]:($11::integer[])[q.s + 2] - 1]"
    for array in _BLOCK_ARRAYS))


# Medians kept per period over all sources (migrations 0005, 0006), for the
# periods [lo, hi] (inclusive: period starts) of each (area, g): rows 'm'
# (medians computed) and 'd' (periods marked since, whose medians are not to
# be used). One range scan per area rather than a lookup per period: a year
# of days is 365 periods.
STORED_MEDIANS = """
select 'm' as kind, m.area, m.g::text as g, m.p, m.claim, m.fulfil
  from unnest($1::text[], $2::text[], $3::date[], $4::date[]) as k(area, g, lo, hi)
  join stats_wish_medians m
    on m.area = k.area and m.g = k.g::"char" and m.p >= k.lo and m.p <= k.hi
union all
select 'd', d.area, d.g::text, d.p, null, null
  from unnest($1::text[], $2::text[], $3::date[], $4::date[]) as k(area, g, lo, hi)
  join stats_medians_dirty d
    on d.area = k.area and d.g = k.g::"char" and d.p >= k.lo and d.p <= k.hi
"""

# Recomputes up to $1 periods whose histograms changed: how many, -1 when
# another refresh is running.
REFRESH_MEDIANS = "select stats_refresh_medians_batch($1)"

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
       and ($10::text is null or w.source = (select id from sources where code = $10))
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

# BASE_WISHES and the flow figures no flow cell holds (hub.sql.stats_flow),
# in one round trip: the flow's periods [$11, $12), rows of tag 4 whose kind
# is the event's ('s', 'c', 'f', 'x').
BASE_WISHES_FLOWS = BASE_WISHES + "union all" + records_branches({
    "los": "$11", "his": "$12", "rlo": "$4", "rhi": "$5", "key_len": "$6", "unit": "$7",
    "category": "$8", "group": "$9", "src": "$10", "columns": "4 as tag, ",
    "nulls": "null as label, null::integer as hours, "})

# One-hour counts straight from the records, for medians no histogram holds:
# wishes whose hours lie in [blo, bhi) and day in [lo, hi), per measure m,
# grouped by left(region_code, $7) and bucket, negated for a range taken away
# (sign -1). Each hour of a range is looked up on its own (coarse buckets are
# at most 1,024 hours wide; the open-ended last one is read as a range), so
# the hours-first indexes serve it exactly.
# Only the counts of a wanted (key, bucket, measure, coarse bucket) are sent:
# $14..$17, the bucket 'infinity' when there is none. The lookups are shared
# by all keys, and most keys want another coarse bucket than a given hour's.
# One row per wanted group: its hours and their counts as two arrays (an
# hour may come more than once, from several lookups or rows: the caller
# adds up).
#
# Two forms. RECORDS_FINE, for one key (a region's figures, a series' points
# of one region), counts each lookup's rows on its own: they mostly collapse
# into one count, and many small sorts cost far less than one of all the rows
# (15,000 for a year: 26 ms -> 16). RECORDS_FINE_ROWS, for many keys (a
# statsByRegion table), sends each row of a lookup as it is (n = its sign):
# a county's lookup groups 80 rows into ~11 keys, two thirds of them keys
# that want another coarse bucket, and sorting them per lookup cost more than
# dropping them first and sorting what is left once (the county table over a
# year, 10,000 rows read, 3,400 kept: p50 of 10 filters 12.7 -> 9.9 ms;
# one province key: 3.7 -> 4.0, hence the two forms). Both compute each
# lookup's coarse bucket once, not per row.
# The filter and bucket every branch of RECORDS_FINE applies (fixed text).
_FINE_FILTER = """not w.deleted and not w.shadowed
              and w.region_code collate "C" >= $9 and w.region_code collate "C" < $10
              and ($11::text is null or w.category = $11)
              and ($12::text is null or w.beneficiary_group = $12)
              and ($13::text is null or w.source = (select id from sources where code = $13))"""
_FINE_BUCKET = "case when $8::text is null then null::date else date_trunc($8, w.stats_day)::date end"


def _fine_lookup(m: str, column: str, per_lookup: bool) -> str:
    """RECORDS_FINE's branch for one measure: every hour of its ranges looked
    up in that measure's hours-first index, counted per lookup or not (above)."""
    counted = (", count(*) as n", "w.n * o.sign", "\n        group by 1, 2")
    rows = ("", "o.sign", "")
    n, value, group = counted if per_lookup else rows
    return f"""select w.key, w.bucket, o.m, o.cb, o.hours, {value} as n
  from one o cross join lateral (
       select left(w.region_code, $7) as key, {_FINE_BUCKET} as bucket{n}
         from wishes w
        where o.m = '{m}' and w.{column} = o.hours
          and w.stats_day >= o.lo and w.stats_day < o.hi
          and {_FINE_FILTER}{group}
  ) w"""


def _records_fine(per_lookup: bool) -> str:
    return f"""
with r as (
    select * from unnest($1::text[], $2::integer[], $3::integer[], $4::date[], $5::date[],
                         $6::integer[]) as r(m, blo, bhi, lo, hi, sign)
),
one as (
    select r.m, h.hours, stats_coarse(h.hours) as cb, r.lo, r.hi, r.sign
      from r cross join lateral generate_series(r.blo, r.bhi - 1) as h(hours)
     where r.bhi - r.blo <= 1024
),
wide as (select * from r where r.bhi - r.blo > 1024),
found as (
{_fine_lookup('c', 'claim_hours', per_lookup)}
union all
{_fine_lookup('f', 'fulfil_hours', per_lookup)}
union all
select w.key, w.bucket, o.m, stats_coarse(w.hours), w.hours, w.n * o.sign
  from wide o cross join lateral (
       select left(w.region_code, $7) as key, {_FINE_BUCKET} as bucket,
              case when o.m = 'c' then w.claim_hours else w.fulfil_hours end as hours,
              count(*) as n
         from wishes w
        where w.stats_day >= o.lo and w.stats_day < o.hi
          and (case when o.m = 'c' then w.claim_hours else w.fulfil_hours end) >= o.blo
          and (case when o.m = 'c' then w.claim_hours else w.fulfil_hours end) < o.bhi
          and {_FINE_FILTER}
        group by 1, 2, 3
  ) w
)
select f.key, f.bucket, f.m, f.cb, array_agg(f.hours) as hours, array_agg(f.n::integer) as counts
  from found f
 where (f.key, coalesce(f.bucket, 'infinity'), f.m, f.cb)
       in (select * from unnest($14::text[], $15::date[], $16::text[], $17::smallint[]))
 group by 1, 2, 3, 4
"""


RECORDS_FINE = _records_fine(per_lookup=True)
RECORDS_FINE_ROWS = _records_fine(per_lookup=False)

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
   and ($8::text is null or a.source = (select id from sources where code = $8))
 group by 1, 2
"""

BASE_NETWORK = """
select key, coalesce(t.teams, 0) as teams, coalesce(t.members, 0) as members,
       coalesce(s.stations, 0) as stations
  from (select left(region_code, $3) as key, count(*) as teams, sum(member_count) as members
          from teams
         where not deleted and region_code collate "C" >= $1 and region_code collate "C" < $2
           and ($4::text is null or source = (select id from sources where code = $4))
         group by 1) t
  full join (select left(region_code, $3) as key, count(*) as stations
               from stations
              where not deleted and region_code collate "C" >= $1
                and region_code collate "C" < $2
                and ($4::text is null or source = (select id from sources where code = $4))
              group by 1) s using (key)
"""

# ---------------------------------------------------------------- prewarm

# Whether pg_prewarm is installed (migration 0007).
HAS_PREWARM = "select exists (select 1 from pg_extension where extname = 'pg_prewarm')"

# Loads one relation of the current schema into shared buffers: its blocks.
PREWARM = """
select coalesce(sum(pg_prewarm(c.oid)), 0)
  from pg_class c
 where c.relname = $1 and c.relnamespace = current_schema()::regnamespace
"""

# What the figures read, the rollups first: the cells, histograms and medians
# with their keys, then the records' statistics indexes (for what no cell holds).
PREWARM_RELATIONS = (
    "stats_wish_cells", "stats_wish_cells_pkey",
    "stats_activity_cells", "stats_activity_cells_pkey",
    "stats_team_cells", "stats_team_cells_pkey",
    "stats_station_cells", "stats_station_cells_pkey",
    "stats_wish_medians", "stats_wish_medians_pkey",
    "stats_medians_dirty", "stats_medians_dirty_key",
    "stats_wish_hist_coarse", "stats_wish_hist_pkey", "stats_wish_hist",
    "stats_wishes_region_day", "stats_wishes_category_day", "stats_wishes_group_day",
    "stats_wishes_claim", "stats_wishes_fulfil",
    "stats_wishes_category_claim", "stats_wishes_category_fulfil",
    "stats_wishes_group_claim", "stats_wishes_group_fulfil",
    "stats_activities_region_date",
    # Flow figures (migrations 0011, 0019): the cells, and the records'
    # indexes that count what no cell holds.
    "stats_flow_cells", "stats_flow_cells_pkey",
    "stats_wishes_region_claim_day", "stats_wishes_region_fulfil_day",
    "stats_wishes_region_cancel_day", "stats_wishes_dims_claim_day",
    "stats_wishes_dims_fulfil_day", "stats_wishes_dims_cancel_day",
)
