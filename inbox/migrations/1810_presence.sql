-- Who has which item open, one row per websocket. Kept in PostgreSQL so that every web process
-- sees it: someone opening an item reads who is already on it (instead of waiting for their
-- next re-announcement), and rows of a process that died are swept by the others once its
-- heartbeat (seen_at) stops. Unlogged: after a crash nobody is viewing anything anyway.
create unlogged table presence (
    conn text primary key,
    brand_id bigint not null references brands on delete cascade,
    item_id bigint not null references items on delete cascade,
    user_id bigint not null references users on delete cascade,
    name text not null,
    what text not null check (what in ('viewing', 'typing')),
    changed_at timestamptz not null default clock_timestamp(),
    seen_at timestamptz not null default clock_timestamp()
);
create index presence_brand on presence (brand_id);
create index presence_seen on presence (seen_at);
