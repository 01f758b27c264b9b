-- An account receives pushed deliveries (webhooks) only once it has proved, with its own
-- credentials against the platform, that it has access to the platform account it names
-- (issue 13, finding 1). Existing accounts prove it again at their next poll.
alter table accounts add column verified_at timestamptz;
create index accounts_pushed on accounts (platform, external_id) where verified_at is not null;
