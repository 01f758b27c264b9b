-- The full NLP path (nlp.encoder) re-scores items in the background after the fast layer has
-- read them at ingest. rescored_at holds the analyzed_at of the fast reading it replaced: equal
-- means "the full reading of the current text"; an edit analysed again at ingest gets a new
-- analyzed_at, so the item is due for re-scoring again.
alter table items add column rescored_at timestamptz;
create index items_to_rescore on items (id)
    where analyzed_at is not null and rescored_at is distinct from analyzed_at and deleted_at is null;
