"""Search ignores accents and case in French and English, stemming kept (issue 15, item 5)."""

from __future__ import annotations

from web_app import ingest, seed

from inbox import queries


async def _found(conn, brand_id: int, q: str) -> set[int]:
    rows, _ = await queries.list_items(conn, brand_id, queries.Filters(q=q, status="all"), limit=200)
    return {r["id"] for r in rows}


async def test_accents_and_case_do_not_change_results_and_stemming_still_works(pool) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        b, acct = ids["brand_a"], ids["account_a"]
        cafe_fr = await ingest(conn, b, acct, "Meilleur café à Montréal")
        cafe_en = await ingest(conn, b, acct, "Best cafe in Montreal, lovely staff", lang="en")
        decue = await ingest(conn, b, acct, "Je suis très déçue du service")
        refund = await ingest(conn, b, acct, "Je n'ai jamais été remboursé")
        running = await ingest(conn, b, acct, "The waiters were running around", lang="en")
        await ingest(conn, b, acct, "Rien à voir ici")
        for plain, accented, expected in (
            ("cafe", "café", {cafe_fr, cafe_en}),
            ("Montreal", "Montréal", {cafe_fr, cafe_en}),
            ("decue", "déçue", {decue}),
        ):
            assert await _found(conn, b, plain) == expected, plain
            assert await _found(conn, b, accented) == expected, accented
            assert await _found(conn, b, accented.upper()) == expected, accented.upper()
        # Stemming kept in both languages, with or without the accent.
        assert await _found(conn, b, "remboursement") == {refund}
        assert await _found(conn, b, "rembourse") == {refund}
        assert await _found(conn, b, "run") == {running}
        assert await _found(conn, b, "déçu") == {decue}
        # A language corrected by staff re-indexes the item under the other language's stemmer.
        await conn.execute("update items set lang_override = 'en' where id = $1", decue)
        assert await _found(conn, b, "decue") == {decue}
