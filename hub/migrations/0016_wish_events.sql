-- Live wish events (实时心愿墙) and what team matching reads.
--
-- Events derive from row changes of `wishes`, whoever made them (a push, a
-- pull, a replay, a mutation, a rule): statement-level triggers read the
-- transition tables and append one row holding the statement's events to
-- `wish_events`, then send one constant notification. PostgreSQL folds identical notifications
-- of a transaction into one, delivered at commit: a push of 1,000 records is
-- one notification, not 1,000. Listeners (hub.events, one per server
-- process) then read the rows they have not seen.
--
-- `wish_events` is UNLOGGED: no WAL for rows that matter only for minutes
-- (each server deletes those older than a few minutes). After a crash it is
-- empty, which loses nothing a client could not ask `wishes` for.
--
-- `xid` is the writing transaction: a listener reads rows whose transaction
-- may have committed since its last read (xid >= that read's xmin horizon),
-- so a transaction that took its ids early and committed late is not missed.

-- The current dispatch of a wish (组织派单). Migration 0012 adds the same
-- columns with the dispatch mutations; `if not exists` lets either come
-- first. A change of dispatch_team_id to a team is a DISPATCHED event.
alter table wishes add column if not exists dispatch_team_id bigint,
                   add column if not exists dispatched_at timestamptz,
                   add column if not exists dispatched_by text,
                   add column if not exists dispatch_note text;

create sequence wish_events_id;

-- One row per statement that changed wishes (a push's upsert is one): its
-- wishes, and for each the kinds of its events joined by commas
-- ('SUBMITTED,FULFILLED'). Writing 1,000 events is writing one row, and
-- per wish a concat_ws rather than a lateral VALUES (4x the CPU).
create unlogged table wish_events (
    id       bigint not null default nextval('wish_events_id'),
    xid      xid8 not null default pg_current_xact_id(),
    at       timestamptz not null default now(),
    wish_ids bigint[] not null,
    kinds    text[] not null  -- of SUBMITTED CLAIMED FULFILLED CANCELLED ESCALATED DISPATCHED
);
create index wish_events_xid on wish_events (xid);

create function wish_events_capture() returns trigger
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

create trigger wish_events_insert after insert on wishes
    referencing new table as new_rows
    for each statement execute function wish_events_capture();
create trigger wish_events_update after update on wishes
    referencing old table as old_rows new table as new_rows
    for each statement execute function wish_events_capture();

-- Matching: a team's open claims (claims name their team by its platform id;
-- with wish_id, an index-only scan) and its current dispatches.
create index if not exists claims_team_ref on claims (team_ref, wish_id) where team_ref is not null;
create index if not exists wishes_dispatch_team on wishes (dispatch_team_id)
    where dispatch_team_id is not null;
-- The largest teams of a field: a wish escalated to the province takes its
-- candidates from other cities this way, not from a scan of every team.
create index if not exists teams_category_members on teams (category, member_count desc, id)
    where not deleted;
