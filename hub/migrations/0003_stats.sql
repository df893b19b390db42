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
-- every cell carries 24 coarse buckets per measure (c00..c23, f00..f23;
-- stats_coarse), which say where the middle values lie; the one-hour counts
-- inside that bucket come from stats_wish_hist (cells without dimensions)
-- or from the records (the hours-first indexes below).
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
-- Subtrees of regions are code ranges in the "C" collation, whatever the
-- database's own.
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
create index stats_wishes_region_day on wishes ((region_code collate "C"), stats_day)
    include (region_code, source, category, beneficiary_group, status, claim_hours, fulfil_hours)
    where not deleted and not shadowed;
-- The one-hour counts inside a coarse bucket, for medians no histogram holds.
create index stats_wishes_claim on wishes (claim_hours, stats_day)
    include (region_code, source, category, beneficiary_group)
    where not deleted and not shadowed and claim_hours is not null;
create index stats_wishes_fulfil on wishes (fulfil_hours, stats_day)
    include (region_code, source, category, beneficiary_group)
    where not deleted and not shadowed and fulfil_hours is not null;
create index stats_wishes_category_claim on wishes (category, claim_hours, stats_day)
    include (region_code, source, beneficiary_group)
    where not deleted and not shadowed and claim_hours is not null;
create index stats_wishes_category_fulfil on wishes (category, fulfil_hours, stats_day)
    include (region_code, source, beneficiary_group)
    where not deleted and not shadowed and fulfil_hours is not null;
create index stats_wishes_group_claim on wishes (beneficiary_group, claim_hours, stats_day)
    include (region_code, source, category)
    where not deleted and not shadowed and claim_hours is not null;
create index stats_wishes_group_fulfil on wishes (beneficiary_group, fulfil_hours, stats_day)
    include (region_code, source, category)
    where not deleted and not shadowed and fulfil_hours is not null;
create index stats_activities_region_date on activities ((region_code collate "C"), date)
    include (source, sessions, volunteer_attendances, beneficiaries, volunteer_hours)
    where not deleted;
create index stats_teams_region on teams ((region_code collate "C"))
    include (source, member_count) where not deleted;
create index stats_stations_region on stations ((region_code collate "C"))
    include (source) where not deleted;

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
-- 'c' category, 'g' group, 'cg' both. Mirrored by hub.stats (_counted, _histogram).
create function stats_counted(lvl integer, g "char", dims text) returns boolean
language sql immutable parallel safe as $$
    select case lvl
        when 1 then g <> 'D' or dims <> 'cg'
        when 2 then dims = '' or (g <> 'D' and dims <> 'cg')
        else dims = ''
    end
$$;

-- One-hour histograms: cells without dimensions; the province's for all
-- sources together (src 0), the others per source.
create function stats_histogram(lvl integer, g "char") returns boolean
language sql immutable parallel safe as $$
    select lvl < 3 or g <> 'D'
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
    -- Coarse histograms: wishes per coarse bucket of claim_hours / fulfil_hours.
    c00          integer not null default 0,
    c01          integer not null default 0,
    c02          integer not null default 0,
    c03          integer not null default 0,
    c04          integer not null default 0,
    c05          integer not null default 0,
    c06          integer not null default 0,
    c07          integer not null default 0,
    c08          integer not null default 0,
    c09          integer not null default 0,
    c10          integer not null default 0,
    c11          integer not null default 0,
    c12          integer not null default 0,
    c13          integer not null default 0,
    c14          integer not null default 0,
    c15          integer not null default 0,
    c16          integer not null default 0,
    c17          integer not null default 0,
    c18          integer not null default 0,
    c19          integer not null default 0,
    c20          integer not null default 0,
    c21          integer not null default 0,
    c22          integer not null default 0,
    c23          integer not null default 0,
    f00          integer not null default 0,
    f01          integer not null default 0,
    f02          integer not null default 0,
    f03          integer not null default 0,
    f04          integer not null default 0,
    f05          integer not null default 0,
    f06          integer not null default 0,
    f07          integer not null default 0,
    f08          integer not null default 0,
    f09          integer not null default 0,
    f10          integer not null default 0,
    f11          integer not null default 0,
    f12          integer not null default 0,
    f13          integer not null default 0,
    f14          integer not null default 0,
    f15          integer not null default 0,
    f16          integer not null default 0,
    f17          integer not null default 0,
    f18          integer not null default 0,
    f19          integer not null default 0,
    f20          integer not null default 0,
    f21          integer not null default 0,
    f22          integer not null default 0,
    f23          integer not null default 0,
    primary key (area, cat, grp, g, p, src)
) with (fillfactor = 80);

