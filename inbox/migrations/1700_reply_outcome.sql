-- Reply states in words (issue 17): what happened beyond queued/sending/sent/failed, and why a
-- send failed as a code the interface translates (the English `error` stays for operators).
-- outcome 'in_doubt': a send whose result is unknown (a worker died, or the platform timed out
--   after the request left); it is looked for on the platform before any resend.
-- outcome 'found': that look found it on the platform; it was recorded as sent, not sent again.
alter table replies add column outcome text check (outcome in ('in_doubt', 'found'));
alter table replies add column error_code text;
alter table replies add column error_detail text;
