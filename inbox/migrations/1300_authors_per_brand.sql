-- Authors belong to a brand (issue 13, finding 7): the same platform user seen by two brands is
-- two rows, so what one brand's sources say about them (name, profile link, followers, avatar)
-- never changes what the other brand sees, and nothing one brand does to an author reaches the other.
--
-- Existing shared rows are split: the row stays with the first brand (lowest id) whose items name
-- it, and every other brand naming it gets its own copy; each item points at its brand's row, so
-- no item loses its author. Rows no item names belong to nobody and go.
alter table authors add column brand_id bigint references brands on delete cascade;
alter table authors add column copied_from bigint;
alter table authors drop constraint authors_platform_external_id_key;

update authors a set brand_id = f.brand_id
from (select author_id, min(brand_id) as brand_id from items where author_id is not null group by author_id) f
where f.author_id = a.id;

insert into authors (brand_id, platform, external_id, name, handle, followers, url, avatar_url, updated_at, copied_from)
select u.brand_id, a.platform, a.external_id, a.name, a.handle, a.followers, a.url, a.avatar_url, a.updated_at, a.id
from (select distinct brand_id, author_id from items where author_id is not null) u
join authors a on a.id = u.author_id and a.brand_id <> u.brand_id;

update items i set author_id = c.id
from authors c
where c.copied_from = i.author_id and c.brand_id = i.brand_id;

delete from authors where brand_id is null;

alter table authors drop column copied_from;
alter table authors alter column brand_id set not null;
alter table authors add constraint authors_brand_platform_external_id_key unique (brand_id, platform, external_id);
