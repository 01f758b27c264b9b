-- A two-step send (e-mail: SMTP, then filing in Sent) records that the platform accepted the
-- reply before the second step, so a worker that dies or stalls in between never sends it again.
alter table replies add column delivered_at timestamptz;
