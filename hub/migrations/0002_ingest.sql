-- The write path's bookkeeping.
--
-- 葫芦岛 pinks: the store derives a wish's status and times from its own
-- state and its blue cards. It keeps what it needs to do that whatever order
-- the versions arrive in: the time the pink's own current state began
-- (own_at), and the earliest time of an open state and of any state it has
-- ever seen, duplicates by version included (first_open_at, first_seen_at).
alter table wishes
    add column own_at        timestamptz,
    add column first_open_at timestamptz,
    add column first_seen_at timestamptz;

-- Blue cards still waiting for their pink code (hub orphans).
create index claim_cards_live on claim_cards (source, id) where not deleted;

-- hub replay walks the unresolved letters of one source, oldest first, and
-- hub deadletters lists the newest.
create index dead_letters_unresolved on dead_letters (id) where not resolved;

-- The write path checks what these foreign keys checked, once per batch
-- instead of once per row: the source id comes from the source's code, every
-- region code is looked up (and missing towns and villages created) in the
-- same transaction before any record is written, and claims point at the
-- wishes just upserted. Regions and sources are never deleted. Measured on
-- 1,000-wish pushes, the per-row checks cost as much as the inserts they
-- guarded (95 ms → 49 ms per batch without them).
alter table wishes drop constraint if exists wishes_source_fkey,
                   drop constraint if exists wishes_region_code_fkey;
alter table claims drop constraint if exists claims_wish_id_fkey;
alter table teams drop constraint if exists teams_source_fkey,
                  drop constraint if exists teams_region_code_fkey;
alter table stations drop constraint if exists stations_source_fkey,
                     drop constraint if exists stations_region_code_fkey;
alter table activities drop constraint if exists activities_source_fkey,
                       drop constraint if exists activities_region_code_fkey;
alter table claim_cards drop constraint if exists claim_cards_source_fkey;
