-- A saved reply and its translation are one entry (issue 15): rows sharing a pair_id are the
-- French and English texts of the same reply, at most one per language. Each existing row
-- becomes its own pair (its id is free as a key: new pairs take the id of their first row).
alter table saved_replies add column pair_id bigint;
update saved_replies set pair_id = id;
alter table saved_replies alter column pair_id set not null;
create unique index saved_replies_pair_lang on saved_replies (brand_id, pair_id, lang);
