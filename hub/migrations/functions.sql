-- revision: 4
--
-- The current body of every function and trigger function the hub defines,
-- each once. hub/migrate.py applies this file after the numbered migrations
-- whenever its checksum differs from the one recorded in schema_repeatables,
-- in the same lock, in one transaction: a fresh database and an upgraded one
-- end with the same functions.
--
-- To change a function, edit it here (create or replace: same name, same
-- arguments and result) and raise the revision above, so that a hub still
-- shipping an older revision (an instance restarted during a rolling
-- upgrade) leaves the newer bodies alone. The numbered migrations keep only
-- the first version of each function, which their own statements (triggers,
-- backfills) need; they never redefine one again. A new table or column a
-- body reads comes in a numbered migration, which runs first.
--
-- Everything here must be idempotent: it runs again whenever it changes.

-- ================================================================ Codes and kept cells (0003)

-- Category and group codes: 1-based positions in the enums' order (hub.models).
create or replace function stats_cat(category text) returns smallint
language sql immutable parallel safe as $$
    select coalesce(array_position(array[
        'STUDY_SUPPLIES', 'SPORTS_CULTURE', 'BOOKS', 'MEDICAL_DEVICES', 'FOOD_MEDICINE',
        'CLOTHING', 'HOUSEHOLD', 'POLICY_TALK', 'PERFORMANCE', 'TUTORING', 'SCIENCE_TALK',
        'LEGAL_AID', 'SANITATION', 'HOUSEKEEPING', 'PRODUCTION_HELP', 'LIVING_HELP',
        'MEDICAL_HELP', 'OTHER']::text[], category), 18)::smallint
$$;

create or replace function stats_grp(beneficiary_group text) returns smallint
language sql immutable parallel safe as $$
    select coalesce(array_position(array[
        'LEFT_BEHIND_WOMAN', 'LEFT_BEHIND_CHILD', 'ELDERLY', 'DISABLED', 'PARTY_VETERAN',
        'ARMY_VETERAN', 'RETIRED_CADRE', 'RETIRED_EXPERT', 'RETIRED_TEACHER', 'MORAL_MODEL',
        'LABOR_MODEL', 'GOOD_PERSON', 'HARDSHIP', 'OTHER']::text[], beneficiary_group), 14)::smallint
$$;

-- Coarse hour buckets 0..23: [0,4) [4,8) ... [1024,2048) [2048,∞). Narrow where
-- medians fall, so that few one-hour rows are read after the coarse ones.
create or replace function stats_coarse(hours integer) returns smallint
language sql immutable parallel safe as $$
    select width_bucket(hours, array[4, 8, 12, 16, 24, 32, 40, 48, 64, 80, 96, 112, 128, 160,
                                     192, 224, 256, 320, 384, 512, 768, 1024, 2048])::smallint
$$;

-- Which cells are kept. lvl: 1 province, 2 city, 3 county; dims: '' none,
-- 'c' category, 'g' group, 'cg' both. Mirrored by hub.stats (_counted, _histogram).
create or replace function stats_counted(lvl integer, g "char", dims text) returns boolean
language sql immutable parallel safe as $$
    select case lvl
        when 1 then g <> 'D' or dims <> 'cg'
        when 2 then dims = '' or (g <> 'D' and dims <> 'cg')
        else dims = ''
    end
$$;

-- One-hour histograms: cells without dimensions; the province's for all
-- sources together (src 0), the others per source.
create or replace function stats_histogram(lvl integer, g "char") returns boolean
language sql immutable parallel safe as $$
    select lvl < 3 or g <> 'D'
$$;


-- ================================================================ Capture: statement triggers copy changed records into the pending tables (0003, 0011)

create or replace function stats_request_flush() returns void
language sql as $$
    insert into stats_flush (xid) values (pg_current_xact_id()) on conflict do nothing
$$;

create or replace function stats_capture_wishes() returns trigger
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
create or replace function stats_capture_activities() returns trigger
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

