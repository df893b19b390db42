"""SQL of team matching (``hub.matching`` explains the score and its parts).

One statement for a list of wishes: ``$1`` wish ids with ``$2`` how many
teams each; ``$3``–``$5`` the fit table (wish category, team category,
points); ``$6`` the points of a general team (OTHER); ``$7`` the points of
nearness by rank (village, town, county, city, province); ``$8``/``$9`` the
load's points per open wish per member and their cap; ``$10`` how many
candidates are weighed by load; ``$11`` every city of the province (the
candidates of a wish handled at province level).
"""

SUGGESTIONS = """
with k as (
    select u.n, u.wish_id, u.wanted, w.region_code, w.city_code, w.county_code, w.category,
           case when w.handling_level = 'PROVINCE' then $11::text[]
                else array[w.city_code] end as cities
      from unnest($1::bigint[], $2::int[]) with ordinality as u(wish_id, wanted, n)
      join wishes w on w.id = u.wish_id and not w.deleted and not w.shadowed
),
fit as (
    select * from unnest($3::text[], $4::text[], $5::int[]) as f(wish_category, team_category, points)
)
select k.wish_id, k.wanted, k.category as wish_category, s.*,
       (select st.id from stations st
         where st.source = s.source and st.source_id = s.station_ref and not st.deleted)
         as station_id
  from k
 cross join lateral (
    select c.*,
           c.fit_points + c.near_points
           - least($9::int, round($8::numeric * (c.open_claims + c.open_dispatches)
                                  / greatest(c.member_count, 1)))::int as score
      from (
        select p.*,
               (select count(*) from claims cl
                  join wishes cw on cw.id = cl.wish_id
                 where cl.team_ref = p.source_id and cw.source = p.source
                   and cw.status = 'CLAIMED' and not cw.deleted and not cw.shadowed
               )::int as open_claims,
               (select count(*) from wishes dw
                 where dw.dispatch_team_id = p.id and dw.status in ('PENDING', 'OPEN')
                   and not dw.deleted and not dw.shadowed
               )::int as open_dispatches
          from (
            select r.*, (array['VILLAGE', 'TOWN', 'COUNTY', 'CITY', 'PROVINCE'])[r.rank] as nearness,
                   ($7::int[])[r.rank] as near_points
              from (
                select t.id, t.source, t.source_id, t.name, t.category, t.region_code,
                       t.member_count, t.station_ref,
                       coalesce(f.points, case when t.category = 'OTHER' then $6::int else 0 end)
                         as fit_points,
                       case when length(k.region_code) = 12 and t.region_code = k.region_code then 1
                            when length(k.region_code) >= 9 and length(t.region_code) >= 9
                                 and left(t.region_code, 9) = left(k.region_code, 9) then 2
                            when t.county_code = k.county_code then 3
                            when t.city_code = k.city_code then 4
                            else 5 end as rank
                  from teams t
                  left join fit f on f.wish_category = k.category and f.team_category = t.category
                 where not t.deleted and t.city_code = any(k.cities)
              ) r
             order by r.fit_points + ($7::int[])[r.rank] desc, r.member_count desc, r.id
             limit $10
          ) p
      ) c
     order by score desc, c.member_count desc, c.id
     limit k.wanted
 ) s
 order by k.n, s.score desc, s.member_count desc, s.id
"""
