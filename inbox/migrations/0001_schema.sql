-- The whole product's store. Later migrations refine it; this one is never edited once landed.

create table brands (
    id bigserial primary key,
    slug text not null unique check (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    name text not null,
    lang text not null default 'fr' check (lang in ('fr', 'en')),
    timezone text not null default 'America/Montreal',
    expected_langs text[] not null default '{fr,en}',
    -- Response-time target that ages an item's priority (the NLP stage's "overdue" reason).
    response_target_minutes integer not null default 240 check (response_target_minutes > 0),
    -- Alert channels and the like: {"alert_emails": [...], "webhook_url": ..., "webhook_secret": ...}
    settings jsonb not null default '{}',
    created_at timestamptz not null default now()
);

create table users (
    id bigserial primary key,
    email text not null,
    name text not null default '',
    password_hash text not null,
    ui_lang text not null default 'fr' check (ui_lang in ('fr', 'en')),
    timezone text not null default 'America/Montreal',
    created_at timestamptz not null default now()
);
create unique index users_email on users (lower(email));

create table memberships (
    user_id bigint not null references users on delete cascade,
    brand_id bigint not null references brands on delete cascade,
    role text not null check (role in ('owner', 'agent')),
    primary key (user_id, brand_id)
);
create index memberships_brand on memberships (brand_id);

-- A platform connection. Credentials are encrypted by the application (JASETTE_SECRET_KEY);
-- the database never sees them in clear.
create table accounts (
    id bigserial primary key,
    brand_id bigint not null references brands on delete cascade,
    platform text not null,
    name text not null default '',
    external_id text not null,
    base_url text not null,
    credentials bytea,
    settings jsonb not null default '{}',
    enabled boolean not null default true,
    cursor jsonb not null default '{}',
    poll_interval_seconds integer not null default 60 check (poll_interval_seconds > 0),
    next_poll_at timestamptz not null default now(),
    lease_owner text,
    lease_until timestamptz,
    health text not null default 'ok' check (health in ('ok', 'failing', 'reauth')),
    last_success_at timestamptz,
    last_error text,
    last_error_at timestamptz,
    consecutive_failures integer not null default 0,
    -- Platform usage and quota bookkeeping (YouTube units, Meta usage percent...).
    usage jsonb not null default '{}',
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (brand_id, platform, external_id)
);
-- Workers look for due accounts: keep that scan on an index.
create index accounts_due on accounts (next_poll_at) where enabled and health <> 'reauth';

create table authors (
    id bigserial primary key,
    platform text not null,
    external_id text not null,
    name text not null default '',
    handle text not null default '',
    followers integer,
    url text,
    avatar_url text,
    updated_at timestamptz not null default now(),
    unique (platform, external_id)
);

create table items (
    id bigserial primary key,
    brand_id bigint not null references brands on delete cascade,
    account_id bigint references accounts on delete set null,
    platform text not null,
    external_id text not null,
    kind text not null check (kind in ('comment', 'reply', 'mention', 'review', 'message', 'post')),
    author_id bigint references authors on delete set null,
    parent_external_id text,
    thread_external_id text,
    body text not null default '',
    url text,
    from_business boolean not null default false,
    created_at timestamptz not null,
    collected_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    edited_at timestamptz,
    deleted_at timestamptz,
    hidden boolean not null default false,
    -- NLP stage output; analyzed_at null means "not analysed yet".
    lang text not null default 'und',
    lang_confidence real not null default 0,
    sentiment text not null default 'neutral' check (sentiment in ('negative', 'neutral', 'positive')),
    polarity real not null default 0,
    priority smallint not null default 0 check (priority between 0 and 100),
    reasons jsonb not null default '[]',
    spam boolean not null default false,
    analyzed_at timestamptz,
    -- Staff corrections, kept beside the machine's opinion so both can be shown.
    lang_override text,
    sentiment_override text check (sentiment_override in ('negative', 'neutral', 'positive')),
    corrected_by bigint references users on delete set null,
    -- Team workflow.
    status text not null default 'new' check (status in ('new', 'open', 'pending', 'done')),
    assignee_id bigint references users on delete set null,
    snoozed_until timestamptz,
    first_response_at timestamptz,
    first_response_seconds integer,
    raw jsonb not null default '{}',
    search tsvector generated always as (
        to_tsvector(
            case coalesce(lang_override, lang) when 'fr' then 'french'::regconfig
                 when 'en' then 'english'::regconfig else 'simple'::regconfig end,
            body)
    ) stored,
    -- Ids are unique within the connection they came from: two WordPress sites of one brand
    -- number their comments from the same range, and must not overwrite each other.
    unique (account_id, external_id)
);
-- The inbox's hot path: a brand's open items by priority, then newest (keyset pagination).
create index items_inbox on items (brand_id, priority desc, created_at desc, id desc)
    where status <> 'done' and not spam;
create index items_brand_time on items (brand_id, created_at desc, id desc);
create index items_thread on items (account_id, thread_external_id);
create index items_parent on items (account_id, parent_external_id);
create index items_author on items (author_id);
create index items_search on items using gin (search);
create index items_unanalyzed on items (id) where analyzed_at is null;

