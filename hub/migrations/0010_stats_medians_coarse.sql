-- Stored medians computed as the figures compute them: the coarse histograms
-- of the cells first (24 buckets a measure), then the one-hour counts of only
-- the buckets holding the middle ranks (migration 0008's index), rather than
-- a period's whole one-hour histogram. A day of the province has ~1,800
-- one-hour rows, its middle buckets a few dozen. Measured on the province:
-- a day's period 9.1 -> 0.9 ms, a year's 54 -> 2.5 ms, a refresh of all
-- 7,315 periods 14.7 -> 1.9 s. The old cost let a year-wide backfill keep
-- most of a year's days marked (their figures summed from histograms) for
-- minutes.
--
-- Same results as 0006's: ranks (total - 1) / 2 and total / 2 (0-based),
-- the mean of their hours; null without a wish.
create or replace function stats_medians_of(keys_area text[], keys_g "char"[], keys_p date[])
returns table (area text, g "char", p date, claim double precision, fulfil double precision)
language sql stable as $$
    with k as (
        select distinct * from unnest(keys_area, keys_g, keys_p) as k(area, g, p)
    ),
    -- All time ('A') is every year's cells.
    coarse as (
        select k.area, k.g, k.p,
               array[sum(c.c00), sum(c.c01), sum(c.c02), sum(c.c03), sum(c.c04), sum(c.c05),
                      sum(c.c06), sum(c.c07), sum(c.c08), sum(c.c09), sum(c.c10), sum(c.c11),
                      sum(c.c12), sum(c.c13), sum(c.c14), sum(c.c15), sum(c.c16), sum(c.c17),
                      sum(c.c18), sum(c.c19), sum(c.c20), sum(c.c21), sum(c.c22), sum(c.c23)] as cc,
               array[sum(c.f00), sum(c.f01), sum(c.f02), sum(c.f03), sum(c.f04), sum(c.f05),
                      sum(c.f06), sum(c.f07), sum(c.f08), sum(c.f09), sum(c.f10), sum(c.f11),
                      sum(c.f12), sum(c.f13), sum(c.f14), sum(c.f15), sum(c.f16), sum(c.f17),
                      sum(c.f18), sum(c.f19), sum(c.f20), sum(c.f21), sum(c.f22), sum(c.f23)] as ff
          from k
          join stats_wish_cells c
            on c.area = k.area and c.cat = 0 and c.grp = 0
           and c.g = case when k.g = 'A' then 'Y'::"char" else k.g end
           and c.p >= case when k.g = 'A' then date '1900-01-01' else k.p end
           and c.p <= case when k.g = 'A' then date '2200-01-01' else k.p end
         group by 1, 2, 3
    ),
    -- Per period, measure and coarse bucket (from 0): its wishes, those below it.
    buckets as (
        select x.area, x.g, x.p, x.m, (u.cb - 1)::smallint as cb, u.n,
               sum(u.n) over w - u.n as below,
               sum(u.n) over (partition by x.area, x.g, x.p, x.m) as total
          from (select c.area, c.g, c.p, 'c'::"char" as m, c.cc as counts from coarse c
                union all
                select c.area, c.g, c.p, 'f'::"char", c.ff from coarse c) x
         cross join lateral unnest(x.counts) with ordinality as u(n, cb)
        window w as (partition by x.area, x.g, x.p, x.m order by u.cb)
    ),
    -- The buckets holding the middle ranks (one rank when the count is odd).
    wanted as (
        select distinct b.area, b.g, b.p, b.m, b.cb, b.below, r.rank
          from buckets b
         cross join lateral (values ((b.total - 1) / 2), (b.total / 2)) as r(rank)
         where b.n > 0 and b.below <= r.rank and r.rank < b.below + b.n
    ),
    -- Their one-hour counts, every source together (src 0 is the province's).
    fine as (
        select x.area, x.g, x.p, x.m, x.cb, x.b, sum(x.n) as n
          from (
            select w.area, w.g, w.p, w.m, w.cb, h.b, h.n
              from (select distinct area, g, p, m, cb from wanted) w
             cross join (select 0::smallint as src union all select id::smallint from sources) s
              join stats_wish_hist h
                on h.area = w.area and h.src = s.src and h.m = w.m
               and h.g = case when w.g = 'A' then 'Y'::"char" else w.g end
               and stats_coarse(h.b) = w.cb
               and h.p >= case when w.g = 'A' then date '1900-01-01' else w.p end
               and h.p <= case when w.g = 'A' then date '2200-01-01' else w.p end
          ) x
         group by 1, 2, 3, 4, 5, 6
    ),
    ranked as (
        select f.*, sum(f.n) over (partition by f.area, f.g, f.p, f.m, f.cb order by f.b) as upto
          from fine f
    ),
    picked as (
        select w.area, w.g, w.p, w.m, w.rank, min(r.b) as b
          from wanted w
          join ranked r
            on r.area = w.area and r.g = w.g and r.p = w.p and r.m = w.m and r.cb = w.cb
         where r.upto > w.rank - w.below
         group by 1, 2, 3, 4, 5
    )
    select k.area, k.g, k.p,
           avg(x.b) filter (where x.m = 'c')::double precision,
           avg(x.b) filter (where x.m = 'f')::double precision
      from k
      left join picked x on x.area = k.area and x.g = k.g and x.p = k.p
     group by 1, 2, 3
$$;
