-- Staff's spam marks, kept beside the machine's opinion (items.spam stays the one column every
-- query reads: alerts, summaries, response times and the inbox all leave spam out through it).
alter table items add column spam_override boolean;

-- The brand's own spam rule: an author marked as a spammer for this brand has their next
-- items land in Spam, whatever the NLP reads. Per brand: a spammer of one shop is not another's.
create table brand_spammers (
    brand_id bigint not null references brands on delete cascade,
    author_id bigint not null references authors on delete cascade,
    marked_by bigint references users on delete set null,
    marked_at timestamptz not null default now(),
    primary key (brand_id, author_id)
);

-- One place that wins over every writer of items.spam (ingest, analysis, re-scoring): a staff
-- mark first, then the brand's spammers, then the NLP's reading as written.
create function jasette_spam_rules() returns trigger language plpgsql as $$
begin
    if new.spam_override is not null then
        new.spam := new.spam_override;
    elsif new.author_id is not null and exists (
        select 1 from brand_spammers s where s.brand_id = new.brand_id and s.author_id = new.author_id) then
        new.spam := true;
    end if;
    return new;
end $$;

create trigger items_spam_rules before insert or update of spam, spam_override on items
    for each row execute function jasette_spam_rules();

create index items_spam on items (brand_id, created_at desc, id desc) where spam;
