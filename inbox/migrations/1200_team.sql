-- Issue 12, the team: invitations, forgotten-password links, a user's visible sessions and
-- two-step login. Every link token is stored as its SHA-256 only: a copy of these tables
-- opens nothing.
create table invitations (
    id bigint generated always as identity primary key,
    brand_id bigint not null references brands on delete cascade,
    email text not null,
    role text not null check (role in ('owner', 'agent')),
    lang text not null default 'fr' check (lang in ('fr', 'en')),  -- the e-mail's language
    token_hash text not null unique,
    invited_by bigint references users on delete set null,
    created_at timestamptz not null default now(),
    expires_at timestamptz not null,
    accepted_at timestamptz,
    accepted_by bigint references users on delete set null
);
-- One pending invitation per address and brand: inviting again renews it.
create unique index invitations_pending on invitations (brand_id, lower(email)) where accepted_at is null;

create table password_resets (
    token_hash text primary key,
    user_id bigint not null references users on delete cascade,
    created_at timestamptz not null default now(),
    expires_at timestamptz not null,
    used_at timestamptz
);
create index password_resets_user on password_resets (user_id);

-- What a user sees of their own sessions: a number to name one, the browser, when last used.
alter table sessions add column num bigint generated always as identity;
alter table sessions add column user_agent text not null default '';
alter table sessions add column last_seen_at timestamptz not null default now();
create unique index sessions_num on sessions (num);

-- TOTP (RFC 6238): the secret sealed with the install's key (inbox/credentials.py), a pending
-- one while the user confirms enrolment, and the last time step used (a code works once).
alter table users add column totp_secret bytea;
alter table users add column totp_pending bytea;
alter table users add column totp_last_step bigint not null default 0;

create table recovery_codes (
    user_id bigint not null references users on delete cascade,
    code_hash text not null,
    used_at timestamptz,
    primary key (user_id, code_hash)
);
