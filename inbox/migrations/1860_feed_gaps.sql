-- A feed shows only its newest entries: a read that finds none of the entries read before means
-- entries may have scrolled off unread. Counted per account (shown in /metrics and, for a week, as
-- a notice in Settings → Connections) so such a loss is never silent.
alter table accounts add column feed_gaps integer not null default 0;
alter table accounts add column last_feed_gap_at timestamptz;
