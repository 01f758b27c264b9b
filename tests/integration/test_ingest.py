"""Batch ingest: idempotent, atomic with the cursor, keeps edit history, one NOTIFY per batch."""

from __future__ import annotations

import asyncio
import json
import random
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from inbox.ingest import ingest_batch
from inbox.notify import ITEMS_CHANNEL
from inbox.types import Author, NewItem

T0 = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def comment(n: int, body: str | None = None, **kw) -> NewItem:
    return NewItem(
        platform="facebook", external_id=f"c{n}", kind="comment", body=body or f"Commentaire {n}",
        created_at=T0 + timedelta(seconds=n), author=Author(f"a{n % 7}", f"Auteur {n % 7}", f"auteur{n % 7}", n),
        raw={"id": f"c{n}", "message": body or f"Commentaire {n}"}, **kw,
    )


class Notifications:
    """Collects NOTIFY payloads on the items channel through a separate connection."""

    def __init__(self) -> None:
        self.payloads: list[dict] = []
        self.sizes: list[int] = []

    def __call__(self, conn, pid, channel, payload) -> None:
        self.payloads.append(json.loads(payload))
        self.sizes.append(len(payload.encode("utf-8")))

    async def settle(self) -> None:
        await asyncio.sleep(0.2)


@pytest.fixture
async def notes(db_dsn):
    conn = await asyncpg.connect(db_dsn)
    seen = Notifications()
    await conn.add_listener(ITEMS_CHANNEL, seen)
    yield seen
    await conn.close()


async def ingest(pool, brand, items, cursor=None):
    async with pool.acquire() as conn:
        return await ingest_batch(conn, brand_id=brand["brand_id"], account_id=brand["account_id"], items=items, cursor=cursor)


async def test_same_batch_twice_changes_and_notifies_nothing(pool, brand, notes):
    first = await ingest(pool, brand, [comment(i) for i in range(20)], {"after": "p1"})
    await notes.settle()
    assert len(first.new_ids) == 20 and first.changed_ids == []
    assert len(notes.payloads) == 1 and sorted(notes.payloads[0]["new"]) == sorted(first.new_ids)
    updated_before = await pool.fetchval("select max(updated_at) from items")

    again = await ingest(pool, brand, [comment(i) for i in range(20)], {"after": "p1"})
    await notes.settle()
    assert again.new_ids == [] and again.changed_ids == []
    assert len(notes.payloads) == 1, "a replayed batch must not notify"
    assert await pool.fetchval("select count(*) from items") == 20
    assert await pool.fetchval("select max(updated_at) from items") == updated_before


async def test_overlapping_batches_store_each_item_once(pool, brand):
    a = await ingest(pool, brand, [comment(i) for i in range(60)])
    b = await ingest(pool, brand, [comment(i) for i in range(40, 100)])
    assert len(a.new_ids) == 60 and len(b.new_ids) == 40
    assert await pool.fetchval("select count(*) from items") == 100
    assert await pool.fetchval("select count(distinct external_id) from items") == 100


async def test_ten_thousand_items_in_shuffled_order(pool, brand):
    items = [comment(i) for i in range(10_000)]
    rng = random.Random(7)
    for _ in range(2):
        rng.shuffle(items)
        for start in range(0, len(items), 1_000):
            await ingest(pool, brand, items[start : start + 1_000])
    assert await pool.fetchval("select count(*) from items") == 10_000
    assert await pool.fetchval("select count(*) from authors") == 7
    assert await pool.fetchval("select min(created_at) from items") == T0


async def test_failure_mid_batch_leaves_neither_items_nor_cursor(pool, brand):
    # A real failure inside the transaction, after the items were written: the cursor update.
    await pool.execute(
        """
        create function refuse_cursor() returns trigger language plpgsql as
        $$ begin raise exception 'disk full (simulated)'; end $$;
        create trigger refuse_cursor before update of cursor on accounts
        for each row execute function refuse_cursor();
        """
    )
    with pytest.raises(asyncpg.RaiseError):
        await ingest(pool, brand, [comment(i) for i in range(10)], {"after": "p9"})
    assert await pool.fetchval("select count(*) from items") == 0
    assert await pool.fetchval("select cursor from accounts where id = $1", brand["account_id"]) == {}


