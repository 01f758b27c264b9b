-- Sessions stored server-side: the signed cookie carries a random token whose SHA-256 is the
-- key here, so deleting a row ends that session everywhere (logout, password change, removal).
create table sessions (
    id text primary key,  -- hex SHA-256 of the cookie's token: a copy of this table opens nothing
    user_id bigint not null references users on delete cascade,
    created_at timestamptz not null default now(),
    expires_at timestamptz not null
);
create index sessions_user on sessions (user_id);
create index sessions_expires on sessions (expires_at);
