-- Undo of a bulk action (issue 15, item 7): what each changed item was before, kept a short
-- while under a secret token's digest, for its brand and the person who acted only. A row
-- outlives its expiry by an hour so a late click hears "too late", not "unknown".
create table bulk_undos (
    digest text primary key,
    brand_id bigint not null references brands on delete cascade,
    user_id bigint not null references users on delete cascade,
    action text not null,
    entries jsonb not null,
    spammers jsonb not null default '{}',
    created_at timestamptz not null default now(),
    expires_at timestamptz not null,
    undone_at timestamptz
);
create index bulk_undos_expiry on bulk_undos (expires_at);
