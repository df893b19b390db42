"""SQL of ``hub.stats_escalated``: escalated and dispatched wishes per filter.

Each filter is a row of the unnested arrays ($1 region code prefix, $2 from,
$3 to as Beijing calendar dates, $4 category, $5 beneficiary group, $6 source
code; null: any). The lateral part reads only the wishes an office took in
hand (the partial index ``wishes_in_hand``, migration 0012).
"""

ESCALATED_COUNTS = """
select f.i,
       count(w.id) filter (where w.handling_level = 'CITY') as city,
       count(w.id) filter (where w.handling_level = 'PROVINCE') as province,
       count(w.id) filter (where w.dispatch_team_id is not null) as dispatched
  from unnest($1::text[], $2::date[], $3::date[], $4::text[], $5::text[], $6::text[])
       with ordinality as f(prefix, from_day, to_day, category, grp, source_code, i)
  left join lateral (
        select w.id, w.handling_level, w.dispatch_team_id
          from wishes w
         where not w.deleted and not w.shadowed
           and (w.handling_level <> 'COUNTY' or w.dispatch_team_id is not null)
           and w.region_code like f.prefix || '%'
           and (f.from_day is null
                or w.submitted_at >= (f.from_day::timestamp at time zone 'Asia/Shanghai'))
           and (f.to_day is null
                or w.submitted_at < (f.to_day::timestamp at time zone 'Asia/Shanghai'))
           and (f.category is null or w.category = f.category)
           and (f.grp is null or w.beneficiary_group = f.grp)
           and (f.source_code is null
                or w.source = (select s.id from sources s where s.code = f.source_code))
       ) w on true
 group by f.i
 order by f.i
"""
