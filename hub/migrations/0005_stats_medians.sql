-- Medians per histogram period, kept in step with stats_wish_hist.
--
-- A figure whose dates are exactly one day, month or year of a region that
-- has one-hour histograms for it (a point of a daily, monthly or yearly
-- series; "this month"; "this year") reads its medians here, over all
-- sources together, instead of summing one-hour rows at query time. Other
-- ranges, a source, category or group filter still sum the histograms.
--
-- The values are those hub.stats_medians computes from the same one-hour
-- counts: the whole hours at the 0-based ranks (n-1)/2 and n/2, averaged.

create table stats_wish_medians (
    area   text not null,
    g      "char" not null,
    p      date not null,
    claim  double precision,  -- null: no wish of the period has claim hours
    fulfil double precision,
    primary key (area, g, p)
);

-- The medians of the given periods, from every source's one-hour counts.
create function stats_medians_of(keys_area text[], keys_g "char"[], keys_p date[])
returns table (area text, g "char", p date, claim double precision, fulfil double precision)
language sql stable as $$
    with k as (
        select distinct * from unnest(keys_area, keys_g, keys_p) as k(area, g, p)
    ),
    h as (
        select h.area, h.g, h.p, h.m, h.b, sum(h.n) as n
          from k
         -- Every source (0: all together, the province's) and measure, so
         -- that each period is a seek on the primary key.
         cross join (select 0::smallint as src union all select id::smallint from sources) s
         cross join (values ('c'::"char"), ('f'::"char")) as mm(m)
          join stats_wish_hist h
            on h.area = k.area and h.src = s.src and h.m = mm.m and h.g = k.g and h.p = k.p
         group by 1, 2, 3, 4, 5
        having sum(h.n) > 0
    ),
    ranked as (
        select h.*, sum(h.n) over (partition by h.area, h.g, h.p, h.m order by h.b) as upto,
               sum(h.n) over (partition by h.area, h.g, h.p, h.m) as total
          from h
    ),
    medians as (
        select r.area, r.g, r.p, r.m,
               (min(r.b) filter (where r.upto > (r.total - 1) / 2)
                + min(r.b) filter (where r.upto > r.total / 2)) / 2.0 as value
          from ranked r
         group by 1, 2, 3, 4
    )
    select k.area, k.g, k.p,
           (select m.value from medians m
             where m.area = k.area and m.g = k.g and m.p = k.p and m.m = 'c')::double precision,
           (select m.value from medians m
             where m.area = k.area and m.g = k.g and m.p = k.p and m.m = 'f')::double precision
      from k
$$;

-- Recomputes the periods a histogram statement changed. Folds of concurrent
-- deliveries take turns here (a transaction-level advisory lock, held until
-- their commit), so each recomputation reads every histogram change committed
-- before it: two transactions changing different hours of one period cannot
-- each miss the other's.
create function stats_refresh_medians() returns trigger
language plpgsql as $$
declare
    keys_area text[];
    keys_g "char"[];
    keys_p date[];
begin
    perform pg_advisory_xact_lock(hashtext('stats_wish_medians'));
    select array_agg(area order by area, g, p), array_agg(g order by area, g, p),
           array_agg(p order by area, g, p)
      into keys_area, keys_g, keys_p
      from (select distinct area, g, p from changed_rows) k;
    if keys_area is null then
        return null;
    end if;
    insert into stats_wish_medians as s (area, g, p, claim, fulfil)
    select * from stats_medians_of(keys_area, keys_g, keys_p)
     order by 1, 2, 3
    on conflict (area, g, p) do update set claim = excluded.claim, fulfil = excluded.fulfil;
    return null;
end
$$;

create trigger stats_wish_hist_insert after insert on stats_wish_hist
    referencing new table as changed_rows
    for each statement execute function stats_refresh_medians();
create trigger stats_wish_hist_update after update on stats_wish_hist
    referencing new table as changed_rows
    for each statement execute function stats_refresh_medians();

create function stats_medians_truncated() returns trigger
language plpgsql as $$
begin
    truncate stats_wish_medians;
    return null;
end
$$;

create trigger stats_wish_hist_truncate after truncate on stats_wish_hist
    for each statement execute function stats_medians_truncated();

-- What is already there.
insert into stats_wish_medians (area, g, p, claim, fulfil)
select m.*
  from (select array_agg(area) as a, array_agg(g) as g, array_agg(p) as p
          from (select distinct area, g, p from stats_wish_hist) k) keys,
       stats_medians_of(keys.a, keys.g, keys.p) m;
