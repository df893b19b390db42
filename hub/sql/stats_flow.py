"""SQL of the flow figures (``hub.stats_flow``); the cells are in migration 0011.

Both statements take their requests as parallel arrays, one row per
(figure i, area or region range, period range), and answer per figure ``i``
the four counts: submitted, claimed, fulfilled, cancelled.
"""

# Cells: ``$1`` figure, ``$2`` area, ``$3`` grain, ``[$4, $5)`` period starts;
# ``$6`` category and ``$7`` group (0: any), ``$8`` source id or null.
FLOW_CELLS = """
select r.i,
       coalesce(sum(c.submitted), 0)::bigint as submitted,
       coalesce(sum(c.claimed), 0)::bigint as claimed,
       coalesce(sum(c.fulfilled), 0)::bigint as fulfilled,
       coalesce(sum(c.cancelled), 0)::bigint as cancelled
  from unnest($1::integer[], $2::text[], $3::text[], $4::date[], $5::date[])
       as r(i, area, g, lo, hi)
  join stats_flow_cells c
    on c.area = r.area and c.cat = $6::smallint and c.grp = $7::smallint and c.g = r.g::"char"
   and c.p >= r.lo and c.p < r.hi and ($8::smallint is null or c.src = $8::smallint)
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
