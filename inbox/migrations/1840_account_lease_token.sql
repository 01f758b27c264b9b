-- Fencing for account leases (issue 17): every lease taken gets the next number of its account,
-- and a worker renews it, stores a page (items and cursor) and records the poll's outcome only
-- while the account still carries the number it was given. A worker whose lease lapsed and was
-- taken over (by another worker, or by another poll of its own process) can no longer move the
-- cursor back, even though its worker id may still match.
alter table accounts add column lease_token bigint not null default 0;