create or replace function stats_capture_teams() returns trigger
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

create or replace function stats_capture_stations() returns trigger
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

-- Beijing calendar day of a time (one expression, for the indexes and the reads).
create or replace function stats_beijing_day(t timestamptz) returns date
language sql immutable parallel safe as $$
    select (t at time zone 'Asia/Shanghai')::date
$$;

-- One wish image's events (those with a date).
create or replace function stats_flow_events(submitted_at timestamptz, claimed_at timestamptz,
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

create or replace function stats_mark_cancelled() returns trigger
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

create or replace function stats_capture_flows() returns trigger
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

-- A truncated table takes its cells with it (tests empty the tables this way).
create or replace function stats_truncated() returns trigger
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

create or replace function stats_flows_truncated() returns trigger
language plpgsql as $$
begin
    truncate stats_flow_cells;
    delete from stats_pending_flows where xid = pg_current_xact_id();
    return null;
end
$$;


-- ================================================================ Folding in at commit (0003, 0011)

-- Each statement adds its rows in key order, and the statements run in one
-- order (wish cells, histograms, activities, teams, stations): two commits
-- folding in at once wait for each other, never deadlock.
--
-- The wish cells and histograms (and the flow cells below) are summed in two
-- steps: the delivery's pending rows per county, day, category and group
-- (or hour), then one GROUPING SETS pass over those sums for the kept
-- combinations (stats_counted, stats_histogram; tests/hub/test_stats_flush.py
-- holds the lists to them). Crossing every pending row with all 36
-- combinations and filtering cost 3-5 times as much: with the rows sorted
-- once per set, the fold of 1,000 wishes went from ~116 to ~40 ms (cells)
-- and ~107 to ~14 ms (flows). Commits of one city wait for each other here,
-- so this time bounds concurrent ingest.
create or replace function stats_flush() returns trigger
language plpgsql as $$
declare
    x constant xid8 := new.xid;
begin
    if exists (select 1 from stats_pending_wishes where xid = x) then
        insert into stats_wish_cells as c (area, g, p, src, cat, grp, total, pending, open,
                                           claimed, fulfilled, cancelled, with_claim, with_fulfil,
                                           c00, c01, c02, c03, c04, c05, c06, c07, c08, c09, c10, c11, c12, c13, c14, c15, c16, c17, c18, c19, c20, c21, c22, c23,
                                           f00, f01, f02, f03, f04, f05, f06, f07, f08, f09, f10, f11, f12, f13, f14, f15, f16, f17, f18, f19, f20, f21, f22, f23)
        -- Narrow rows first: each pending row's status and coarse hour
        -- buckets stay keys through the grouping sets (one sum each), and
        -- only each cell's few resulting rows are spread into the 56
        -- counters. Spreading before the grouping sets summed 56 columns in
        -- each of 21 sets: 14 -> 6 ms for a batch of 1,000 wishes.
        select s.area, s.g, s.p, s.src, s.cat, s.grp,
               sum(s.n)::integer,
               coalesce(sum(s.n) filter (where s.status = 'PENDING'), 0)::integer,
               coalesce(sum(s.n) filter (where s.status = 'OPEN'), 0)::integer,
               coalesce(sum(s.n) filter (where s.status = 'CLAIMED'), 0)::integer,
               coalesce(sum(s.n) filter (where s.status = 'FULFILLED'), 0)::integer,
               coalesce(sum(s.n) filter (where s.status = 'CANCELLED'), 0)::integer,
               coalesce(sum(s.n) filter (where s.cc is not null), 0)::integer,
               coalesce(sum(s.n) filter (where s.cf is not null), 0)::integer,
               coalesce(sum(s.n) filter (where s.cc = 0), 0)::integer,
               coalesce(sum(s.n) filter (where s.cc = 1), 0)::integer,
               coalesce(sum(s.n) filter (where s.cc = 2), 0)::integer,
               coalesce(sum(s.n) filter (where s.cc = 3), 0)::integer,
               coalesce(sum(s.n) filter (where s.cc = 4), 0)::integer,
               coalesce(sum(s.n) filter (where s.cc = 5), 0)::integer,
               coalesce(sum(s.n) filter (where s.cc = 6), 0)::integer,
               coalesce(sum(s.n) filter (where s.cc = 7), 0)::integer,
               coalesce(sum(s.n) filter (where s.cc = 8), 0)::integer,
               coalesce(sum(s.n) filter (where s.cc = 9), 0)::integer,
               coalesce(sum(s.n) filter (where s.cc = 10), 0)::integer,
               coalesce(sum(s.n) filter (where s.cc = 11), 0)::integer,
               coalesce(sum(s.n) filter (where s.cc = 12), 0)::integer,
               coalesce(sum(s.n) filter (where s.cc = 13), 0)::integer,
               coalesce(sum(s.n) filter (where s.cc = 14), 0)::integer,
               coalesce(sum(s.n) filter (where s.cc = 15), 0)::integer,
               coalesce(sum(s.n) filter (where s.cc = 16), 0)::integer,
               coalesce(sum(s.n) filter (where s.cc = 17), 0)::integer,
               coalesce(sum(s.n) filter (where s.cc = 18), 0)::integer,
               coalesce(sum(s.n) filter (where s.cc = 19), 0)::integer,
               coalesce(sum(s.n) filter (where s.cc = 20), 0)::integer,
               coalesce(sum(s.n) filter (where s.cc = 21), 0)::integer,
               coalesce(sum(s.n) filter (where s.cc = 22), 0)::integer,
               coalesce(sum(s.n) filter (where s.cc = 23), 0)::integer,
               coalesce(sum(s.n) filter (where s.cf = 0), 0)::integer,
               coalesce(sum(s.n) filter (where s.cf = 1), 0)::integer,
               coalesce(sum(s.n) filter (where s.cf = 2), 0)::integer,
               coalesce(sum(s.n) filter (where s.cf = 3), 0)::integer,
               coalesce(sum(s.n) filter (where s.cf = 4), 0)::integer,
               coalesce(sum(s.n) filter (where s.cf = 5), 0)::integer,
               coalesce(sum(s.n) filter (where s.cf = 6), 0)::integer,
               coalesce(sum(s.n) filter (where s.cf = 7), 0)::integer,
               coalesce(sum(s.n) filter (where s.cf = 8), 0)::integer,
               coalesce(sum(s.n) filter (where s.cf = 9), 0)::integer,
               coalesce(sum(s.n) filter (where s.cf = 10), 0)::integer,
               coalesce(sum(s.n) filter (where s.cf = 11), 0)::integer,
               coalesce(sum(s.n) filter (where s.cf = 12), 0)::integer,
               coalesce(sum(s.n) filter (where s.cf = 13), 0)::integer,
               coalesce(sum(s.n) filter (where s.cf = 14), 0)::integer,
               coalesce(sum(s.n) filter (where s.cf = 15), 0)::integer,
               coalesce(sum(s.n) filter (where s.cf = 16), 0)::integer,
               coalesce(sum(s.n) filter (where s.cf = 17), 0)::integer,
               coalesce(sum(s.n) filter (where s.cf = 18), 0)::integer,
               coalesce(sum(s.n) filter (where s.cf = 19), 0)::integer,
               coalesce(sum(s.n) filter (where s.cf = 20), 0)::integer,
               coalesce(sum(s.n) filter (where s.cf = 21), 0)::integer,
               coalesce(sum(s.n) filter (where s.cf = 22), 0)::integer,
               coalesce(sum(s.n) filter (where s.cf = 23), 0)::integer
          from (select case when grouping(county) = 0 then county
                            when grouping(city) = 0 then city else prov end as area,
                       case when grouping(d) = 0 then 'D'
                            when grouping(m) = 0 then 'M' else 'Y' end::"char" as g,
                       case when grouping(d) = 0 then d when grouping(m) = 0 then m else y end as p,
                       src,
                       case when grouping(cat) = 0 then cat else 0::smallint end as cat,
                       case when grouping(grp) = 0 then grp else 0::smallint end as grp,
                       status, cc, cf, sum(n) as n
                  from (select left(b.county, 2) as prov, left(b.county, 4) as city, b.*,
                               b.day as d, date_trunc('month', b.day)::date as m,
                               date_trunc('year', b.day)::date as y
                          from (select left(w.region_code, 6) as county, w.src, w.day, w.cat,
                                       w.grp, w.status, stats_coarse(w.ch) as cc,
                                       stats_coarse(w.fh) as cf, sum(w.sign)::integer as n
                                  from stats_pending_wishes w where w.xid = x
                                 group by 1, 2, 3, 4, 5, 6, 7, 8) b) b
                 group by status, cc, cf, grouping sets (
                     -- stats_counted's combinations: the province by day without
                     -- 'cg', by month and year with all four; a city by day without
                     -- dimensions, by month and year without 'cg'; a county without.
                     (prov, src, d), (prov, src, d, cat), (prov, src, d, grp),
                     (prov, src, m), (prov, src, m, cat), (prov, src, m, grp), (prov, src, m, cat, grp),
                     (prov, src, y), (prov, src, y, cat), (prov, src, y, grp), (prov, src, y, cat, grp),
                     (city, src, d),
                     (city, src, m), (city, src, m, cat), (city, src, m, grp),
                     (city, src, y), (city, src, y, cat), (city, src, y, grp),
                     (county, src, d), (county, src, m), (county, src, y))) s
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
        select case when grouping(county) = 0 then county
                    when grouping(city) = 0 then city else prov end,
               case when grouping(city, county) = 3 then 0::smallint else src end,
               m, case when grouping(d) = 0 then 'D'
                       when grouping(mo) = 0 then 'M' else 'Y' end::"char",
               case when grouping(d) = 0 then d when grouping(mo) = 0 then mo else y end, b, sum(n)
          from (select left(w.county, 2) as prov, left(w.county, 4) as city, w.*,
                       w.day as d, date_trunc('month', w.day)::date as mo,
                       date_trunc('year', w.day)::date as y
                  from (select left(w.region_code, 6) as county, w.src, w.day, v.m, v.b,
                               sum(w.sign)::integer as n
                          from stats_pending_wishes w
                         cross join lateral (values ('c'::"char", w.ch), ('f'::"char", w.fh))
                                            as v(m, b)
                         where w.xid = x and v.b is not null
                         group by 1, 2, 3, 4, 5) w) w
         -- stats_histogram's combinations: the province (every source
         -- together) and a city by day, month and year; a county by month and year.
         group by grouping sets (
             (prov, m, d, b), (prov, m, mo, b), (prov, m, y, b),
             (city, src, m, d, b), (city, src, m, mo, b), (city, src, m, y, b),
             (county, src, m, mo, b), (county, src, m, y, b))
        having sum(n) <> 0
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

