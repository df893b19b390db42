-- Stored medians recomputed after the commit, not inside it; and kept for
-- all time too.
--
-- Migration 0005 recomputed every changed period's medians inside the
-- delivery's transaction. On a full province database a delivery spread over
-- a year touches thousands of periods, and recomputing a year or a month sums
-- thousands of one-hour rows: commits took over a second, and seeding fell
-- from 2,600 to under 1,000 records/s as the histograms grew.
--
-- Now a changed period is only marked (stats_medians_dirty, in the delivery's
-- own transaction), and stats_refresh_medians_batch() recomputes marked
-- periods later (the hub calls it in the background; `hub seed` at its end).
-- A reader trusts a stored median only when its period carries no mark, and
-- otherwise sums the histograms as for any other range, so figures stay exact
-- at every moment.
--
-- Why the marks are plain rows, duplicates allowed, and not an upsert: a mark
-- becomes visible together with the histogram change it stands for (one
-- commit), and a refresh deletes only the marks its snapshot sees before
-- reading the histograms in a later snapshot, so a mark can never be removed
-- by a refresh that did not see its change. An "insert if absent" would let a
-- delivery lean on an older mark that a concurrent refresh is about to delete.

create table stats_medians_dirty (
    area text not null,
    g    "char" not null,
    p    date not null
);
create index stats_medians_dirty_key on stats_medians_dirty (area, g, p);

-- Periods are those of 0005 and one more per area: g 'A', p 1900-01-01, all
-- time (every year from 1900 to 2200, the bounds hub.stats_calendar gives a
-- filter without dates), which a filter without dates reads. Each changed
-- year changes it too.
create or replace function stats_refresh_medians() returns trigger
language plpgsql as $$
begin
    insert into stats_medians_dirty (area, g, p)
    select distinct area, g, p from changed_rows
    union
    select distinct area, 'A'::"char", date '1900-01-01' from changed_rows where g = 'Y';
    return null;
end
$$;

create or replace function stats_medians_of(keys_area text[], keys_g "char"[], keys_p date[])
returns table (area text, g "char", p date, claim double precision, fulfil double precision)
language sql stable as $$
    with k as (
        select distinct * from unnest(keys_area, keys_g, keys_p) as k(area, g, p)
    ),
    -- Every source (0: all together, the province's) and measure, so that
    -- each period is a seek on the primary key.
    s as (select 0::smallint as src union all select id::smallint from sources),
    mm as (select * from (values ('c'::"char"), ('f'::"char")) as mm(m)),
    h as (
        select x.area, x.g, x.p, x.m, x.b, sum(x.n) as n
          from (
            select k.area, k.g, k.p, h.m, h.b, h.n
              from k cross join s cross join mm
              join stats_wish_hist h
                on h.area = k.area and h.src = s.src and h.m = mm.m and h.g = k.g and h.p = k.p
            union all
            select k.area, k.g, k.p, h.m, h.b, h.n
              from k cross join s cross join mm
              join stats_wish_hist h
                on h.area = k.area and h.src = s.src and h.m = mm.m and h.g = 'Y'
               and h.p >= date '1900-01-01' and h.p < date '2200-01-01'
             where k.g = 'A'
          ) x
         group by 1, 2, 3, 4, 5
        having sum(x.n) > 0
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

-- All time, for every area that has yearly histograms: the refresh computes
-- them after the migration.
insert into stats_medians_dirty (area, g, p)
select distinct area, 'A', date '1900-01-01' from stats_wish_hist where g = 'Y';

-- Recomputes up to max_keys marked periods; returns how many, or -1 when
-- another refresh holds the lock (one at a time, whatever the workers).
create function stats_refresh_medians_batch(max_keys integer) returns integer
language plpgsql as $$
declare
    keys_area text[];
    keys_g "char"[];
    keys_p date[];
begin
    if not pg_try_advisory_xact_lock(hashtext('stats_wish_medians')) then
        return -1;
    end if;
    -- This statement's snapshot: the marks it deletes, with the changes they
    -- stand for, are all visible to the next statement's.
    with pick as (
        select distinct area, g, p from stats_medians_dirty order by 1, 2, 3 limit max_keys
    ),
    gone as (
        delete from stats_medians_dirty d using pick
         where d.area = pick.area and d.g = pick.g and d.p = pick.p
        returning d.area, d.g, d.p
    )
    select array_agg(area order by area, g, p), array_agg(g order by area, g, p),
           array_agg(p order by area, g, p)
      into keys_area, keys_g, keys_p
      from (select distinct area, g, p from gone) k;
    if keys_area is null then
        return 0;
    end if;
    insert into stats_wish_medians as s (area, g, p, claim, fulfil)
    select * from stats_medians_of(keys_area, keys_g, keys_p)
     order by 1, 2, 3
    on conflict (area, g, p) do update set claim = excluded.claim, fulfil = excluded.fulfil;
    return cardinality(keys_area);
end
$$;

create or replace function stats_medians_truncated() returns trigger
language plpgsql as $$
begin
    truncate stats_wish_medians, stats_medians_dirty;
    return null;
end
$$;
