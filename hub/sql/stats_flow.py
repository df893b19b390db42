"""SQL of the flow figures (``hub.stats_flow``); the cells are in migration 0011.

Both statements take their requests as parallel arrays, one row per
(figure i, area or region range, period range), and answer per figure ``i``
the four counts: submitted, claimed, fulfilled, cancelled.
"""

# Cells: ``$1`` figure, ``$2`` area, ``$3`` grain, ``[$4, $5)`` period starts;
# ``$6`` category and ``$7`` group (0: any), ``$8`` source id or null. Each
# request row sums its own range of the key in a lateral join: joined at
# once, the planner sorted the whole table for a merge join (a county table
# over a year: 300 rows, 64 ms -> see the commit).
FLOW_CELLS = """
select r.i,
       coalesce(sum(x.submitted), 0)::bigint as submitted,
       coalesce(sum(x.claimed), 0)::bigint as claimed,
       coalesce(sum(x.fulfilled), 0)::bigint as fulfilled,
       coalesce(sum(x.cancelled), 0)::bigint as cancelled
  from unnest($1::integer[], $2::text[], $3::text[], $4::date[], $5::date[])
       as r(i, area, g, lo, hi)
 cross join lateral (
    select sum(c.submitted) as submitted, sum(c.claimed) as claimed,
           sum(c.fulfilled) as fulfilled, sum(c.cancelled) as cancelled
      from stats_flow_cells c
     where c.area = r.area and c.cat = $6::smallint and c.grp = $7::smallint
       and c.g = r.g::"char" and c.p >= r.lo and c.p < r.hi
       and ($8::smallint is null or c.src = $8::smallint)
 ) x
 group by r.i
"""

# Records: ``$1`` figure, ``[$2, $3)`` region codes in "C" order, ``[$4, $5)``
# Beijing days; ``$6`` category, ``$7`` group (null: any), ``$8`` source id or
# null. Each kind of event through its own region-first index (0003, 0011).
_FILTERS = """
   and ($6::text is null or w.category = $6::text)
   and ($7::text is null or w.beneficiary_group = $7::text)
   and ($8::smallint is null or w.source = $8::smallint)"""

FLOW_RECORDS = f"""
select r.i,
       (select count(*) from wishes w
         where not w.deleted and not w.shadowed
           and (w.region_code collate "C") >= r.rlo and (w.region_code collate "C") < r.rhi
           and w.stats_day >= r.lo and w.stats_day < r.hi{_FILTERS}) as submitted,
       (select count(*) from wishes w
         where not w.deleted and not w.shadowed and w.claimed_at is not null
           and (w.region_code collate "C") >= r.rlo and (w.region_code collate "C") < r.rhi
           and stats_beijing_day(w.claimed_at) >= r.lo
           and stats_beijing_day(w.claimed_at) < r.hi{_FILTERS}) as claimed,
       (select count(*) from wishes w
         where not w.deleted and not w.shadowed and w.fulfilled_at is not null
           and (w.region_code collate "C") >= r.rlo and (w.region_code collate "C") < r.rhi
           and stats_beijing_day(w.fulfilled_at) >= r.lo
           and stats_beijing_day(w.fulfilled_at) < r.hi{_FILTERS}) as fulfilled,
       (select count(*) from wishes w
         where not w.deleted and not w.shadowed and w.cancelled_at is not null
           and (w.region_code collate "C") >= r.rlo and (w.region_code collate "C") < r.rhi
           and stats_beijing_day(w.cancelled_at) >= r.lo
           and stats_beijing_day(w.cancelled_at) < r.hi{_FILTERS}) as cancelled
  from unnest($1::integer[], $2::text[], $3::text[], $4::date[], $5::date[])
       as r(i, rlo, rhi, lo, hi)
"""

# Names of regions below the reference data (towns, villages) for a report's rows.
REGION_NAMES = "select code, name from regions where code = any($1::text[])"


def _base_flow(kind: str, day: str, present: str, a: dict[str, str]) -> str:
    return f"""
select left(w.region_code, {a['key_len']}) as key,
       case when {a['unit']}::text is null then null::date
            else date_trunc({a['unit']}, {day})::date end as bucket,
       {a['columns']}'{kind}' as kind, {a['nulls']}count(*) as n
  from unnest({a['los']}::date[], {a['his']}::date[]) as r(lo, hi)
  join wishes w on {day} >= r.lo and {day} < r.hi
 where not w.deleted and not w.shadowed{present}
   and (w.region_code collate "C") >= {a['rlo']} and (w.region_code collate "C") < {a['rhi']}
   and ({a['category']}::text is null or w.category = {a['category']}::text)
   and ({a['group']}::text is null or w.beneficiary_group = {a['group']}::text)
   and ({a['src']}::text is null or w.source = (select id from sources where code = {a['src']}))
 group by 1, 2"""


def records_branches(a: dict[str, str]) -> str:
    """The flow figures counted from the records, one union branch per kind
    of event; ``a`` names the parameters (and the columns before and after
    ``kind``, for a statement that shares the union: hub.sql.stats)."""
    return " union all".join((
        _base_flow("s", "w.stats_day", "", a),
        _base_flow("c", "stats_beijing_day(w.claimed_at)", " and w.claimed_at is not null", a),
        _base_flow("f", "stats_beijing_day(w.fulfilled_at)", " and w.fulfilled_at is not null", a),
        _base_flow("x", "stats_beijing_day(w.cancelled_at)", " and w.cancelled_at is not null", a),
    ))


# The flow figures of a figures request (``hub.stats_query``) that no cell
# holds, from the records: the periods [$1, $2) (Beijing days), a region
# subtree [$3, $4) in "C" order, grouped by left(region_code, $5) and the
# series bucket date_trunc($6, day); $7 category, $8 group, $9 source code
# (null: any). One row per (key, bucket, kind) of event ('s', 'c', 'f', 'x'),
# each kind through the region-first or the category-and-group-first index
# of its day (0003, 0019). With stock figures read from the records too, the
# same branches join their statement (hub.sql.stats.BASE_WISHES_FLOWS).
BASE_FLOWS = records_branches({
    "los": "$1", "his": "$2", "rlo": "$3", "rhi": "$4", "key_len": "$5", "unit": "$6",
    "category": "$7", "group": "$8", "src": "$9", "columns": "", "nulls": ""})
