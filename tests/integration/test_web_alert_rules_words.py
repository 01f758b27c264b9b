"""The alert rules page in an owner's words (issue 16): one slider per rule, urgency signals as
ticked boxes in words, the statistics under "Avancé" — and what is saved is what was chosen."""

from __future__ import annotations

import re

from web_app import client_for, login, make_app, seed


async def test_rules_in_words_with_a_slider_and_ticked_urgency_signals(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
    rule = await pool.fetchval("select id from alert_rules where brand_id = $1 and kind = 'negative_mention'", ids["brand_a"])
    async with client_for(make_app(pool, db_dsn)) as client:
        token = await login(client, "owner@a.test")
        html = (await client.get("/settings/alerts")).text
        assert 'type="range"' in html and 'name="min_priority"' in html and "plus d&#39;alertes" in html
        assert "Menace de poursuite" in html and "Allergie mentionnée" in html  # the signals in words
        assert 'value="urgent:legal"' in html and ">urgent:legal" not in html and "urgent:safety,urgent:legal" not in html
        assert re.search(r"<summary>Avancé</summary>", html)
        form = {"csrf": token, "enabled": "on", "min_priority": "65", "urgent_reasons": ["urgent:legal", "urgent:allergy"],
                "min_followers": "0", "max_age_hours": "48", "channels": ["inapp"], "cooldown_minutes": "15"}
        assert (await client.post(f"/settings/alerts/rules/{rule}", data=form)).status_code == 303
    row = await pool.fetchrow("select params, channels from alert_rules where id = $1", rule)
    assert row["params"] == {"min_priority": 65, "urgent_reasons": ["urgent:legal", "urgent:allergy"]}
    async with client_for(make_app(pool, db_dsn)) as client:  # an agent sees the same page, nothing to change
        await login(client, "agent@a.test")
        html = (await client.get("/settings/alerts")).text
        assert re.search(r'type="range"[^>]*disabled', html.replace("\n", " ")) and "<button class=\"primary\">" not in html
