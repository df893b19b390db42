-- The data version: one number that grows with every committed transaction
-- that changes what a query can answer (hub.data_version).
--
-- Whoever writes (a push, a pull's page, a replay, a mutation, a background
-- rule, psql), statement-level triggers on the tables queries read note the
-- transaction once; at commit a deferred trigger adds one to
-- `data_version.version` and notifies `hub_data_version` with the new value
-- (delivered to listeners at commit, like every notification). A reader that
-- reads the version before its data can therefore never label old data with
-- a newer version: the response cache keys its entries by it, and a replica
-- whose `data_version` has reached a client's last write has that write.
--
-- The bump is the last lock a commit takes: the first deferred trigger only
-- queues a second one (data_version_commit), and deferred triggers queued
-- while the commit's triggers run fire after all of them, so the rollups'
-- locks (stats_flush) are always taken before this row's and concurrent
-- commits cannot deadlock on them. Commits that change data hold the row
-- for the moment of their commit record only.
--
-- Not watched: the statistics tables (they change in the same transaction
-- as the records they count, or are refreshed to the same figures), live
-- wish events, secrets, trusted documents (checked before any cache).
-- A new table that queries read must be added to the list at the end.

create table data_version (
    one     boolean primary key default true check (one),
    version bigint not null
);
insert into data_version (version) values (1);

-- One row per writing transaction, gone at its commit.
create unlogged table data_version_pending (xid xid8 primary key);
create unlogged table data_version_commit (xid xid8 primary key);

create function data_version_note() returns void
language sql as $$
    insert into data_version_pending (xid) values (pg_current_xact_id()) on conflict do nothing
$$;

-- Statement triggers: only statements that changed rows count (a job's
-- update that matched nothing leaves cached answers alone).
create function data_version_changed() returns trigger
language plpgsql as $$
begin
    if exists (select from changed_rows) then
        perform data_version_note();
    end if;
    return null;
end
$$;

create function data_version_truncated() returns trigger
language plpgsql as $$
begin
    perform data_version_note();
    return null;
end
$$;

create function data_version_queue() returns trigger
language plpgsql as $$
begin
    delete from data_version_pending where xid = new.xid;
    insert into data_version_commit (xid) values (new.xid) on conflict do nothing;
    return null;
end
$$;

create function data_version_bump() returns trigger
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

create constraint trigger data_version_at_commit after insert on data_version_pending
    deferrable initially deferred for each row execute function data_version_queue();
create constraint trigger data_version_last after insert on data_version_commit
    deferrable initially deferred for each row execute function data_version_bump();

do $$
declare
    t text;
begin
    foreach t in array array[
        'regions', 'sources', 'wishes', 'claims', 'claim_cards', 'teams', 'stations',
        'activities', 'batches', 'dead_letters', 'sync_cursors', 'outbox', 'audit_log',
        'wish_transfers', 'wish_dispatches'
    ] loop
        execute format('create trigger data_version_insert after insert on %I '
                       'referencing new table as changed_rows for each statement '
                       'execute function data_version_changed()', t);
        execute format('create trigger data_version_update after update on %I '
                       'referencing new table as changed_rows for each statement '
                       'execute function data_version_changed()', t);
        execute format('create trigger data_version_delete after delete on %I '
                       'referencing old table as changed_rows for each statement '
                       'execute function data_version_changed()', t);
        execute format('create trigger data_version_truncate after truncate on %I '
                       'for each statement execute function data_version_truncated()', t);
    end loop;
end
$$;