async def test_cursor_saved_with_items(pool, brand):
    await ingest(pool, brand, [comment(1)], {"after": "QVFIUm", "since": "2026-11-20T15:00:00Z"})
    assert await pool.fetchval("select cursor from accounts where id = $1", brand["account_id"]) == {
        "after": "QVFIUm", "since": "2026-11-20T15:00:00Z"}


async def test_edit_updates_body_and_keeps_earlier_text(pool, brand, notes):
    first = await ingest(pool, brand, [comment(1, "Le café était froid")])
    edited = await ingest(pool, brand, [comment(1, "Le café était froid, mais le service super")])
    await notes.settle()
    assert edited.changed_ids == first.new_ids
    row = await pool.fetchrow("select id, body, edited_at from items")
    assert row["body"] == "Le café était froid, mais le service super" and row["edited_at"] is not None
    assert await pool.fetchval("select body from item_revisions where item_id = $1", row["id"]) == "Le café était froid"
    assert notes.payloads[-1]["changed"] == [row["id"]]


async def test_deleted_comment_keeps_its_text_and_is_marked(pool, brand):
    await ingest(pool, brand, [comment(1, "Arnaque totale")])
    await ingest(pool, brand, [comment(1, "", deleted=True)])
    row = await pool.fetchrow("select body, deleted_at from items")
    assert row["body"] == "Arnaque totale" and row["deleted_at"] is not None


async def test_bad_input_is_normalised_or_rejected_and_the_rest_stored(pool, brand):
    naive = comment(5)
    naive.created_at = datetime(2026, 11, 20, 12, 0)
    items = [
        comment(1),
        NewItem("facebook", "", "comment", "no id", T0),
        comment(2, "x" * 100_000),
        comment(3, "nul\x00byte"),
        comment(4, "lone \ud800 surrogate"),
        naive,
        comment(6, "first copy"),
        comment(6, "second copy"),
    ]
    items[3].raw = {"message": "nul\x00byte", "nested": ["\x00"]}
    items[3].author = Author("a\x00x", "Nom\x00nul", "poign\x00ee", 3, url="https://ex.com/\x00p")
    items[3].url = "https://ex.com/c\x003"
    result = await ingest(pool, brand, items)
    assert len(result.new_ids) == 6
    reasons = {(p.external_id, p.reason) for p in result.problems}
    assert (None, "item has no external id; it cannot be deduplicated, so it was dropped") in reasons
    assert any(e == "c2" and "truncated" in r for e, r in reasons)
    assert any(e == "c3" and "NUL" in r for e, r in reasons)
    assert any(e == "c4" and "invalid characters" in r for e, r in reasons)
    assert any(e == "c5" and "read as UTC" in r for e, r in reasons)
    assert any(e == "c6" and "duplicate" in r for e, r in reasons)
    bodies = dict(await pool.fetch("select external_id, body from items"))
    assert len(bodies["c2"]) == 20_000 and bodies["c3"] == "nulbyte" and bodies["c6"] == "second copy"
    assert "\ufffd" in bodies["c4"]
    author = await pool.fetchrow("select a.* from authors a join items i on i.author_id = a.id where i.external_id = 'c3'")
    assert (author["external_id"], author["name"], author["handle"], author["url"]) == ("ax", "Nomnul", "poignee", "https://ex.com/p")
    assert await pool.fetchval("select url from items where external_id = 'c3'") == "https://ex.com/c3"
    assert await pool.fetchval("select created_at from items where external_id = 'c5'") == datetime(2026, 11, 20, 12, 0, tzinfo=UTC)



async def test_numbers_postgresql_cannot_hold_do_not_block_the_batch(pool, brand):
    """A platform body may say NaN or Infinity (Python's JSON reader accepts them) or a follower
    count past 32 bits: the item is stored without them, and the batch with its cursor goes in."""
    odd = comment(1)
    odd.raw = json.loads('{"id": "c1", "like_count": NaN, "score": [Infinity, -Infinity], "ok": 1.5}')
    odd.author = Author("a-big", "Vedette", "vedette", 10**12)
    result = await ingest(pool, brand, [odd, comment(2)], cursor={"page": 2})
    assert len(result.new_ids) == 2
    assert await pool.fetchval("select raw from items where external_id = 'c1'") == {
        "id": "c1", "like_count": None, "score": [None, None], "ok": 1.5}
    assert await pool.fetchval("select followers from authors where external_id = 'a-big'") is None
    assert await pool.fetchval("select cursor from accounts where id = $1", brand["account_id"]) == {"page": 2}


