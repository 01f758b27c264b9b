"""Saved replies are edited in Settings as pairs, French and English side by side (issue 15);
a bad field shows the form again, 400, with the error beside it and what was typed kept (never a
bare error page)."""

from __future__ import annotations

import html
import re

from web_app import client_for, csrf_of, login, make_app, seed

from inbox import saved_replies


def form_of(page: str, action: str) -> str:
    match = re.search(rf'<form method="post" action="{re.escape(action)}".*?</form>', page, re.S)
    assert match, f"no form posting to {action}"
    return match.group(0)


async def test_a_pair_is_shown_as_one_entry_and_edited_together(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        pair = await saved_replies.create(conn, ids["brand_a"], "fr", "Merci", "Merci {first_name}!")
        await saved_replies.create(conn, ids["brand_a"], "en", "Thanks", "Thanks {first_name}!", pair_id=pair)
        other = await saved_replies.create(conn, ids["brand_b"], "en", "Thanks", "Thanks!")
    async with client_for(make_app(pool, db_dsn)) as client:
        await login(client, "agent@a.test")
        page = (await client.get("/settings")).text
        entry = page.split(f'id="saved-{pair}"')[1].split("</li>")[0]
        assert "Réponse enregistrée" in entry and "Français" in entry and "English" in entry
        edit = form_of(page, f"/settings/saved-replies/{pair}")
        assert 'name="title_fr" value="Merci"' in edit and 'name="title_en" value="Thanks"' in edit
        assert "Thanks {first_name}!</textarea>" in edit and "Modifier" in page
        token = csrf_of(page)
        # Changing the English keeps the French as it was, in the same pair.
        done = await client.post(f"/settings/saved-replies/{pair}", data={
            "csrf": token, "title_fr": "Merci", "body_fr": "Merci {first_name}!",
            "title_en": "Thank you", "body_en": "Thank you {first_name}, see you at {business}!"})
        assert done.status_code == 303
        # Emptying the French leaves the English alone in the pair.
        assert (await client.post(f"/settings/saved-replies/{pair}", data={
            "csrf": token, "title_fr": "", "body_fr": " ", "title_en": "Thank you",
            "body_en": "Thank you {first_name}, see you at {business}!"})).status_code == 303
        # Another brand's reply cannot be reached.
        assert (await client.post(f"/settings/saved-replies/{other}", data={
            "csrf": token, "title_fr": "x", "body_fr": "y"})).status_code == 404
        # A new pair, both languages at once.
        assert (await client.post("/settings/saved-replies", data={
            "csrf": token, "title_fr": "Heures", "body_fr": "Ouvert de 7 h à 18 h.",
            "title_en": "Hours", "body_en": "Open 7 a.m. to 6 p.m."})).status_code == 303
    rows = await pool.fetch("select brand_id, pair_id, lang, title, body from saved_replies order by id")
    mine = [(r["pair_id"], r["lang"], r["title"]) for r in rows if r["brand_id"] == ids["brand_a"]]
    new_pair = max(p for p, _, _ in mine)
    assert sorted(mine) == [(pair, "en", "Thank you"), (new_pair, "en", "Hours"), (new_pair, "fr", "Heures")]
    assert [tuple(r)[2:] for r in rows if r["brand_id"] == ids["brand_b"]] == [("en", "Thanks", "Thanks!")]


async def test_delete_removes_both_languages(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        pair = await saved_replies.create(conn, ids["brand_a"], "fr", "Merci", "Merci!")
        await saved_replies.create(conn, ids["brand_a"], "en", "Thanks", "Thanks!", pair_id=pair)
    async with client_for(make_app(pool, db_dsn)) as client:
        token = await login(client, "agent@a.test")
        assert (await client.post(f"/settings/saved-replies/{pair}/delete", data={"csrf": token})).status_code == 303
    assert await pool.fetchval("select count(*) from saved_replies") == 0


async def test_bad_fields_show_the_form_again_with_what_was_typed(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        saved = await saved_replies.create(conn, ids["brand_a"], "fr", "Merci", "Merci!")
    async with client_for(make_app(pool, db_dsn)) as client:
        await login(client, "agent@a.test")
        token = csrf_of((await client.get("/settings")).text)
        typed = "Nous <b>regrettons</b> & nous excusons"
        bad = await client.post(f"/settings/saved-replies/{saved}", data={"csrf": token, "title_fr": "  ", "body_fr": typed})
        assert bad.status_code == 400 and "text/html" in bad.headers["content-type"]
        edit = form_of(bad.text, f"/settings/saved-replies/{saved}")
        assert "Une réponse enregistrée a besoin d&#39;un titre et d&#39;un texte." in edit
        assert html.escape(typed) in edit and typed not in bad.text  # kept, and escaped
        assert "<details open>" in bad.text.split(f'id="saved-{saved}"')[1].split("</li>")[0]
        # The new-reply form keeps what was typed there too, with its own error.
        long_title = "T" * 121
        new = await client.post("/settings/saved-replies", data={"csrf": token, "title_en": long_title, "body_en": "Thanks!"})
        assert new.status_code == 400
        add = form_of(new.text, "/settings/saved-replies")
        assert "Le titre est trop long" in add and f'name="title_en" value="{long_title}"' in add
        empty = await client.post("/settings/saved-replies", data={"csrf": token, "title_fr": "", "body_fr": "", "title_en": "", "body_en": ""})
        assert empty.status_code == 400 and "Écrivez le texte français, le texte anglais, ou les deux." in empty.text
    assert await pool.fetchval("select title from saved_replies") == "Merci"  # nothing changed
    assert await pool.fetchval("select count(*) from saved_replies") == 1
