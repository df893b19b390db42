"""SQL of ``hub.stats_escalated``: escalated and dispatched wishes per filter.

Each filter is a row of the unnested arrays: $1 how its region is matched
(PROVINCE: all; CITY: ``city_code``; COUNTY: ``county_code``; BELOW: a town's
or village's code prefix of ``region_code``; NONE: nothing), $2 that code,
$3 from, $4 to (Beijing calendar dates), $5 category, $6 beneficiary group,
$7 source code; null: any. Only the wishes an office took in hand are read
(the partial index ``wishes_in_hand``, migration 0012), and matched to the
filters of each kind by their city or county code with an equality the
planner can hash: the rows of a statsByRegion(COUNTY) cost a pass over those
wishes, not one pass per row. (Common table expressions would hide the row
counts from the planner, which then loops over every pair.)
"""

_FILTERS = """
unnest($1::text[], $2::text[], $3::date[], $4::date[], $5::text[], $6::text[], $7::text[])
    with ordinality as f(kind, code, from_day, to_day, category, grp, source_code, i)
"""

_IN_HAND = """
(select w.region_code, w.city_code, w.county_code,
        (w.submitted_at at time zone 'Asia/Shanghai')::date as day,
        w.category, w.beneficiary_group as grp, s.code as source_code,
        w.handling_level, w.dispatch_team_id is not null as dispatched
   from wishes w
   join sources s on s.id = w.source
  where not w.deleted and not w.shadowed
    and (w.handling_level <> 'COUNTY' or w.dispatch_team_id is not null)) as h
"""

_MATCH = """
   and (f.from_day is null or h.day >= f.from_day)
   and (f.to_day is null or h.day < f.to_day)
   and (f.category is null or h.category = f.category)
   and (f.grp is null or h.grp = f.grp)
   and (f.source_code is null or h.source_code = f.source_code)
"""


def _placed(kind: str, region: str) -> str:
    return f"""
select f.i, h.handling_level, h.dispatched
  from {_FILTERS}
  join {_IN_HAND} on f.kind = '{kind}' and {region}
 where true {_MATCH}"""


ESCALATED_COUNTS = f"""
with placed as (
    {_placed("CITY", "h.city_code = f.code")}
    union all
    {_placed("COUNTY", "h.county_code = f.code")}
    union all
    {_placed("PROVINCE", "true")}
    union all
    {_placed("BELOW", "starts_with(h.region_code, f.code)")}
)
select n.i,
       count(p.i) filter (where p.handling_level = 'CITY') as city,
       count(p.i) filter (where p.handling_level = 'PROVINCE') as province,
       count(p.i) filter (where p.dispatched) as dispatched
  from generate_series(1, cardinality($1::text[])) as n(i)
  left join placed p on p.i = n.i
 group by n.i
 order by n.i
"""
