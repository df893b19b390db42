-- Security: the audit log and the trusted documents.
--
-- audit_log is append-only: who did what, when, with what outcome. Rows are
-- never changed or removed by the hub; a trigger refuses UPDATE, DELETE and
-- TRUNCATE so that a bug or a careless hand cannot rewrite history.
create table audit_log (
    id          bigint generated always as identity primary key,
    at          timestamptz not null default now(),
    actor       text not null,   -- key name, source:<code>, cli:<user>, anonymous@<addr>
    role        text not null,   -- province | city | viewer | public | source | cli
    action      text not null,   -- batch.push, replay, mutation.escalateWish, key.add ...
    target      text,            -- batch id, wish id, key name, document hash ...
    region_code text,            -- the region the action touched, for scoped reading
    outcome     text not null check (outcome in ('ok', 'denied', 'failed')),
    detail      jsonb not null default '{}'::jsonb
);
create index audit_log_region on audit_log (region_code text_pattern_ops, id desc);
create index audit_log_action on audit_log (action, id desc);

create function audit_log_is_append_only() returns trigger
language plpgsql as $$
begin
    raise exception 'audit_log is append-only (% refused)', tg_op
        using errcode = 'insufficient_privilege';
end;
$$;

create trigger audit_log_no_change before update or delete on audit_log
    for each row execute function audit_log_is_append_only();
create trigger audit_log_no_truncate before truncate on audit_log
    for each statement execute function audit_log_is_append_only();

-- Operations a front-end registered (hub documents add), by the SHA-256 of
-- their exact text (Apollo persisted-query format).
create table trusted_documents (
    sha256   text primary key check (sha256 ~ '^[0-9a-f]{64}$'),
    body     text not null,
    name     text,
    added_at timestamptz not null default now(),
    added_by text not null
);