-- One-hour histograms (m 'c' claim, 'f' fulfil) of the cells without
-- dimensions: b hours, n wishes. src 0: every source (province cells only).
create table stats_wish_hist (
    area text not null,
    src  smallint not null,
    m    "char" not null,
    g    "char" not null,
    p    date not null,
    b    integer not null,
    n    integer not null,
    primary key (area, src, m, g, p, b)
) with (fillfactor = 80);

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
) with (fillfactor = 80);

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

-- The other kinds count no change that leaves them alike either; their
-- updates are rarer, so old and new images simply go in with their signs.
create function stats_capture_activities() returns trigger
language plpgsql as $$
begin
    if tg_op in ('UPDATE', 'DELETE') then
        insert into stats_pending_activities (sign, region_code, src, day, sessions,
                                              volunteer_attendances, beneficiaries, volunteer_hours)
        select -1, o.region_code, o.source, o.date, o.sessions, o.volunteer_attendances,
               o.beneficiaries, o.volunteer_hours
          from old_rows o where not o.deleted;
        if found then
            perform stats_request_flush();
        end if;
    end if;
    if tg_op in ('UPDATE', 'INSERT') then
        insert into stats_pending_activities (sign, region_code, src, day, sessions,
                                              volunteer_attendances, beneficiaries, volunteer_hours)
        select 1, n.region_code, n.source, n.date, n.sessions, n.volunteer_attendances,
               n.beneficiaries, n.volunteer_hours
          from new_rows n where not n.deleted;
        if found then
            perform stats_request_flush();
        end if;
    end if;
    return null;
end
$$;

create function stats_capture_teams() returns trigger
language plpgsql as $$
begin
    if tg_op in ('UPDATE', 'DELETE') then
        insert into stats_pending_teams (sign, region_code, src, member_count)
        select -1, o.region_code, o.source, o.member_count from old_rows o where not o.deleted;
        if found then
            perform stats_request_flush();
        end if;
    end if;
    if tg_op in ('UPDATE', 'INSERT') then
        insert into stats_pending_teams (sign, region_code, src, member_count)
        select 1, n.region_code, n.source, n.member_count from new_rows n where not n.deleted;
        if found then
            perform stats_request_flush();
        end if;
    end if;
    return null;
end
$$;

create function stats_capture_stations() returns trigger
language plpgsql as $$
begin
    if tg_op in ('UPDATE', 'DELETE') then
        insert into stats_pending_stations (sign, region_code, src)
        select -1, o.region_code, o.source from old_rows o where not o.deleted;
        if found then
            perform stats_request_flush();
        end if;
    end if;
    if tg_op in ('UPDATE', 'INSERT') then
        insert into stats_pending_stations (sign, region_code, src)
        select 1, n.region_code, n.source from new_rows n where not n.deleted;
        if found then
            perform stats_request_flush();
        end if;
    end if;
    return null;
end
$$;

-- A truncated table takes its cells with it (tests empty the tables this way).
create function stats_truncated() returns trigger
language plpgsql as $$
begin
    if tg_table_name = 'wishes' then
        truncate stats_wish_cells, stats_wish_hist;
        delete from stats_pending_wishes where xid = pg_current_xact_id();
    elsif tg_table_name = 'activities' then
        truncate stats_activity_cells;
        delete from stats_pending_activities where xid = pg_current_xact_id();
    elsif tg_table_name = 'teams' then
        truncate stats_team_cells;
        delete from stats_pending_teams where xid = pg_current_xact_id();
    elsif tg_table_name = 'stations' then
        truncate stats_station_cells;
        delete from stats_pending_stations where xid = pg_current_xact_id();
    end if;
    return null;
end
$$;