-- Folded in at commit. Its trigger's name sorts after 0003's
-- stats_flush_at_commit, so it runs after the other cells (triggers of one
-- event fire in name order): every commit takes the rollups' locks in the
-- same order, and adds its rows in key order.
create or replace function stats_flush_flows() returns trigger
language plpgsql as $$
declare
    x constant xid8 := new.xid;
begin
    if exists (select 1 from stats_pending_flows where xid = x) then
        insert into stats_flow_cells as c (area, g, p, src, cat, grp,
                                           submitted, claimed, fulfilled, cancelled)
        select case when grouping(county) = 0 then county
                    when grouping(city) = 0 then city else prov end,
               case when grouping(d) = 0 then 'D'
                    when grouping(m) = 0 then 'M' else 'Y' end::"char",
               case when grouping(d) = 0 then d when grouping(m) = 0 then m else y end, src,
               case when grouping(cat) = 0 then cat else 0::smallint end,
               case when grouping(grp) = 0 then grp else 0::smallint end,
               sum(b.submitted)::integer,
               sum(b.claimed)::integer,
               sum(b.fulfilled)::integer,
               sum(b.cancelled)::integer
          from (select left(b.county, 2) as prov, left(b.county, 4) as city, b.*,
                       b.day as d, date_trunc('month', b.day)::date as m,
                       date_trunc('year', b.day)::date as y
                  from (select left(w.region_code, 6) as county, w.src, w.day, w.cat, w.grp,
                        coalesce(sum(w.sign) filter (where w.kind = 's'), 0)::integer as submitted,
                        coalesce(sum(w.sign) filter (where w.kind = 'c'), 0)::integer as claimed,
                        coalesce(sum(w.sign) filter (where w.kind = 'f'), 0)::integer as fulfilled,
                        coalesce(sum(w.sign) filter (where w.kind = 'x'), 0)::integer as cancelled
                          from stats_pending_flows w
                         where w.xid = x
                         group by 1, 2, 3, 4, 5) b) b
         group by grouping sets (
             -- stats_counted's combinations: the province by day without
             -- 'cg', by month and year with all four; a city by day without
             -- dimensions, by month and year without 'cg'; a county without.
             (prov, src, d), (prov, src, d, cat), (prov, src, d, grp),
             (prov, src, m), (prov, src, m, cat), (prov, src, m, grp), (prov, src, m, cat, grp),
             (prov, src, y), (prov, src, y, cat), (prov, src, y, grp), (prov, src, y, cat, grp),
             (city, src, d),
             (city, src, m), (city, src, m, cat), (city, src, m, grp),
             (city, src, y), (city, src, y, cat), (city, src, y, grp),
             (county, src, d), (county, src, m), (county, src, y))
        having sum(b.submitted) <> 0 or sum(b.claimed) <> 0 or sum(b.fulfilled) <> 0
            or sum(b.cancelled) <> 0
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


