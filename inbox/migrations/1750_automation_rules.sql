-- Automation rules (Settings → Règles): a brand's ordered "when ... then ..." rules, applied
-- to items at ingest and when their reading changes. Conditions and actions are JSON objects
-- whose keys inbox/rules.py owns (checked there, not here, so a new condition needs no migration).
create table automation_rules (
    id bigserial primary key,
    brand_id bigint not null references brands on delete cascade,
    name text not null check (length(name) between 1 and 80),
    position integer not null,
    enabled boolean not null default true,
    conditions jsonb not null default '{}',
    actions jsonb not null default '{}',
    created_by bigint references users on delete set null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
create index automation_rules_brand on automation_rules (brand_id, position, id);
-- The item's history reads its audit rows newest first.
create index audit_log_item on audit_log (target_id, at desc) where target_type = 'item';
