-- Web Push (issue 16): the install's VAPID key pair, made at first use, and the browsers that
-- asked for notifications. The private key signs requests to the browsers' push services; with
-- it alone nobody can reach a subscriber (that takes the endpoint and its keys, stored beside).
create table web_push_keys (
    id smallint primary key default 1 check (id = 1),  -- one key pair per install
    private_key text not null,  -- PEM (PKCS#8, P-256)
    public_key text not null,   -- the uncompressed point, base64url: the browser's applicationServerKey
    created_at timestamptz not null default now()
);

create table push_subscriptions (
    id bigserial primary key,
    user_id bigint not null references users on delete cascade,
    endpoint text not null unique,  -- the push service's URL for this browser (https)
    p256dh text not null,
    auth text not null,
    created_at timestamptz not null default now()
);
create index push_subscriptions_user on push_subscriptions (user_id);

-- A push to one browser is an alert delivery like an e-mail: queued, retried, its state shown;
-- its target is the subscription's id.
alter table alert_deliveries drop constraint alert_deliveries_channel_check;
alter table alert_deliveries add constraint alert_deliveries_channel_check check (channel in ('inapp', 'email', 'webhook', 'push'));
