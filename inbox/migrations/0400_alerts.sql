-- Alerts and weekly summaries: default rules per brand, quiet-hours digests, summary leases.

-- Every brand starts with the three rules; empty params mean "the documented defaults"
-- (inbox/alerts/rules.py), so a default changed in code reaches every untouched rule.
create function jasette_default_alert_rules() returns trigger language plpgsql as $$
begin
    insert into alert_rules (brand_id, kind, cooldown_minutes, quiet_start, quiet_end)
    values (new.id, 'negative_mention', 15, null, null),
           (new.id, 'volume_spike', 60, null, null),
           (new.id, 'sentiment_dip', 120, null, null);
    return new;
end $$;

create trigger brands_default_alert_rules after insert on brands
    for each row execute function jasette_default_alert_rules();

insert into alert_rules (brand_id, kind, cooldown_minutes)
select b.id, k.kind, k.cooldown from brands b
cross join (values ('negative_mention', 15), ('volume_spike', 60), ('sentiment_dip', 120)) as k(kind, cooldown)
where not exists (select 1 from alert_rules r where r.brand_id = b.id);

-- An alert raised in its rule's quiet hours waits (held_until = the end of the quiet hours)
-- and then goes out inside one morning digest alert (digest_id) instead of on its own.
alter table alerts add column held_until timestamptz;
alter table alerts add column digest_id bigint references alerts on delete set null;
create index alerts_held on alerts (held_until) where held_until is not null and digest_id is null;
-- Digests and test alerts have no rule: keep them unique per brand and key all the same.
create unique index alerts_without_rule on alerts (brand_id, dedupe_key) where rule_id is null;

-- Pending matches (alert_id null) wait out the rule's cooldown, then go out together.
create index alert_items_pending on alert_items (rule_id) where alert_id is null;

-- The Monday send: a lease so one worker sends a brand's week, and the addresses already
-- served so a worker that died halfway does not mail anyone twice.
alter table weekly_summaries add column lease_until timestamptz;
alter table weekly_summaries add column sent_to text[] not null default '{}';
alter table weekly_summaries add column attempts integer not null default 0;
alter table weekly_summaries add column last_error text;
