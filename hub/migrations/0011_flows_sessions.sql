-- Flow figures: the events of each kind on their own day.
--
-- The figures of 0003 count wishes by the day they were submitted, in the
-- state they are in now ("claimed" = CLAIMED now). A monthly report asks
-- another question: how many were submitted, claimed, fulfilled, cancelled
-- *this month*. Each wish is up to four events, each on its own Beijing
-- calendar day:
--
--   's' submitted   submitted_at
--   'c' claimed     claimed_at (the first claim), whatever the wish's status now
--   'f' fulfilled   fulfilled_at
--   'x' cancelled   cancelled_at, below
--
-- Platforms send no time of cancellation. A cancellation's date is the
-- moment the hub first stored the wish as CANCELLED (a wish delivered
-- already cancelled: the moment it arrived); a wish that leaves CANCELLED
-- loses it, and gets a new one if cancelled again. Wishes stored cancelled
-- before this migration take the time their current version arrived.
--
-- The events are kept in cells like the wish cells of 0003 (same areas,
-- grains, dimensions and kept combinations, stats_counted), captured by
-- statement triggers into a pending table and folded in at commit, after
-- the other cells (so the global lock order still holds). What no cell
-- holds comes from the records, through the region-first indexes below.

alter table wishes add column cancelled_at timestamptz;

create function stats_mark_cancelled() returns trigger
language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        new.cancelled_at := case when new.status = 'CANCELLED'
                                 then coalesce(new.cancelled_at, now()) end;
    else
        new.cancelled_at := case when new.status = 'CANCELLED' then now() end;
    end if;
    return new;
end
$$;

-- Row triggers only for the rows concerned (WHEN is checked without calling
-- the function): an insert that is or claims to be cancelled, an update that
-- changes the status into or out of CANCELLED.
create trigger stats_cancelled_insert before insert on wishes
    for each row when (new.status = 'CANCELLED' or new.cancelled_at is not null)
    execute function stats_mark_cancelled();
create trigger stats_cancelled_update before update of status on wishes
    for each row when (old.status is distinct from new.status
                       and (old.status = 'CANCELLED' or new.status = 'CANCELLED'))
    execute function stats_mark_cancelled();

-- Beijing calendar day of a time (one expression, for the indexes and the reads).
create function stats_beijing_day(t timestamptz) returns date
language sql immutable parallel safe as $$
    select (t at time zone 'Asia/Shanghai')::date
$$;

-- Events from the records (towns, villages, combinations no cell keeps):
-- a region subtree as a "C" code range, then the days. Submissions use
-- 0003's stats_wishes_region_day.
create index stats_wishes_region_claim_day
    on wishes ((region_code collate "C"), stats_beijing_day(claimed_at))
    include (source, category, beneficiary_group)
    where not deleted and not shadowed and claimed_at is not null;
create index stats_wishes_region_fulfil_day
    on wishes ((region_code collate "C"), stats_beijing_day(fulfilled_at))
    include (source, category, beneficiary_group)
    where not deleted and not shadowed and fulfilled_at is not null;
create index stats_wishes_region_cancel_day
    on wishes ((region_code collate "C"), stats_beijing_day(cancelled_at))
    include (source, category, beneficiary_group)
    where not deleted and not shadowed and cancelled_at is not null;

create table stats_flow_cells (
    area      text not null,
    g         "char" not null,
    p         date not null,
    src       smallint not null,
    cat       smallint not null,
    grp       smallint not null,
    submitted integer not null default 0,
    claimed   integer not null default 0,
    fulfilled integer not null default 0,
    cancelled integer not null default 0,
    primary key (area, cat, grp, g, p, src)
) with (fillfactor = 80);

create unlogged table stats_pending_flows (
    xid         xid8 not null default pg_current_xact_id(),
    sign        smallint not null,
    region_code text not null,
    src         smallint not null,
    cat         smallint not null,
    grp         smallint not null,
    kind        "char" not null,
    day         date not null
);
create index stats_pending_flows_xid on stats_pending_flows (xid);

