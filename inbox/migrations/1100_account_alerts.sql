-- Owners hear at once when a connection needs them (issue 11, "Stay connected").

-- When the connection stops working unless the owner acts (a token that cannot be refreshed:
-- Instagram and LinkedIn long-lived tokens); null when it renews itself or never expires.
-- The OAuth code fills it; the alerts worker warns the owners seven days before.
alter table accounts add column access_expires_at timestamptz;
-- The expiry date the owners were last warned about: a renewed token (a new date) re-arms the warning.
alter table accounts add column expiry_warned_for timestamptz;

-- One "re-authorisation needed" episode: reauth_since is when the account last turned to
-- 'reauth' (null while it is not), reauth_alerted_at when the owners were told of it. Kept by
-- a trigger so every writer (the poller, the outbox, token refresh, a reconnect) counts alike.
alter table accounts add column reauth_since timestamptz;
alter table accounts add column reauth_alerted_at timestamptz;

-- Accounts already waiting at upgrade time: their owners have seen Settings; no alert storm.
update accounts set reauth_since = coalesce(last_error_at, now()), reauth_alerted_at = now() where health = 'reauth';

create function accounts_reauth_episode() returns trigger language plpgsql as $$
begin
    if new.health = 'reauth' and (tg_op = 'INSERT' or old.health is distinct from 'reauth') then
        new.reauth_since := clock_timestamp();
        new.reauth_alerted_at := null;
        -- Wakes the alerts worker (which raises the alert) at commit; web processes ignore it.
        perform pg_notify('jasette_alerts', json_build_object('brand', new.brand_id, 'account', new.id)::text);
    elsif new.health <> 'reauth' then
        new.reauth_since := null;
        new.reauth_alerted_at := null;
    end if;
    return new;
end $$;

create trigger accounts_reauth_episode before insert or update of health on accounts
    for each row execute function accounts_reauth_episode();

-- The alerts worker looks for episodes nobody was told about yet, and expiries coming up.
create index accounts_reauth_untold on accounts (id) where health = 'reauth' and reauth_alerted_at is null;
create index accounts_expiring on accounts (access_expires_at) where access_expires_at is not null;
