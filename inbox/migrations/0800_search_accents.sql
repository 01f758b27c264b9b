-- Search that ignores accents (issue 15, item 5): "cafe" finds "café", "decue" finds "déçue".
--
-- Why not the `unaccent` extension: the embedded PostgreSQL (the pgserver package, used when
-- DATABASE_URL is unset) ships no contrib extensions, so `create extension unaccent` fails there.
-- The same folding is done with built-ins only: Unicode NFD splits "é" into "e" + U+0301, the
-- combining marks (U+0300..U+036F) are removed, and the ligatures French uses are spelled out.
-- normalize(), regexp_replace() and replace() are immutable, so the function can be too, which a
-- generated column requires. Queries fold the same way (inbox/queries.py) before stemming.
create or replace function jasette_fold(t text) returns text
    language sql immutable strict parallel safe
    return replace(replace(replace(replace(
        regexp_replace(normalize(t, NFD), '[' || chr(768) || '-' || chr(879) || ']', '', 'g'),
        'œ', 'oe'), 'Œ', 'OE'), 'æ', 'ae'), 'Æ', 'AE');

-- The vector keeps its per-language stemmer; only its input is folded. Dropping the column drops
-- its index; both are rebuilt over every existing item here.
alter table items drop column search;
alter table items add column search tsvector generated always as (
    to_tsvector(
        case coalesce(lang_override, lang) when 'fr' then 'french'::regconfig
             when 'en' then 'english'::regconfig else 'simple'::regconfig end,
        jasette_fold(body))
) stored;
create index items_search on items using gin (search);