-- Transition tables allow one event per trigger: three per table (an upsert
-- fires both its insert and its update triggers).
create trigger stats_wishes_insert after insert on wishes
    referencing new table as new_rows for each statement execute function stats_capture_wishes();
create trigger stats_wishes_update after update on wishes
    referencing old table as old_rows new table as new_rows
    for each statement execute function stats_capture_wishes();
create trigger stats_wishes_delete after delete on wishes
    referencing old table as old_rows for each statement execute function stats_capture_wishes();
create trigger stats_wishes_truncate after truncate on wishes
    for each statement execute function stats_truncated();

create trigger stats_activities_insert after insert on activities
    referencing new table as new_rows
    for each statement execute function stats_capture_activities();
create trigger stats_activities_update after update on activities
    referencing old table as old_rows new table as new_rows
    for each statement execute function stats_capture_activities();
create trigger stats_activities_delete after delete on activities
    referencing old table as old_rows for each statement execute function stats_capture_activities();
create trigger stats_activities_truncate after truncate on activities
    for each statement execute function stats_truncated();

create trigger stats_teams_insert after insert on teams
    referencing new table as new_rows for each statement execute function stats_capture_teams();
create trigger stats_teams_update after update on teams
    referencing old table as old_rows new table as new_rows
    for each statement execute function stats_capture_teams();
create trigger stats_teams_delete after delete on teams
    referencing old table as old_rows for each statement execute function stats_capture_teams();
create trigger stats_teams_truncate after truncate on teams
    for each statement execute function stats_truncated();

create trigger stats_stations_insert after insert on stations
    referencing new table as new_rows for each statement execute function stats_capture_stations();
create trigger stats_stations_update after update on stations
    referencing old table as old_rows new table as new_rows
    for each statement execute function stats_capture_stations();
create trigger stats_stations_delete after delete on stations
    referencing old table as old_rows for each statement execute function stats_capture_stations();
create trigger stats_stations_truncate after truncate on stations
    for each statement execute function stats_truncated();

-- ---------------------------------------------------------------- folding in (at commit)

-- Each statement adds its rows in key order, and the statements run in one
-- order (wish cells, histograms, activities, teams, stations): two commits
-- folding in at once wait for each other, never deadlock.
create function stats_flush() returns trigger
language plpgsql as $$
declare
    x constant xid8 := new.xid;