-- ================================================================ Stored medians (0005, 0006, 0010)

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

create or replace function stats_medians_truncated() returns trigger
language plpgsql as $$
begin
    truncate stats_wish_medians, stats_medians_dirty;
    return null;
end
$$;

-- Recomputes up to max_keys marked periods; returns how many, or -1 when
-- another refresh holds the lock (one at a time, whatever the workers).
create or replace function stats_refresh_medians_batch(max_keys integer) returns integer
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


-- ================================================================ Audit log (0004)

create or replace function audit_log_is_append_only() returns trigger
language plpgsql as $$
begin
    raise exception 'audit_log is append-only (% refused)', tg_op
        using errcode = 'insufficient_privilege';
end;
$$;


-- ================================================================ Dispatch (0012) and live wish events (0016)

-- A dispatch lasts until the wish's platform reports a claim. Platforms write
-- wishes through several paths (push, pull, replay, 葫芦岛 blue cards, seed);
-- this trigger is the one place that ends the dispatch on all of them, in the
-- same statement. It fires only for wishes with a current dispatch.
create or replace function wishes_end_dispatch() returns trigger
language plpgsql as $$
begin
    insert into wish_dispatches (wish_id, team_id, dispatched_at, dispatched_by, note,
                                 ended_by, outcome)
    values (old.id, old.dispatch_team_id, old.dispatched_at, old.dispatched_by, old.dispatch_note,
            'platform',
            case when new.status in ('CLAIMED', 'FULFILLED') and not new.deleted
                 then 'CLAIMED' else 'CLOSED' end);
    new.dispatch_team_id := null;
    new.dispatched_at := null;
    new.dispatched_by := null;
    new.dispatch_note := null;
    return new;
