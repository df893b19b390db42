"""SQL of team matching (``hub.matching`` explains the score and its parts).

One statement for a list of wishes: ``$1`` wish ids with ``$2`` how many
teams each; ``$3``–``$5`` the fit table (wish category, team category,
points; general teams included); ``$6`` the points of nearness by rank
(village, town, county, city, province); ``$7``/``$8`` the load's points
per open wish per member and their cap; ``$9`` how many candidates are
weighed by load.

Candidates: every team of the wish's city and, once the wish is handled at
province level, the teams of other cities whose field fits it (or general
ones): those are all equally far, so their best are the largest of each
fitting field, read from ``teams_category_members`` (at most ``$9`` per
field) rather than from a scan of the province's 33,000 teams. A team of
another city whose field does not fit would score at most 0: never shown.
"""

SUGGESTIONS = """
with k as (
    select u.n, u.wish_id, u.wanted, w.region_code, w.city_code, w.county_code, w.category,
           w.handling_level = 'PROVINCE' as escalated
      from unnest($1::bigint[], $2::int[]) with ordinality as u(wish_id, wanted, n)
      join wishes w on w.id = u.wish_id and not w.deleted and not w.shadowed
),
fit as (
    select * from unnest($3::text[], $4::text[], $5::int[]) as f(wish_category, team_category, points)
),
-- Per wish, the candidates with the best fit and nearness.
candidate as (
    select k.n, k.wish_id, k.wanted, k.category as wish_category, r.team_id, r.fit_points,
           (array['VILLAGE', 'TOWN', 'COUNTY', 'CITY', 'PROVINCE'])[r.rank] as nearness,
           ($6::int[])[r.rank] as near_points
      from k
     cross join lateral (
        select x.* from (
            select t.id as team_id, t.member_count, coalesce(f.points, 0) as fit_points,
                   case when length(k.region_code) = 12 and t.region_code = k.region_code then 1
                        when length(k.region_code) >= 9 and length(t.region_code) >= 9
                             and left(t.region_code, 9) = left(k.region_code, 9) then 2
                        when t.county_code = k.county_code then 3
                        else 4 end as rank
              from teams t
              left join fit f on f.wish_category = k.category and f.team_category = t.category
             where not t.deleted and t.city_code = k.city_code
            union all
            select o.id, o.member_count, f.points, 5
              from fit f
             cross join lateral (
                select t.id, t.member_count from teams t
                 where not t.deleted and t.category = f.team_category
                   and t.city_code <> k.city_code
                 order by t.member_count desc, t.id
                 limit $9
             ) o
             where k.escalated and f.wish_category = k.category
        ) x
         order by x.fit_points + ($6::int[])[x.rank] desc, x.member_count desc, x.team_id
         limit $9
     ) r
),
-- Each candidate team's load, once however many wishes it is a candidate for.
load as materialized (
    select t.id, t.source, t.source_id, t.name, t.category, t.region_code, t.member_count,
           t.station_ref,
           (select count(*) from claims cl
              join wishes cw on cw.id = cl.wish_id
             where cl.team_ref = t.source_id and cw.source = t.source
               and cw.status = 'CLAIMED' and not cw.deleted and not cw.shadowed
           )::int as open_claims,
           (select count(*) from wishes dw
             where dw.dispatch_team_id = t.id and dw.status in ('PENDING', 'OPEN')
               and not dw.deleted and not dw.shadowed
           )::int as open_dispatches
      from teams t
     where t.id in (select team_id from candidate)
),
scored as (
    select c.n, c.wish_id, c.wanted, c.wish_category, c.nearness, l.*,
           c.fit_points + c.near_points
           - least($8::int, round($7::numeric * (l.open_claims + l.open_dispatches)
                                  / greatest(l.member_count, 1)))::int as score
      from candidate c
      join load l on l.id = c.team_id
),
ranked as (
    select s.*, row_number() over (partition by s.n
                                   order by s.score desc, s.member_count desc, s.id) as place
      from scored s
)
select r.*,
       (select st.id from stations st
         where st.source = r.source and st.source_id = r.station_ref and not st.deleted)
         as station_id
  from ranked r
 where r.place <= r.wanted
 order by r.n, r.place
"""