begin
    if exists (select 1 from stats_pending_wishes where xid = x) then
        insert into stats_wish_cells as c (area, g, p, src, cat, grp, total, pending, open,
                                           claimed, fulfilled, cancelled, with_claim, with_fulfil,
                                           c00, c01, c02, c03, c04, c05, c06, c07, c08, c09, c10, c11, c12, c13, c14, c15, c16, c17, c18, c19, c20, c21, c22, c23,
                                           f00, f01, f02, f03, f04, f05, f06, f07, f08, f09, f10, f11, f12, f13, f14, f15, f16, f17, f18, f19, f20, f21, f22, f23)
        select l.area, t.g, t.p, w.src, d.cat, d.grp,
               sum(w.sign)::integer,
               coalesce(sum(w.sign) filter (where w.status = 'PENDING'), 0)::integer,
               coalesce(sum(w.sign) filter (where w.status = 'OPEN'), 0)::integer,
               coalesce(sum(w.sign) filter (where w.status = 'CLAIMED'), 0)::integer,
               coalesce(sum(w.sign) filter (where w.status = 'FULFILLED'), 0)::integer,
               coalesce(sum(w.sign) filter (where w.status = 'CANCELLED'), 0)::integer,
               coalesce(sum(w.sign) filter (where w.ch is not null), 0)::integer,
               coalesce(sum(w.sign) filter (where w.fh is not null), 0)::integer,
               coalesce(sum(w.sign) filter (where w.cc = 0), 0)::integer,
               coalesce(sum(w.sign) filter (where w.cc = 1), 0)::integer,
               coalesce(sum(w.sign) filter (where w.cc = 2), 0)::integer,
               coalesce(sum(w.sign) filter (where w.cc = 3), 0)::integer,
               coalesce(sum(w.sign) filter (where w.cc = 4), 0)::integer,
               coalesce(sum(w.sign) filter (where w.cc = 5), 0)::integer,
               coalesce(sum(w.sign) filter (where w.cc = 6), 0)::integer,
               coalesce(sum(w.sign) filter (where w.cc = 7), 0)::integer,
               coalesce(sum(w.sign) filter (where w.cc = 8), 0)::integer,
               coalesce(sum(w.sign) filter (where w.cc = 9), 0)::integer,
               coalesce(sum(w.sign) filter (where w.cc = 10), 0)::integer,
               coalesce(sum(w.sign) filter (where w.cc = 11), 0)::integer,
               coalesce(sum(w.sign) filter (where w.cc = 12), 0)::integer,
               coalesce(sum(w.sign) filter (where w.cc = 13), 0)::integer,
               coalesce(sum(w.sign) filter (where w.cc = 14), 0)::integer,
               coalesce(sum(w.sign) filter (where w.cc = 15), 0)::integer,
               coalesce(sum(w.sign) filter (where w.cc = 16), 0)::integer,
               coalesce(sum(w.sign) filter (where w.cc = 17), 0)::integer,
               coalesce(sum(w.sign) filter (where w.cc = 18), 0)::integer,
               coalesce(sum(w.sign) filter (where w.cc = 19), 0)::integer,
               coalesce(sum(w.sign) filter (where w.cc = 20), 0)::integer,
               coalesce(sum(w.sign) filter (where w.cc = 21), 0)::integer,
               coalesce(sum(w.sign) filter (where w.cc = 22), 0)::integer,
               coalesce(sum(w.sign) filter (where w.cc = 23), 0)::integer,
               coalesce(sum(w.sign) filter (where w.cf = 0), 0)::integer,
               coalesce(sum(w.sign) filter (where w.cf = 1), 0)::integer,
               coalesce(sum(w.sign) filter (where w.cf = 2), 0)::integer,
               coalesce(sum(w.sign) filter (where w.cf = 3), 0)::integer,
               coalesce(sum(w.sign) filter (where w.cf = 4), 0)::integer,
               coalesce(sum(w.sign) filter (where w.cf = 5), 0)::integer,
               coalesce(sum(w.sign) filter (where w.cf = 6), 0)::integer,
               coalesce(sum(w.sign) filter (where w.cf = 7), 0)::integer,
               coalesce(sum(w.sign) filter (where w.cf = 8), 0)::integer,
               coalesce(sum(w.sign) filter (where w.cf = 9), 0)::integer,
               coalesce(sum(w.sign) filter (where w.cf = 10), 0)::integer,
               coalesce(sum(w.sign) filter (where w.cf = 11), 0)::integer,
               coalesce(sum(w.sign) filter (where w.cf = 12), 0)::integer,
               coalesce(sum(w.sign) filter (where w.cf = 13), 0)::integer,
               coalesce(sum(w.sign) filter (where w.cf = 14), 0)::integer,
               coalesce(sum(w.sign) filter (where w.cf = 15), 0)::integer,
               coalesce(sum(w.sign) filter (where w.cf = 16), 0)::integer,
               coalesce(sum(w.sign) filter (where w.cf = 17), 0)::integer,
               coalesce(sum(w.sign) filter (where w.cf = 18), 0)::integer,
               coalesce(sum(w.sign) filter (where w.cf = 19), 0)::integer,
               coalesce(sum(w.sign) filter (where w.cf = 20), 0)::integer,
               coalesce(sum(w.sign) filter (where w.cf = 21), 0)::integer,
               coalesce(sum(w.sign) filter (where w.cf = 22), 0)::integer,
               coalesce(sum(w.sign) filter (where w.cf = 23), 0)::integer
          from (select p.*, stats_coarse(p.ch) as cc, stats_coarse(p.fh) as cf
                  from stats_pending_wishes p where p.xid = x) w
         cross join lateral (values (1, left(w.region_code, 2)), (2, left(w.region_code, 4)),
                                    (3, left(w.region_code, 6))) as l(lvl, area)
         cross join lateral (values ('D'::"char", w.day),
                                    ('M'::"char", date_trunc('month', w.day)::date),
                                    ('Y'::"char", date_trunc('year', w.day)::date)) as t(g, p)
         cross join lateral (values ('', 0::smallint, 0::smallint), ('c', w.cat, 0::smallint),
                                    ('g', 0::smallint, w.grp), ('cg', w.cat, w.grp))
                            as d(dims, cat, grp)
         where stats_counted(l.lvl, t.g, d.dims)
         group by 1, 2, 3, 4, 5, 6
         order by 1, 5, 6, 2, 3, 4
        on conflict (area, cat, grp, g, p, src) do update
           set total = c.total + excluded.total,
               pending = c.pending + excluded.pending,
               open = c.open + excluded.open,
               claimed = c.claimed + excluded.claimed,
               fulfilled = c.fulfilled + excluded.fulfilled,
               cancelled = c.cancelled + excluded.cancelled,
               with_claim = c.with_claim + excluded.with_claim,
               with_fulfil = c.with_fulfil + excluded.with_fulfil,
               c00 = c.c00 + excluded.c00,
               c01 = c.c01 + excluded.c01,
               c02 = c.c02 + excluded.c02,
               c03 = c.c03 + excluded.c03,
               c04 = c.c04 + excluded.c04,
               c05 = c.c05 + excluded.c05,
               c06 = c.c06 + excluded.c06,
               c07 = c.c07 + excluded.c07,
               c08 = c.c08 + excluded.c08,
               c09 = c.c09 + excluded.c09,
               c10 = c.c10 + excluded.c10,
               c11 = c.c11 + excluded.c11,
               c12 = c.c12 + excluded.c12,
               c13 = c.c13 + excluded.c13,
               c14 = c.c14 + excluded.c14,
               c15 = c.c15 + excluded.c15,
               c16 = c.c16 + excluded.c16,
               c17 = c.c17 + excluded.c17,
               c18 = c.c18 + excluded.c18,
               c19 = c.c19 + excluded.c19,
               c20 = c.c20 + excluded.c20,
               c21 = c.c21 + excluded.c21,
               c22 = c.c22 + excluded.c22,
               c23 = c.c23 + excluded.c23,
               f00 = c.f00 + excluded.f00,
               f01 = c.f01 + excluded.f01,
               f02 = c.f02 + excluded.f02,
               f03 = c.f03 + excluded.f03,
               f04 = c.f04 + excluded.f04,
               f05 = c.f05 + excluded.f05,
               f06 = c.f06 + excluded.f06,
               f07 = c.f07 + excluded.f07,
               f08 = c.f08 + excluded.f08,
               f09 = c.f09 + excluded.f09,
               f10 = c.f10 + excluded.f10,
               f11 = c.f11 + excluded.f11,
               f12 = c.f12 + excluded.f12,
               f13 = c.f13 + excluded.f13,
               f14 = c.f14 + excluded.f14,
               f15 = c.f15 + excluded.f15,
               f16 = c.f16 + excluded.f16,
               f17 = c.f17 + excluded.f17,
               f18 = c.f18 + excluded.f18,
               f19 = c.f19 + excluded.f19,
               f20 = c.f20 + excluded.f20,
               f21 = c.f21 + excluded.f21,
               f22 = c.f22 + excluded.f22,
               f23 = c.f23 + excluded.f23;

        insert into stats_wish_hist as h (area, src, m, g, p, b, n)
        select l.area, s.src, v.m, t.g, t.p, v.b, sum(w.sign)
          from stats_pending_wishes w
         cross join lateral (values (1, left(w.region_code, 2)), (2, left(w.region_code, 4)),
                                    (3, left(w.region_code, 6))) as l(lvl, area)
         cross join lateral (values ('D'::"char", w.day),
                                    ('M'::"char", date_trunc('month', w.day)::date),
                                    ('Y'::"char", date_trunc('year', w.day)::date)) as t(g, p)
         cross join lateral (values (case when l.lvl = 1 then 0::smallint else w.src end)) as s(src)
         cross join lateral (values ('c'::"char", w.ch), ('f'::"char", w.fh)) as v(m, b)
         where w.xid = x and v.b is not null and stats_histogram(l.lvl, t.g)
         group by 1, 2, 3, 4, 5, 6
        having sum(w.sign) <> 0
         order by 1, 2, 3, 4, 5, 6
        on conflict (area, src, m, g, p, b) do update set n = h.n + excluded.n;

        delete from stats_pending_wishes where xid = x;
    end if;

    if exists (select 1 from stats_pending_activities where xid = x) then
        insert into stats_activity_cells as c (area, g, p, src, activities, sessions,
                                               volunteer_attendances, beneficiaries,
                                               volunteer_hours)
        select l.area, t.g, t.p, a.src, sum(a.sign), sum(a.sign * a.sessions),
               sum(a.sign * a.volunteer_attendances), sum(a.sign * a.beneficiaries),
               sum(a.sign * a.volunteer_hours::numeric)
          from stats_pending_activities a
         cross join lateral (values (left(a.region_code, 2)), (left(a.region_code, 4)),
                                    (left(a.region_code, 6))) as l(area)
         cross join lateral (values ('D'::"char", a.day),
                                    ('M'::"char", date_trunc('month', a.day)::date),
                                    ('Y'::"char", date_trunc('year', a.day)::date)) as t(g, p)
         where a.xid = x
         group by 1, 2, 3, 4
        having sum(a.sign) <> 0 or sum(a.sign * a.sessions) <> 0
            or sum(a.sign * a.volunteer_attendances) <> 0 or sum(a.sign * a.beneficiaries) <> 0
            or sum(a.sign * a.volunteer_hours::numeric) <> 0
         order by 1, 2, 3, 4
        on conflict (area, g, p, src) do update
           set activities = c.activities + excluded.activities,
               sessions = c.sessions + excluded.sessions,
               volunteer_attendances = c.volunteer_attendances + excluded.volunteer_attendances,
               beneficiaries = c.beneficiaries + excluded.beneficiaries,
               volunteer_hours = c.volunteer_hours + excluded.volunteer_hours;
        delete from stats_pending_activities where xid = x;
    end if;

    if exists (select 1 from stats_pending_teams where xid = x) then
        insert into stats_team_cells as c (area, src, teams, members)
        select l.area, t.src, sum(t.sign), sum(t.sign * t.member_count)
          from stats_pending_teams t
         cross join lateral (values (left(t.region_code, 2)), (left(t.region_code, 4)),
                                    (left(t.region_code, 6))) as l(area)
         where t.xid = x
         group by 1, 2
        having sum(t.sign) <> 0 or sum(t.sign * t.member_count) <> 0
         order by 1, 2
        on conflict (area, src) do update
           set teams = c.teams + excluded.teams, members = c.members + excluded.members;
        delete from stats_pending_teams where xid = x;
    end if;

    if exists (select 1 from stats_pending_stations where xid = x) then
        insert into stats_station_cells as c (area, src, stations)
        select l.area, s.src, sum(s.sign)
          from stats_pending_stations s
         cross join lateral (values (left(s.region_code, 2)), (left(s.region_code, 4)),
                                    (left(s.region_code, 6))) as l(area)
         where s.xid = x
         group by 1, 2
        having sum(s.sign) <> 0
         order by 1, 2
        on conflict (area, src) do update set stations = c.stations + excluded.stations;
        delete from stats_pending_stations where xid = x;
    end if;

    delete from stats_flush where xid = x;
    return null;
end
$$;

create constraint trigger stats_flush_at_commit after insert on stats_flush
    deferrable initially deferred
    for each row execute function stats_flush();

-- ---------------------------------------------------------------- what is already there

-- Records stored before this migration: counted once, as if just inserted.
insert into stats_pending_wishes (sign, region_code, src, day, cat, grp, status, ch, fh)
select 1, region_code, source, stats_day, stats_cat(category), stats_grp(beneficiary_group),
       status, claim_hours, fulfil_hours
  from wishes where not deleted and not shadowed;
insert into stats_pending_activities (sign, region_code, src, day, sessions,
                                      volunteer_attendances, beneficiaries, volunteer_hours)
select 1, region_code, source, date, sessions, volunteer_attendances, beneficiaries,
       volunteer_hours
  from activities where not deleted;
insert into stats_pending_teams (sign, region_code, src, member_count)
select 1, region_code, source, member_count from teams where not deleted;
insert into stats_pending_stations (sign, region_code, src)
select 1, region_code, source from stations where not deleted;
select stats_request_flush();