async def test_fields_of_the_wrong_type_from_a_collector_do_not_block_the_batch(pool, brand):
    """A collector passing a platform value through unchecked (a link that is an object, a
    numeric parent id, a name that is a number) must not stop the whole page at ingest."""
    odd = comment(1)
    odd.url = {"href": "https://ex.com/c1"}
    odd.parent_external_id = 812
    odd.thread_external_id = ["77"]
    odd.author = Author(4200, 5, None, 10, url=["https://ex.com/a"], avatar_url={"48": "x"})
    result = await ingest(pool, brand, [odd, comment(2)], cursor={"page": 3})
    assert len(result.new_ids) == 2
    row = await pool.fetchrow("select url, parent_external_id, thread_external_id from items where external_id = 'c1'")
    assert (row["url"], row["parent_external_id"], row["thread_external_id"]) == (None, "812", None)
    author = await pool.fetchrow("select external_id, name, handle, url, avatar_url from authors where external_id = '4200'")
    assert tuple(author) == ("4200", "5", "", None, None)

async def test_large_batch_notifies_in_payloads_under_the_cap(pool, brand, notes):
    result = await ingest(pool, brand, [comment(i) for i in range(3_000)])
    await notes.settle()
    assert len(notes.payloads) > 1
    assert max(notes.sizes) < 8_000
    assert sorted(i for p in notes.payloads for i in p["new"]) == sorted(result.new_ids)


async def test_search_vector_follows_the_detected_language(pool, brand):
    from inbox.types import Analysis

    fr = comment(1, "Les croissants étaient délicieux")
    fr.analysis = Analysis(lang="fr", lang_confidence=0.99)
    en = comment(2, "The croissants were delicious")
    en.analysis = Analysis(lang="en", lang_confidence=0.99)
    await ingest(pool, brand, [fr, en])
    # The stored vector is accent-folded (migration 0800): queries fold theirs the same way.
    found = await pool.fetchval("select external_id from items where search @@ plainto_tsquery('french', jasette_fold('délicieuse'))")
    assert found == "c1"
    found = await pool.fetchval("select external_id from items where search @@ plainto_tsquery('english', 'delicious croissant')")
    assert found == "c2"


async def test_two_sites_of_one_brand_with_the_same_ids_both_keep_their_comments(pool, brand):
    second = await pool.fetchval(
        "insert into accounts (brand_id, platform, external_id, base_url) values ($1, 'wordpress', 'blog', 'http://127.0.0.1:9') returning id",
        brand["brand_id"],
    )
    first = await pool.fetchval(
        "insert into accounts (brand_id, platform, external_id, base_url) values ($1, 'wordpress', 'site', 'http://127.0.0.1:9') returning id",
        brand["brand_id"],
    )
    for account_id, text in ((first, "Sur le site"), (second, "Sur le blogue")):
        item = NewItem("wordpress", "17", "comment", text, T0)
        async with pool.acquire() as conn:
            await ingest_batch(conn, brand_id=brand["brand_id"], account_id=account_id, items=[item])
    rows = await pool.fetch("select account_id, body from items where external_id = '17' order by body")
    assert [(r["account_id"], r["body"]) for r in rows] == [(second, "Sur le blogue"), (first, "Sur le site")]
    assert await pool.fetchval("select count(*) from item_revisions") == 0


async def test_an_item_first_stored_bare_gets_link_author_and_analysis_from_the_poll(pool, brand):
    from inbox.types import Analysis

    bare = NewItem("facebook", "c9", "comment", "Où est ma commande?", T0)  # as a webhook brings it
    await ingest(pool, brand, [bare])
    polled = comment(9, "Où est ma commande?", url="https://facebook.com/c9")
    polled.analysis = Analysis(lang="fr", lang_confidence=0.98, sentiment="negative", polarity=-0.4, priority=70,
                               reasons=["question"])
    changed = await ingest(pool, brand, [polled])
    assert len(changed.changed_ids) == 1
    row = await pool.fetchrow("select url, author_id, lang, priority, analyzed_at, edited_at from items")
    assert row["url"] == "https://facebook.com/c9" and row["author_id"] is not None
    assert (row["lang"], row["priority"]) == ("fr", 70) and row["analyzed_at"] is not None
    assert row["edited_at"] is None, "filling in details is not an edit"
    again = await ingest(pool, brand, [polled])
    assert again.changed_ids == []