end;
$$;

create or replace function wish_events_capture() returns trigger
language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        -- A new wish is SUBMITTED; one that arrives already claimed,
        -- fulfilled or cancelled (a late first delivery) is that too.
        insert into wish_events (wish_ids, kinds)
        select array_agg(n.id), array_agg(concat_ws(',', 'SUBMITTED',
                   case when n.status in ('CLAIMED', 'FULFILLED', 'CANCELLED') then n.status end,
                   case when n.dispatch_team_id is not null then 'DISPATCHED' end))
          from new_rows n
         where not n.deleted and not n.shadowed
        having count(*) > 0;
    else
        insert into wish_events (wish_ids, kinds)
        select array_agg(c.id), array_agg(c.kinds)
          from (select n.id, concat_ws(',',
                       case when n.status is distinct from o.status
                             and n.status in ('CLAIMED', 'FULFILLED', 'CANCELLED') then n.status end,
                       case when n.handling_level is distinct from o.handling_level
                            then 'ESCALATED' end,
                       case when n.dispatch_team_id is not null
                             and n.dispatch_team_id is distinct from o.dispatch_team_id
                            then 'DISPATCHED' end) as kinds
                  from old_rows o
                  join new_rows n on n.id = o.id
                 where not n.deleted and not n.shadowed) c
         where c.kinds <> ''
        having count(*) > 0;
    end if;
    if found then
        perform pg_notify('hub_wish_events', '');
    end if;
    return null;
