-- Connections made with OAuth (issue 11). A flow started in Settings waits here between the
-- redirect to the platform's consent page and the callback: the row is keyed by the SHA-256 of
-- the `state` parameter (a copy of this table cannot finish anyone's flow), bound to the brand
-- and the member who started it, single use (deleted when used), and short-lived.
create table oauth_flows (
    id text primary key,  -- hex SHA-256 of the state sent to the platform
    brand_id bigint not null references brands on delete cascade,
    user_id bigint not null references users on delete cascade,
    platform text not null,
    account_id bigint references accounts on delete cascade,  -- set on "Reconnect"
    verifier text,  -- the PKCE code verifier (RFC 7636): useless without the code
    -- After the callback, when the grant covers several Pages/channels/locations: the tokens and
    -- the choices, sealed with the credentials key, until the owner picks.
    pending bytea,
    created_at timestamptz not null default now(),
    expires_at timestamptz not null
);
create index oauth_flows_expires on oauth_flows (expires_at);
