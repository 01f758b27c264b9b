-- The VAPID private key is a secret like the others (issue 13): sealed with the credentials key,
-- so a copy of the database alone cannot sign pushes to the brand's phones. A key an earlier
-- version kept in clear is sealed (and the clear copy cleared) the first time it is read.
alter table web_push_keys add column private_sealed bytea;
alter table web_push_keys alter column private_key drop not null;
