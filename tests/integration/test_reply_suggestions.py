"""GET /api/items/{id}/saved-replies offers, in order, the saved replies that fit the item's
intent in its language (issue 15): thanks for praise, an apology and a private follow-up for a
complaint, the answers whose words match a question; the pair member in the item's language."""

from __future__ import annotations

from web_app import client_for, ingest, login, make_app, seed

from inbox import saved_replies


async def _pairs(conn, brand: int) -> dict[str, int]:
    made: dict[str, int] = {}
    for fr, en in [(("Merci", "Merci {first_name}!"), ("Thanks", "Thanks {first_name}!")),
                   (("Désolé", "Nous sommes vraiment désolés."), ("Sorry", "We are truly sorry.")),
                   (("Suivi en privé", "Écrivez-nous en privé avec votre numéro de commande."),
                    ("Private follow-up", "Please send us a private message with your order number.")),
                   (("Heures d'ouverture", "Nous sommes ouverts du lundi au vendredi de 7 h à 18 h."),
                    ("Opening hours", "We are open Monday to Friday, 7 a.m. to 6 p.m.")),
                   (("Livraison", "La livraison est gratuite sur l'île de Montréal."), None)]:
        pair = await saved_replies.save_pair(conn, brand, None, saved_replies.checked_pair({"fr": fr, **({"en": en} if en else {})}))
        assert pair is not None
        made[fr[0]] = pair
    return made


async def test_suggestions_in_order_per_intent_and_language(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        await _pairs(conn, ids["brand_a"])
        brand, account = ids["brand_a"], ids["account_a"]
        items = {
            "praise_fr": await ingest(conn, brand, account, "Meilleur café en ville!", sentiment="positive", reasons=["positive"], author="Léa Côté"),
            "praise_en": await ingest(conn, brand, account, "Best coffee in town!", lang="en", sentiment="positive", reasons=["positive"]),
            "complaint_fr": await ingest(conn, brand, account, "Ma commande est arrivée froide", sentiment="negative"),
            "complaint_en": await ingest(conn, brand, account, "My order arrived cold", lang="en", sentiment="negative"),
            "question_fr": await ingest(conn, brand, account, "Êtes-vous ouverts lundi?", reasons=["question"]),
            "question_en": await ingest(conn, brand, account, "Are you open on Monday?", lang="en", reasons=["question"]),
            "delivery_en": await ingest(conn, brand, account, "Is delivery free on the island?", lang="en", reasons=["question"]),
            "unmatched": await ingest(conn, brand, account, "Avez-vous du lait d'avoine?", reasons=["question"]),
            "neutral": await ingest(conn, brand, account, "Êtes-vous ouverts lundi?", reasons=[]),
        }
    async with client_for(make_app(pool, db_dsn)) as client:
        await login(client, "agent@a.test")

        async def offered(name: str) -> list[tuple[str, str]]:
            data = (await client.get(f"/api/items/{items[name]}/saved-replies")).json()
            assert {s["id"] for s in data["saved_replies"] if s["suggested"]} == {s["id"] for s in data["suggestions"]}
            return [(s["lang"], s["title"]) for s in data["suggestions"]]

        assert await offered("praise_fr") == [("fr", "Merci")]
        assert await offered("praise_en") == [("en", "Thanks")]
        assert await offered("complaint_fr") == [("fr", "Désolé"), ("fr", "Suivi en privé")]
        assert await offered("complaint_en") == [("en", "Sorry"), ("en", "Private follow-up")]
        assert await offered("question_fr") == [("fr", "Heures d'ouverture")]
        assert await offered("question_en") == [("en", "Opening hours")]
        # « Livraison » has no English text: an English question is not offered the French one.
        assert await offered("delivery_en") == []
        assert await offered("unmatched") == []
        assert await offered("neutral") == []
        praise = (await client.get(f"/api/items/{items['praise_fr']}/saved-replies")).json()["suggestions"][0]
        assert praise["text"] == "Merci Léa!"
        # Answered: nothing offered any more.
        async with pool.acquire() as conn:
            await conn.execute("update items set first_response_at = now() where id = $1", items["complaint_fr"])
        assert await offered("complaint_fr") == []