end
$$;

-- ================================================================ Data version (0020)

create or replace function data_version_note() returns void
language sql as $$
    insert into data_version_pending (xid) values (pg_current_xact_id()) on conflict do nothing
$$;

-- Statement triggers: only statements that changed rows count (a job's
-- update that matched nothing leaves cached answers alone).
create or replace function data_version_changed() returns trigger
language plpgsql as $$
begin
    if exists (select from changed_rows) then
        perform data_version_note();
    end if;
    return null;
end
$$;

create or replace function data_version_truncated() returns trigger
language plpgsql as $$
begin
    perform data_version_note();
    return null;
end
$$;

create or replace function data_version_queue() returns trigger
language plpgsql as $$
begin
    delete from data_version_pending where xid = new.xid;
    insert into data_version_commit (xid) values (new.xid) on conflict do nothing;
    return null;
end
$$;

create or replace function data_version_bump() returns trigger
language plpgsql as $$
declare
    v bigint;
begin
    delete from data_version_commit where xid = new.xid;
    update data_version set version = version + 1 returning version into v;
    perform pg_notify('hub_data_version', v::text);
    return null;
end
$$;

-- Constraint triggers cannot be replaced: created once.
do $$
begin
    if not exists (select from pg_trigger where tgname = 'data_version_at_commit') then
        create constraint trigger data_version_at_commit after insert on data_version_pending
            deferrable initially deferred for each row execute function data_version_queue();
    end if;
    if not exists (select from pg_trigger where tgname = 'data_version_last') then
        create constraint trigger data_version_last after insert on data_version_commit
            deferrable initially deferred for each row execute function data_version_bump();
    end if;
end
$$;

do $$
declare
    t text;
begin
    foreach t in array array[
        'regions', 'sources', 'wishes', 'claims', 'claim_cards', 'teams', 'stations',
        'activities', 'batches', 'dead_letters', 'sync_cursors', 'outbox', 'audit_log',
        'wish_transfers', 'wish_dispatches'
    ] loop
        execute format('create or replace trigger data_version_insert after insert on %I '
                       'referencing new table as changed_rows for each statement '
                       'execute function data_version_changed()', t);
        execute format('create or replace trigger data_version_update after update on %I '
                       'referencing new table as changed_rows for each statement '
                       'execute function data_version_changed()', t);
        execute format('create or replace trigger data_version_delete after delete on %I '
                       'referencing old table as changed_rows for each statement '
                       'execute function data_version_changed()', t);
        execute format('create or replace trigger data_version_truncate after truncate on %I '
                       'for each statement execute function data_version_truncated()', t);
    end loop;
end
$$;