-- One wish image's events (those with a date).
create function stats_flow_events(submitted_at timestamptz, claimed_at timestamptz,
                                  fulfilled_at timestamptz, cancelled_at timestamptz)
returns table (kind "char", day date)
language sql immutable parallel safe as $$
    select e.kind, e.day
      from (values ('s'::"char", stats_beijing_day(submitted_at)),
                   ('c'::"char", stats_beijing_day(claimed_at)),
                   ('f'::"char", stats_beijing_day(fulfilled_at)),
                   ('x'::"char", stats_beijing_day(cancelled_at))) as e(kind, day)
     where e.day is not null
$$;

create function stats_capture_flows() returns trigger
language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        insert into stats_pending_flows (sign, region_code, src, cat, grp, kind, day)
        select 1, n.region_code, n.source, stats_cat(n.category), stats_grp(n.beneficiary_group),
               e.kind, e.day
          from new_rows n
         cross join lateral stats_flow_events(n.submitted_at, n.claimed_at, n.fulfilled_at,
                                              n.cancelled_at) e
         where not n.deleted and not n.shadowed;
    elsif tg_op = 'DELETE' then
        insert into stats_pending_flows (sign, region_code, src, cat, grp, kind, day)
        select -1, o.region_code, o.source, stats_cat(o.category), stats_grp(o.beneficiary_group),
               e.kind, e.day
          from old_rows o
         cross join lateral stats_flow_events(o.submitted_at, o.claimed_at, o.fulfilled_at,
                                              o.cancelled_at) e
         where not o.deleted and not o.shadowed;
    else
        -- Versions that change no event cancel out here rather than in the cells.
        insert into stats_pending_flows (sign, region_code, src, cat, grp, kind, day)
        select d.sign, d.region_code, d.source, stats_cat(d.category),
               stats_grp(d.beneficiary_group), e.kind, e.day
          from (
            select -1 as sign, o.* from old_rows o
             where not o.deleted and not o.shadowed
               and not exists (
                   select 1 from new_rows n
                    where n.id = o.id and not n.deleted and not n.shadowed
                      and (n.region_code, n.source, n.category, n.beneficiary_group,
                           n.submitted_at, n.claimed_at, n.fulfilled_at, n.cancelled_at)
                          is not distinct from
                          (o.region_code, o.source, o.category, o.beneficiary_group,
                           o.submitted_at, o.claimed_at, o.fulfilled_at, o.cancelled_at))
            union all
            select 1 as sign, n.* from new_rows n
             where not n.deleted and not n.shadowed
               and not exists (
                   select 1 from old_rows o
                    where o.id = n.id and not o.deleted and not o.shadowed
                      and (n.region_code, n.source, n.category, n.beneficiary_group,
                           n.submitted_at, n.claimed_at, n.fulfilled_at, n.cancelled_at)
                          is not distinct from
                          (o.region_code, o.source, o.category, o.beneficiary_group,
                           o.submitted_at, o.claimed_at, o.fulfilled_at, o.cancelled_at))
          ) d
         cross join lateral stats_flow_events(d.submitted_at, d.claimed_at, d.fulfilled_at,
                                              d.cancelled_at) e;
    end if;
    if found then
        perform stats_request_flush();
    end if;
    return null;
end
$$;

create function stats_flows_truncated() returns trigger
language plpgsql as $$
begin
    truncate stats_flow_cells;
    delete from stats_pending_flows where xid = pg_current_xact_id();
    return null;
end
$$;

create trigger stats_flows_insert after insert on wishes
    referencing new table as new_rows for each statement execute function stats_capture_flows();
create trigger stats_flows_update after update on wishes
    referencing old table as old_rows new table as new_rows
    for each statement execute function stats_capture_flows();
