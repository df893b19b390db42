-- Statistics: rollups kept exact in the same transaction as the records.
--
-- Every stats figure is a sum over "cells". A cell counts the visible records
-- (wishes: not deleted and not shadowed; the others: not deleted) of one
-- area, one period and one source, optionally of one category and/or one
-- beneficiary group:
--
--   area   the record's region code cut to 2 (province, '21'), 4 (city,
--          '2101') or 6 digits (county, '210106'): "this region and below"
--          is then an equality, as region codes nest by prefix;
--   g, p   grain and period start: 'D' a day, 'M' a month, 'Y' a year, as
--          calendar dates in Beijing time (wishes by the day they were
--          submitted, activities by their date);
--   cat    0 for every category, else 1..18 (stats_cat); grp likewise (stats_grp).
--
-- Only the combinations of (area level, grain, dimensions) that pay for
-- themselves are kept (stats_counted, stats_histogram); the hub answers the
-- rest exactly from the records themselves, with the indexes below.
--
-- Medians come from histograms of whole hours (claim_hours, fulfil_hours):
-- one row per (cell, hour) with at least one wish ('c' claim, 'f' fulfil),
-- plus 24 coarse buckets per cell ('C', 'F'; stats_coarse) that tell which
-- hours to read.
--
-- How they stay exact: statement-level triggers with transition tables copy
-- each changed record's old image (-1) and new image (+1) into an unlogged
-- pending table; a deferred constraint trigger folds the pending rows into
-- the cells when the transaction commits, taking the rollup rows' locks in
-- one global order (so concurrent deliveries cannot deadlock on them, and
-- hold them only for the moment before commit). A figure read after a
-- delivery's commit includes it.

-- ---------------------------------------------------------------- record columns

-- Beijing calendar day and whole hours, computed once per record version.
alter table wishes
    add column stats_day date
        generated always as ((submitted_at at time zone 'Asia/Shanghai')::date) stored,
    add column claim_hours integer
        generated always as (case when claimed_at is null then null else
            greatest(0, floor(extract(epoch from (claimed_at - submitted_at)) / 3600))::integer
        end) stored,
    add column fulfil_hours integer
        generated always as (case when fulfilled_at is null then null else
            greatest(0, floor(extract(epoch from (fulfilled_at - submitted_at)) / 3600))::integer
        end) stored;

-- Exact answers straight from the records (towns, villages, and the cells
-- not kept): covering, so that they read the index alone once vacuumed.
create index stats_wishes_day on wishes (stats_day)
    include (region_code, source, category, beneficiary_group, status, claim_hours, fulfil_hours)
    where not deleted and not shadowed;
create index stats_wishes_county_day on wishes (county_code, stats_day)
    include (region_code, source, category, beneficiary_group, status, claim_hours, fulfil_hours)
    where not deleted and not shadowed;
create index stats_wishes_category_day on wishes (category, stats_day)
    include (region_code, source, beneficiary_group, status, claim_hours, fulfil_hours)
    where not deleted and not shadowed;
create index stats_wishes_group_day on wishes (beneficiary_group, stats_day)
    include (region_code, source, category, status, claim_hours, fulfil_hours)
    where not deleted and not shadowed;
create index stats_wishes_region_day on wishes (region_code text_pattern_ops, stats_day)
    include (source, category, beneficiary_group, status, claim_hours, fulfil_hours)
    where not deleted and not shadowed;
create index stats_activities_region_date on activities (region_code text_pattern_ops, date)
    include (source, sessions, volunteer_attendances, beneficiaries, volunteer_hours)
    where not deleted;

-- ---------------------------------------------------------------- codes

-- Category and group codes: 1-based positions in the enums' order (hub.models).
create function stats_cat(category text) returns smallint
language sql immutable parallel safe as $$
    select coalesce(array_position(array[
        'STUDY_SUPPLIES', 'SPORTS_CULTURE', 'BOOKS', 'MEDICAL_DEVICES', 'FOOD_MEDICINE',
        'CLOTHING', 'HOUSEHOLD', 'POLICY_TALK', 'PERFORMANCE', 'TUTORING', 'SCIENCE_TALK',
        'LEGAL_AID', 'SANITATION', 'HOUSEKEEPING', 'PRODUCTION_HELP', 'LIVING_HELP',
        'MEDICAL_HELP', 'OTHER']::text[], category), 18)::smallint
$$;

create function stats_grp(beneficiary_group text) returns smallint
language sql immutable parallel safe as $$
    select coalesce(array_position(array[
        'LEFT_BEHIND_WOMAN', 'LEFT_BEHIND_CHILD', 'ELDERLY', 'DISABLED', 'PARTY_VETERAN',
        'ARMY_VETERAN', 'RETIRED_CADRE', 'RETIRED_EXPERT', 'RETIRED_TEACHER', 'MORAL_MODEL',
        'LABOR_MODEL', 'GOOD_PERSON', 'HARDSHIP', 'OTHER']::text[], beneficiary_group), 14)::smallint
