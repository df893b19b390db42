-- One province-wide wish list: escalation (上下联动), dispatch (组织派单) and
-- the outbox of callbacks to the platforms (shared/platforms/callbacks.md).
--
-- The CURRENT dispatch of a wish is four columns of `wishes` (null when
-- none): live events are derived from row changes of `wishes`, so the
-- current state lives there. History lives in wish_transfers and
-- wish_dispatches. All new columns are nullable without a default: adding
-- them rewrites nothing, even at 900,000 wishes. The hub never deletes a
-- wish row (a platform's deletion is a flag), so the history's wish_id needs
-- no foreign key (one would make `truncate wishes` refuse without cascade).
alter table wishes
    add column handling_since   timestamptz,   -- when handling_level last changed by the hub; null: since submitted_at
    add column dispatch_team_id bigint,        -- teams.id of the current dispatch
    add column dispatched_at    timestamptz,
    add column dispatched_by    text,          -- a key's name
    add column dispatch_note    text;

-- An office's to-do list: wishes handled above county level, by city, oldest
-- first (wishes(filter: {handlingLevel: CITY, regionCode: ...}, orderBy: SUBMITTED_ASC)).
create index wishes_handling on wishes (handling_level, city_code, status, submitted_at, id)
    where handling_level <> 'COUNTY' and not deleted and not shadowed;
-- The automatic rule's question: OPEN wishes at a level for longer than N days.
create index wishes_waiting on wishes (handling_level, (coalesce(handling_since, submitted_at)), id)
    where status = 'OPEN' and not deleted and not shadowed;
-- The wishes an office took in hand (escalated, or with a current dispatch):
-- their statistics are counted over these rows (hub.stats_escalated).
create index wishes_in_hand on wishes (region_code text_pattern_ops)
    where not deleted and not shadowed
      and (handling_level <> 'COUNTY' or dispatch_team_id is not null);
-- A team's current dispatches (its load).
create index wishes_dispatch_team on wishes (dispatch_team_id) where dispatch_team_id is not null;

-- Every change of handling_level the hub made: by an operator's key or by the rule.
create table wish_transfers (
    id         bigint generated always as identity primary key,
    wish_id    bigint not null,
    from_level text not null,
    to_level   text not null,
    reason     text not null,
    at         timestamptz not null default now(),
    by         text not null   -- a key's name, or 'rule'
);
create index wish_transfers_wish on wish_transfers (wish_id, id);

-- Dispatches that ended: withdrawn by an operator, or closed because the
-- wish's platform reported a claim (or a cancellation, or a deletion).
create table wish_dispatches (
    id            bigint generated always as identity primary key,
    wish_id       bigint not null,
    team_id       bigint not null,
    dispatched_at timestamptz not null,
    dispatched_by text not null,
    note          text,
    ended_at      timestamptz not null default now(),
    ended_by      text not null,   -- a key's name, or 'platform'
    end_reason    text,
    outcome       text not null check (outcome in ('WITHDRAWN', 'CLAIMED', 'CLOSED'))
);
create index wish_dispatches_wish on wish_dispatches (wish_id, id);

-- A dispatch lasts until the wish's platform reports a claim. Platforms write
-- wishes through several paths (push, pull, replay, 葫芦岛 blue cards, seed);
-- this trigger is the one place that ends the dispatch on all of them, in the
-- same statement. It fires only for wishes with a current dispatch.
create function wishes_end_dispatch() returns trigger
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

create trigger wishes_end_dispatch before update on wishes
    for each row
    when (old.dispatch_team_id is not null and new.dispatch_team_id is not null
          and (new.status not in ('OPEN', 'PENDING') or new.deleted or new.shadowed))
    execute function wishes_end_dispatch();

-- Callbacks to the platforms, written in the transaction of the change they
-- report, one row per event and receiving source. `body` is the exact JSON
-- sent (signed at sending time with the receiver's current secret).
-- States: PENDING (to send, or retrying), DELIVERED, FAILED (gave up after
-- the retry window; `hub outbox retry` sends it again). A PENDING event of a
-- source without a callback_url is shown as NO_RECEIVER: that depends on the
-- configuration of whoever reads it, so it is not stored (a process started
-- with another configuration must not park or unpark the others' events).
create table outbox (
    id               bigint generated always as identity primary key,
    event_id         uuid not null,
    type             text not null,
    wish_id          bigint not null,
    receiver         smallint not null references sources (id),
    body             text not null,
    state            text not null default 'PENDING'
                     check (state in ('PENDING', 'DELIVERED', 'FAILED')),
    created_at       timestamptz not null default now(),
    attempts         integer not null default 0,
    next_attempt_at  timestamptz not null default now(),
    first_attempt_at timestamptz,
    last_attempt_at  timestamptz,
    leased_until     timestamptz,
    last_error       text,
    delivered_at     timestamptz,
    unique (event_id, receiver)
);
-- The head of each (wish, receiver) queue: only it may be sent.
create index outbox_queue on outbox (wish_id, receiver, id) where state = 'PENDING';
create index outbox_open on outbox (state, id) where state <> 'DELIVERED';