create trigger stats_flows_delete after delete on wishes
    referencing old table as old_rows for each statement execute function stats_capture_flows();
create trigger stats_flows_truncate after truncate on wishes
    for each statement execute function stats_flows_truncated();

-- Folded in at commit. Its trigger's name sorts after 0003's
-- stats_flush_at_commit, so it runs after the other cells (triggers of one
-- event fire in name order): every commit takes the rollups' locks in the
-- same order, and adds its rows in key order.
create function stats_flush_flows() returns trigger
language plpgsql as $$
declare
    x constant xid8 := new.xid;
begin
    if exists (select 1 from stats_pending_flows where xid = x) then
        insert into stats_flow_cells as c (area, g, p, src, cat, grp,
                                           submitted, claimed, fulfilled, cancelled)
        select l.area, t.g, t.p, w.src, d.cat, d.grp,
               coalesce(sum(w.sign) filter (where w.kind = 's'), 0)::integer,
               coalesce(sum(w.sign) filter (where w.kind = 'c'), 0)::integer,
               coalesce(sum(w.sign) filter (where w.kind = 'f'), 0)::integer,
               coalesce(sum(w.sign) filter (where w.kind = 'x'), 0)::integer
          from stats_pending_flows w
         cross join lateral (values (1, left(w.region_code, 2)), (2, left(w.region_code, 4)),
                                    (3, left(w.region_code, 6))) as l(lvl, area)
         cross join lateral (values ('D'::"char", w.day),
                                    ('M'::"char", date_trunc('month', w.day)::date),
                                    ('Y'::"char", date_trunc('year', w.day)::date)) as t(g, p)
         cross join lateral (values ('', 0::smallint, 0::smallint), ('c', w.cat, 0::smallint),
                                    ('g', 0::smallint, w.grp), ('cg', w.cat, w.grp))
                            as d(dims, cat, grp)
         where w.xid = x and stats_counted(l.lvl, t.g, d.dims)
         group by 1, 2, 3, 4, 5, 6
        having coalesce(sum(w.sign) filter (where w.kind = 's'), 0) <> 0
            or coalesce(sum(w.sign) filter (where w.kind = 'c'), 0) <> 0
            or coalesce(sum(w.sign) filter (where w.kind = 'f'), 0) <> 0
            or coalesce(sum(w.sign) filter (where w.kind = 'x'), 0) <> 0
         order by 1, 5, 6, 2, 3, 4
        on conflict (area, cat, grp, g, p, src) do update
           set submitted = c.submitted + excluded.submitted,
               claimed = c.claimed + excluded.claimed,
               fulfilled = c.fulfilled + excluded.fulfilled,
               cancelled = c.cancelled + excluded.cancelled;
        delete from stats_pending_flows where xid = x;
    end if;
    return null;
end
$$;

create constraint trigger stats_flush_flows_at_commit after insert on stats_flush
    deferrable initially deferred
    for each row execute function stats_flush_flows();

-- What is already there: counted once, as if just inserted; then the
-- cancellations' dates, as a change the triggers capture (after every
-- trigger above exists: the first flush request of this transaction must
-- queue both folds).
insert into stats_pending_flows (sign, region_code, src, cat, grp, kind, day)
select 1, w.region_code, w.source, stats_cat(w.category), stats_grp(w.beneficiary_group),
       e.kind, e.day
  from wishes w
 cross join lateral stats_flow_events(w.submitted_at, w.claimed_at, w.fulfilled_at,
                                      w.cancelled_at) e
 where not w.deleted and not w.shadowed;
update wishes set cancelled_at = received_at where status = 'CANCELLED';
select stats_request_flush();

-- ---------------------------------------------------------------- dashboard sessions

-- Keys that sign the dashboard's session cookies (hub.dashboard.session):
-- one per database, made on first use, so that every worker and restart
-- accepts the same cookies. Not data: never exported.
create table hub_secrets (
    name  text primary key,
    value bytea not null
);