$$;

-- Coarse hour buckets 0..23: [0,4) [4,8) ... [1024,2048) [2048,∞). Narrow where
-- medians fall, so that few one-hour rows are read after the coarse ones.
create function stats_coarse(hours integer) returns smallint
language sql immutable parallel safe as $$
    select width_bucket(hours, array[4, 8, 12, 16, 24, 32, 40, 48, 64, 80, 96, 112, 128, 160,
                                     192, 224, 256, 320, 384, 512, 768, 1024, 2048])::smallint
$$;

-- Which cells are kept. lvl: 1 province, 2 city, 3 county; dims: '' none,
-- 'c' category, 'g' group, 'cg' both. Mirrored by hub.stats (COUNTED, HISTOGRAMS).
create function stats_counted(lvl integer, g "char", dims text) returns boolean
language sql immutable parallel safe as $$
    select lvl < 3 or dims <> 'cg'
$$;

create function stats_histogram(lvl integer, g "char", dims text) returns boolean
language sql immutable parallel safe as $$
    select case lvl
        when 1 then (g = 'D' and dims = '') or g <> 'D'
        when 2 then (g = 'D' and dims = '') or (g <> 'D' and dims <> 'cg')
        else g <> 'D' and dims = ''
    end
$$;

-- ---------------------------------------------------------------- cells

create table stats_wish_cells (
    area        text not null,
    g           "char" not null,
    p           date not null,
    src         smallint not null,
    cat         smallint not null,
    grp         smallint not null,
    total       integer not null default 0,
    pending     integer not null default 0,
    open        integer not null default 0,
    claimed     integer not null default 0,
    fulfilled   integer not null default 0,
    cancelled   integer not null default 0,
    with_claim  integer not null default 0,
    with_fulfil integer not null default 0,
    primary key (area, cat, grp, g, p, src)
);

-- src 0: every source together (province and city cells), beside each source's own.
create table stats_wish_hist (
    area text not null,
    cat  smallint not null,
    grp  smallint not null,
    src  smallint not null,
    m    "char" not null,
    g    "char" not null,
    p    date not null,
    b    integer not null,
    n    integer not null,
    primary key (area, cat, grp, src, m, g, p, b)
);

create table stats_activity_cells (
    area                  text not null,
    g                     "char" not null,
    p                     date not null,
    src                   smallint not null,
    activities            integer not null default 0,
    sessions              bigint not null default 0,
    volunteer_attendances bigint not null default 0,
    beneficiaries         bigint not null default 0,
    -- Summed as decimals: a sum that goes up and down stays exact.
    volunteer_hours       numeric not null default 0,
    primary key (area, g, p, src)
);

create table stats_team_cells (
    area    text not null,
    src     smallint not null,
    teams   integer not null default 0,
    members bigint not null default 0,
    primary key (area, src)
);

create table stats_station_cells (
    area     text not null,
    src      smallint not null,
    stations integer not null default 0,
    primary key (area, src)
);

-- ---------------------------------------------------------------- pending changes

create unlogged table stats_pending_wishes (
    xid         xid8 not null default pg_current_xact_id(),
    sign        smallint not null,
    region_code text not null,
    src         smallint not null,
    day         date not null,
    cat         smallint not null,
    grp         smallint not null,
    status      text not null,
    ch          integer,
    fh          integer
);
create index stats_pending_wishes_xid on stats_pending_wishes (xid);

create unlogged table stats_pending_activities (
    xid                   xid8 not null default pg_current_xact_id(),
    sign                  smallint not null,
    region_code           text not null,
    src                   smallint not null,
    day                   date not null,
    sessions              integer not null,
    volunteer_attendances integer not null,
    beneficiaries         integer not null,
    volunteer_hours       double precision not null
);
create index stats_pending_activities_xid on stats_pending_activities (xid);

create unlogged table stats_pending_teams (
    xid          xid8 not null default pg_current_xact_id(),
    sign         smallint not null,
    region_code  text not null,
    src          smallint not null,
    member_count integer not null
);
create index stats_pending_teams_xid on stats_pending_teams (xid);

create unlogged table stats_pending_stations (
    xid         xid8 not null default pg_current_xact_id(),
    sign        smallint not null,
    region_code text not null,
    src         smallint not null
);
create index stats_pending_stations_xid on stats_pending_stations (xid);

-- One row per transaction with pending changes; its deferred trigger folds them in.
create unlogged table stats_flush (xid xid8 primary key);

create function stats_request_flush() returns void
language sql as $$
    insert into stats_flush (xid) values (pg_current_xact_id()) on conflict do nothing
$$;

-- ---------------------------------------------------------------- capture (statement triggers)

