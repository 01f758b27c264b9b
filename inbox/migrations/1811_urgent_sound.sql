-- A per-user choice: play a short sound when an urgent item arrives live (off unless asked for).
alter table users add column urgent_sound boolean not null default false;
