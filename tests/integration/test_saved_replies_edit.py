"""Saved replies can be edited in Settings; a bad field shows the form again, 400, with the
error beside it and what was typed kept (never a bare error page)."""

from __future__ import annotations

import html
import re

from web_app import client_for, csrf_of, login, make_app, seed

from inbox import saved_replies


def form_of(page: str, action: str) -> str:
    match = re.search(rf'<form method="post" action="{re.escape(action)}".*?</form>', page, re.S)
    assert match, f"no form posting to {action}"
    return match.group(0)


async def test_a_saved_reply_is_edited_in_place(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        saved = await saved_replies.create(conn, ids["brand_a"], "fr", "Merci", "Merci {first_name}!")
        other = await saved_replies.create(conn, ids["brand_b"], "en", "Thanks", "Thanks!")
    async with client_for(make_app(pool, db_dsn)) as client:
        await login(client, "agent@a.test")
        page = (await client.get("/settings")).text
        edit = form_of(page, f"/settings/saved-replies/{saved}")
        assert 'value="Merci"' in edit and "Merci {first_name}!</textarea>" in edit and "Modifier" in page
        token = csrf_of(page)
        done = await client.post(f"/settings/saved-replies/{saved}", data={
            "csrf": token, "lang": "fr", "title": "Merci beaucoup", "body": "Merci {first_name}, à bientôt chez {business}!"})
        assert done.status_code == 303
        # Another brand's reply cannot be reached; an unknown one is a 404.
        assert (await client.post(f"/settings/saved-replies/{other}", data={
            "csrf": token, "lang": "fr", "title": "x", "body": "y"})).status_code == 404
    rows = await pool.fetch("select brand_id, lang, title, body from saved_replies order by id")
    assert [tuple(r) for r in rows] == [(ids["brand_a"], "fr", "Merci beaucoup", "Merci {first_name}, à bientôt chez {business}!"),
                                        (ids["brand_b"], "en", "Thanks", "Thanks!")]


async def test_bad_fields_show_the_form_again_with_what_was_typed(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        saved = await saved_replies.create(conn, ids["brand_a"], "fr", "Merci", "Merci!")
    async with client_for(make_app(pool, db_dsn)) as client:
        await login(client, "agent@a.test")
        token = csrf_of((await client.get("/settings")).text)
        typed = "Nous <b>regrettons</b> & nous excusons"
        bad = await client.post(f"/settings/saved-replies/{saved}", data={"csrf": token, "lang": "fr", "title": "  ", "body": typed})
        assert bad.status_code == 400 and "text/html" in bad.headers["content-type"]
        edit = form_of(bad.text, f"/settings/saved-replies/{saved}")
        assert "Une réponse enregistrée a besoin d&#39;un titre et d&#39;un texte." in edit
        assert html.escape(typed) in edit and typed not in bad.text  # kept, and escaped
        assert "<details open>" in bad.text.split(f'id="saved-{saved}"')[1].split("</li>")[0]
        # The new-reply form keeps what was typed there too, with its own error.
        long_title = "T" * 121
        new = await client.post("/settings/saved-replies", data={"csrf": token, "lang": "en", "title": long_title, "body": "Thanks!"})
        assert new.status_code == 400
        add = form_of(new.text, "/settings/saved-replies")
        assert "Le titre est trop long" in add and f'value="{long_title}"' in add and '<option value="en" selected>' in add
        wrong_lang = await client.post("/settings/saved-replies", data={"csrf": token, "lang": "de", "title": "Danke", "body": "Danke!"})
        assert wrong_lang.status_code == 400 and "Choisissez français ou anglais." in wrong_lang.text
    assert await pool.fetchval("select title from saved_replies") == "Merci"  # nothing changed
    assert await pool.fetchval("select count(*) from saved_replies") == 1