-- Earlier texts of edited items (the platform's edit replaces the body; staff may need the original).
create table item_revisions (
    id bigserial primary key,
    item_id bigint not null references items on delete cascade,
    body text not null,
    replaced_at timestamptz not null default now()
);
create index item_revisions_item on item_revisions (item_id);

-- Keep the replaced text whenever a body changes, whoever changes it (ingest, a webhook, a fix).
create function items_keep_revision() returns trigger language plpgsql as $$
begin
    insert into item_revisions (item_id, body) values (old.id, old.body);
    return new;
end $$;
create trigger items_keep_revision after update of body on items
    for each row when (old.body is distinct from new.body) execute function items_keep_revision();

-- The outbox: replies and moderation actions staff asked for, sent by any worker.
create table replies (
    id bigserial primary key,
    brand_id bigint not null references brands on delete cascade,
    item_id bigint not null references items on delete cascade,
    account_id bigint references accounts on delete set null,
    user_id bigint references users on delete set null,
    action text not null default 'reply' check (action in ('reply', 'hide', 'unhide')),
    body text not null default '',
    idempotency_key text not null unique,
    state text not null default 'queued' check (state in ('queued', 'sending', 'sent', 'failed')),
    attempts integer not null default 0,
    max_attempts integer not null default 5,
    next_attempt_at timestamptz not null default now(),
    lease_owner text,
    lease_until timestamptz,
    external_id text,
    error text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    sent_at timestamptz
);
create index replies_due on replies (next_attempt_at) where state in ('queued', 'sending');
create index replies_item on replies (item_id);

create table tags (
    id bigserial primary key,
    brand_id bigint not null references brands on delete cascade,
    name text not null,
    color text not null default '#64748b',
    unique (brand_id, name)
);

create table item_tags (
    item_id bigint not null references items on delete cascade,
    tag_id bigint not null references tags on delete cascade,
    primary key (item_id, tag_id)
);
create index item_tags_tag on item_tags (tag_id);

create table notes (
    id bigserial primary key,
    brand_id bigint not null references brands on delete cascade,
    item_id bigint not null references items on delete cascade,
    user_id bigint references users on delete set null,
    body text not null,
    created_at timestamptz not null default now()
);
create index notes_item on notes (item_id);

create table saved_replies (
    id bigserial primary key,
    brand_id bigint not null references brands on delete cascade,
    lang text not null check (lang in ('fr', 'en')),
    title text not null,
    body text not null,
    created_at timestamptz not null default now()
);
create index saved_replies_brand on saved_replies (brand_id, lang);

create table alert_rules (
    id bigserial primary key,
    brand_id bigint not null references brands on delete cascade,
    kind text not null check (kind in ('negative_mention', 'volume_spike', 'sentiment_dip')),
    enabled boolean not null default true,
    params jsonb not null default '{}',
    channels text[] not null default '{inapp,email,webhook}',
    cooldown_minutes integer not null default 60,
    quiet_start time,
    quiet_end time,
    last_fired_at timestamptz,
    created_at timestamptz not null default now()
);
create index alert_rules_brand on alert_rules (brand_id);

create table alerts (
    id bigserial primary key,
    brand_id bigint not null references brands on delete cascade,
    rule_id bigint references alert_rules on delete set null,
    kind text not null,
    -- One alert per (rule, key): the key names the item, the group or the window it is about.
    dedupe_key text not null,
    title text not null,
    details jsonb not null default '{}',
    item_ids bigint[] not null default '{}',
    created_at timestamptz not null default now(),
    read_at timestamptz,
    unique (rule_id, dedupe_key)
);
create index alerts_brand on alerts (brand_id, created_at desc);

-- One row per item per rule: the guard against alerting twice about one comment.
create table alert_items (
    rule_id bigint not null references alert_rules on delete cascade,
    item_id bigint not null references items on delete cascade,
    alert_id bigint references alerts on delete cascade,
    primary key (rule_id, item_id)
);

create table alert_deliveries (
    id bigserial primary key,
    alert_id bigint not null references alerts on delete cascade,
    channel text not null check (channel in ('inapp', 'email', 'webhook')),
    target text not null default '',
    state text not null default 'queued' check (state in ('queued', 'sending', 'sent', 'failed')),
    attempts integer not null default 0,
    next_attempt_at timestamptz not null default now(),
    lease_until timestamptz,
    last_error text,
    sent_at timestamptz,
    unique (alert_id, channel, target)
);
create index alert_deliveries_due on alert_deliveries (next_attempt_at) where state in ('queued', 'sending');

create table weekly_summaries (
    brand_id bigint not null references brands on delete cascade,
    iso_week text not null check (iso_week ~ '^[0-9]{4}-W[0-9]{2}$'),
    data jsonb not null,
    computed_at timestamptz not null default now(),
    sent_at timestamptz,
    primary key (brand_id, iso_week)
);

create table audit_log (
    id bigserial primary key,
    brand_id bigint references brands on delete cascade,
    user_id bigint references users on delete set null,
    action text not null,
    target_type text,
    target_id bigint,
    details jsonb not null default '{}',
    at timestamptz not null default now()
);
create index audit_log_brand on audit_log (brand_id, at desc);
