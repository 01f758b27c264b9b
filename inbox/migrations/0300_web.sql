-- The web inbox's own tables: failed log-ins (throttling shared by every web process).
create table login_failures (
    id bigserial primary key,
    email text not null,
    ip text not null,
    at timestamptz not null default now()
);
create index login_failures_email on login_failures (lower(email), at desc);
create index login_failures_ip on login_failures (ip, at desc);

-- Live resume reads "what changed since": keep it on an index.
create index items_brand_updated on items (brand_id, updated_at);
-- "Assigned to me" is the most used filter after the default view.
create index items_assignee on items (brand_id, assignee_id) where assignee_id is not null;
