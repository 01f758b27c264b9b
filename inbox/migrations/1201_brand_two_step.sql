-- An owner can require two-step log-in for everyone on their brand (issue 12).
alter table brands add column require_two_step boolean not null default false;