create function stats_capture_wishes() returns trigger
language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        insert into stats_pending_wishes (sign, region_code, src, day, cat, grp, status, ch, fh)
        select 1, n.region_code, n.source, n.stats_day, stats_cat(n.category),
               stats_grp(n.beneficiary_group), n.status, n.claim_hours, n.fulfil_hours
          from new_rows n
         where not n.deleted and not n.shadowed;
    elsif tg_op = 'DELETE' then
        insert into stats_pending_wishes (sign, region_code, src, day, cat, grp, status, ch, fh)
        select -1, o.region_code, o.source, o.stats_day, stats_cat(o.category),
               stats_grp(o.beneficiary_group), o.status, o.claim_hours, o.fulfil_hours
          from old_rows o
         where not o.deleted and not o.shadowed;
    else
        -- Versions that change nothing a figure counts cancel out here rather
        -- than in the cells.
        insert into stats_pending_wishes (sign, region_code, src, day, cat, grp, status, ch, fh)
        select d.sign, d.region_code, d.source, d.stats_day, stats_cat(d.category),
               stats_grp(d.beneficiary_group), d.status, d.claim_hours, d.fulfil_hours
          from (
            select -1 as sign, o.* from old_rows o
             where not o.deleted and not o.shadowed
               and not exists (
                   select 1 from new_rows n
                    where n.id = o.id and not n.deleted and not n.shadowed
                      and (n.region_code, n.source, n.stats_day, n.category, n.beneficiary_group,
                           n.status, n.claim_hours, n.fulfil_hours)
                          is not distinct from
                          (o.region_code, o.source, o.stats_day, o.category, o.beneficiary_group,
                           o.status, o.claim_hours, o.fulfil_hours))
            union all
            select 1 as sign, n.* from new_rows n
             where not n.deleted and not n.shadowed
               and not exists (
                   select 1 from old_rows o
                    where o.id = n.id and not o.deleted and not o.shadowed
                      and (n.region_code, n.source, n.stats_day, n.category, n.beneficiary_group,
                           n.status, n.claim_hours, n.fulfil_hours)
                          is not distinct from
                          (o.region_code, o.source, o.stats_day, o.category, o.beneficiary_group,
                           o.status, o.claim_hours, o.fulfil_hours))
          ) d;
    end if;
    if found then
        perform stats_request_flush();
    end if;
    return null;
end
$$;

create function stats_capture_activities() returns trigger
language plpgsql as $$
begin
    insert into stats_pending_activities (sign, region_code, src, day, sessions,
                                          volunteer_attendances, beneficiaries, volunteer_hours)
    select d.sign, d.region_code, d.source, d.date, d.sessions, d.volunteer_attendances,
           d.beneficiaries, d.volunteer_hours
      from (
        select -1 as sign, o.region_code, o.source, o.date, o.sessions, o.volunteer_attendances,
               o.beneficiaries, o.volunteer_hours
          from old_rows o where tg_op in ('UPDATE', 'DELETE') and not o.deleted
        union all
        select 1, n.region_code, n.source, n.date, n.sessions, n.volunteer_attendances,
               n.beneficiaries, n.volunteer_hours
          from new_rows n where tg_op in ('UPDATE', 'INSERT') and not n.deleted
      ) d;
    if found then
        perform stats_request_flush();
    end if;
    return null;
end
$$;

create function stats_capture_teams() returns trigger
language plpgsql as $$
begin
    insert into stats_pending_teams (sign, region_code, src, member_count)
    select d.sign, d.region_code, d.source, d.member_count
      from (
        select -1 as sign, o.region_code, o.source, o.member_count
          from old_rows o where tg_op in ('UPDATE', 'DELETE') and not o.deleted
        union all
        select 1, n.region_code, n.source, n.member_count
          from new_rows n where tg_op in ('UPDATE', 'INSERT') and not n.deleted
      ) d;
    if found then
        perform stats_request_flush();
    end if;
    return null;
end
$$;

create function stats_capture_stations() returns trigger
language plpgsql as $$
begin
    insert into stats_pending_stations (sign, region_code, src)
    select d.sign, d.region_code, d.source
      from (
        select -1 as sign, o.region_code, o.source
          from old_rows o where tg_op in ('UPDATE', 'DELETE') and not o.deleted
        union all
        select 1, n.region_code, n.source
          from new_rows n where tg_op in ('UPDATE', 'INSERT') and not n.deleted
      ) d;
    if found then
        perform stats_request_flush();
    end if;
    return null;
end
$$;

-- Transition tables allow one event per trigger: three per table. The
-- functions read only the transition tables their event provides.
create trigger stats_wishes_insert after insert on wishes
    referencing new table as new_rows for each statement execute function stats_capture_wishes();
create trigger stats_wishes_update after update on wishes
    referencing old table as old_rows new table as new_rows
    for each statement execute function stats_capture_wishes();
create trigger stats_wishes_delete after delete on wishes
    referencing old table as old_rows for each statement execute function stats_capture_wishes();

create trigger stats_activities_insert after insert on activities
    referencing new table as new_rows for each statement execute function stats_capture_activities_ins();
