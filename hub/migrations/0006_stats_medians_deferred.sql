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

-- This migration redefined stats_refresh_medians (a changed period is only
-- marked: one row per period, plus its all-time period 'A' 1900-01-01 for
-- each changed year), stats_medians_of (also the all-time periods) and
-- stats_medians_truncated (the marks too). Their current bodies are in
-- functions.sql, applied after the numbered migrations.

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
