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
-- A new table that queries read must be added to the list in functions.sql.
--
-- The functions and triggers live in hub/migrations/functions.sql (section
-- "Data version"), applied after this migration.

create table data_version (
    one     boolean primary key default true check (one),
    version bigint not null
);
insert into data_version (version) values (1);

-- One row per writing transaction, gone at its commit.
create unlogged table data_version_pending (xid xid8 primary key);
create unlogged table data_version_commit (xid xid8 primary key);
