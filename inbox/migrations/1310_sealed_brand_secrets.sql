-- Alert webhook secrets at rest (issue 13, finding 9). A brand's webhook address (Slack-style
-- addresses carry their token in the path) and its signing secret move out of the clear
-- brands.settings into brands.secrets, sealed by the application's Vault (JASETTE_SECRET_KEY)
-- like accounts.credentials. SQL cannot seal: the clear values are moved by every process's
-- start and by `jasette secrets reseal` (inbox/sealed.py, seal_clear); until then they are read
-- where they are. brands.settings keeps only "webhook_host" (scheme://host[:port]) to show.
alter table brands add column secrets bytea;

-- Deliveries name the webhook by its host only; the address is read, sealed, when sending.
update alert_deliveries
set target = substring(target from '^[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#]*')
where channel = 'webhook' and target ~ '^[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#]*[/?#]';

-- Error texts quoted the whole address: keep its host, drop the path and query that hold tokens.
update alert_deliveries
set last_error = regexp_replace(last_error, '([a-zA-Z][a-zA-Z0-9+.-]*://[^/?#[:space:]]*)[^[:space:]]*', '\1', 'g')
where channel = 'webhook' and last_error is not null;

update brands
set settings = settings || jsonb_build_object('webhook_host', substring(settings->>'webhook_url' from '^[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#]*'))
where settings ? 'webhook_url' and settings->>'webhook_url' <> '';

-- An account's last error could quote a request URL with its query, where Graph and YouTube take
-- tokens (collector/wire.py now cuts queries from error texts): cut them from stored errors too.
update accounts
set last_error = regexp_replace(last_error, '([a-zA-Z][a-zA-Z0-9+.-]*://[^?#[:space:]''"]*)\?[^[:space:]''")]*', '\1?…', 'g')
where last_error ~ '://[^[:space:]]*\?';
