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
