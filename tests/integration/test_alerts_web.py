"""The alerts list, the rules settings and the summary page, through the real app in-process."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from web_app import SECRET, client_for, ingest, login, make_app, seed

from inbox import sealed
from inbox.alerts.evaluate import evaluate_brands
from inbox.alerts.rules import CHANNELS, DEFAULTS, KINDS
from inbox.credentials import Vault


async def test_alerts_list_shows_why_items_and_failed_deliveries(pool, db_dsn):
    async with pool.acquire() as conn:
        ids = await seed(conn)
        item = await ingest(conn, ids["brand_a"], ids["account_a"], "Je vais vous poursuivre <img src=x onerror=alert(1)>",
                            sentiment="negative", priority=90, reasons=["negative", "urgent:legal"])
        await conn.execute("""update brands set settings = '{"webhook_url": "http://127.0.0.1:9/h"}' where id = $1""",
                           ids["brand_a"])
    await evaluate_brands(pool, None, datetime.now(UTC))
    await pool.execute("update alert_deliveries set state = 'failed', attempts = 6, last_error = 'webhook http://127.0.0.1:9/h"
                       " unreachable: refused' where channel = 'webhook'")
    async with client_for(make_app(pool, db_dsn)) as client:
        await login(client, "owner@a.test")
        page = await client.get("/alerts")
        assert page.status_code == 200
        html = page.text
        assert "Commentaire négatif" in html and "Menace de poursuite" in html and "urgent:legal" not in html
        assert f'href="/items/{item}"' in html
        assert f'href="/items/{item}">WordPress · ' in html  # the platform's name, not its code
        assert "<img src=x" not in html and "&lt;img src=x" in html
        assert "unreachable: refused" in html and "échec" in html
        alert_id = int(re.search(r'action="/alerts/(\d+)/read"', html).group(1))
        token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
        assert (await client.post(f"/alerts/{alert_id}/read", data={"csrf": token})).status_code == 303
        assert await pool.fetchval("select read_at is not null from alerts where id = $1", alert_id)
        # Another brand's owner sees none of it and cannot mark it.
    async with client_for(make_app(pool, db_dsn)) as other:
        token_b = await login(other, "owner@b.test")
        assert "poursuivre" not in (await other.get("/alerts")).text
        assert (await other.post(f"/alerts/{alert_id}/read", data={"csrf": token_b})).status_code == 404


async def test_owner_edits_rules_and_channels_agents_cannot(pool, db_dsn):
    async with pool.acquire() as conn:
        ids = await seed(conn)
    rule = await pool.fetchval("select id from alert_rules where brand_id = $1 and kind = 'volume_spike'", ids["brand_a"])
    async with client_for(make_app(pool, db_dsn)) as client:
        token = await login(client, "owner@a.test")
        page = await client.get("/settings/alerts")
        assert page.status_code == 200 and "Pic de volume" in page.text and "par défaut" in page.text
        form = {"csrf": token, "enabled": "on", "window_minutes": "30", "k": "2,5", "min_count": "12", "baseline_days": "7",
                "channels": ["inapp", "email"], "cooldown_minutes": "90", "quiet_start": "22:00", "quiet_end": "07:00"}
        assert (await client.post(f"/settings/alerts/rules/{rule}", data=form)).status_code == 303
        row = await pool.fetchrow("select * from alert_rules where id = $1", rule)
        assert row["params"] == {"window_minutes": 30, "k": 2.5, "min_count": 12}  # defaults are not stored
        assert row["channels"] == ["inapp", "email"] and row["cooldown_minutes"] == 90
        assert str(row["quiet_start"]) == "22:00:00" and str(row["quiet_end"]) == "07:00:00"
        bad = await client.post(f"/settings/alerts/rules/{rule}", data={**form, "k": "beaucoup"})
        assert bad.status_code == 400 and "k must be a number" in bad.text
        saved = await client.post("/settings/alerts/channels", data={
            "csrf": token, "alert_emails": "a@cafe.test, b@cafe.test", "webhook_url": "https://hooks.example/x",
            "summary_hour": "9"})
        assert saved.status_code == 303
        settings = await pool.fetchval("select settings from brands where id = $1", ids["brand_a"])
        assert settings["alert_emails"] == ["a@cafe.test", "b@cafe.test"] and settings["summary_hour"] == 9
        # The address and signing secret are sealed; the settings keep only the host.
        assert "webhook_url" not in settings and "webhook_secret" not in settings
        assert settings["webhook_host"] == "https://hooks.example"
        stored = await sealed.brand_secrets(pool, Vault(SECRET), ids["brand_a"])
        assert stored["webhook_url"] == "https://hooks.example/x" and len(stored["webhook_secret"]) > 30
        page = (await client.get("/settings/alerts")).text
        assert stored["webhook_secret"] in page and "https://hooks.example/x" in page  # owners copy it
        renewed = await client.post("/settings/alerts/channels", data={
            "csrf": token, "alert_emails": "", "webhook_url": "https://hooks.example/x", "summary_hour": "9",
            "new_secret": "on"})
        assert renewed.status_code == 303
        again = await sealed.brand_secrets(pool, Vault(SECRET), ids["brand_a"])
        assert again["webhook_secret"] != stored["webhook_secret"]
        bad_url = await client.post("/settings/alerts/channels", data={"csrf": token, "webhook_url": "javascript:alert(1)",
                                                                      "summary_hour": "9"})
        assert bad_url.status_code == 400
    async with client_for(make_app(pool, db_dsn)) as other:
        token = await login(other, "owner@b.test")
        assert (await other.post(f"/settings/alerts/rules/{rule}", data={"csrf": token, "k": "1"})).status_code == 404
        assert f"/settings/alerts/rules/{rule}\"" not in (await other.get("/settings/alerts")).text
    async with client_for(make_app(pool, db_dsn)) as agent:
        token = await login(agent, "agent@a.test")
        secret = (await sealed.brand_secrets(pool, Vault(SECRET), ids["brand_a"]))["webhook_secret"]
        page = (await agent.get("/settings/alerts")).text
        assert secret not in page
        assert "https://hooks.example/x" not in page and "https://hooks.example" in page  # the host only
        assert (await agent.post(f"/settings/alerts/rules/{rule}", data={"csrf": token})).status_code == 403
        assert (await agent.post("/alerts/test", data={"csrf": token})).status_code == 403


async def test_summary_page_has_svg_charts_csv_and_clear_errors(pool, db_dsn):
    async with pool.acquire() as conn:
        ids = await seed(conn)
        now = datetime.now(UTC)
        for n in range(3):
            await ingest(conn, ids["brand_a"], ids["account_a"], f"Service très lent numéro {n}", sentiment="negative",
                         created_at=now - timedelta(days=7))
    async with client_for(make_app(pool, db_dsn)) as client:
        await login(client, "owner@a.test")
        page = await client.get("/summaries")
        assert page.status_code == 200
        assert page.text.split("<main", 1)[1].count("<svg") == 4 and "Résumé de la semaine" in page.text  # the charts (the menu has icons)
        assert "cdn" not in page.text.lower() and "<script src=\"http" not in page.text
        week = re.search(r'name="week" value="(\d{4}-W\d\d)"', page.text).group(1)
        csv = await client.get(f"/summaries.csv?week={week}")
        assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
        assert "attachment" in csv.headers["content-disposition"] and "volume;total;3" in csv.text
        assert "WordPress" in page.text and "volume_by_platform;wordpress;3" in csv.text  # names for people, codes for machines
        future = await client.get("/summaries?week=2099-W01")
        assert future.status_code == 400 and "has not started yet" in future.text
        assert (await client.get("/summaries?week=nope")).status_code == 400
        assert (await client.get("/summaries.csv?week=2099-W01")).status_code == 400
        assert (await client.get("/alerts.css")).headers["content-type"].startswith("text/css")


def test_every_alerts_label_has_a_french_translation():
    folder = Path(__file__).resolve().parents[2] / "web" / "templates" / "alerts"
    fr = json.loads((folder / "messages.fr.json").read_text(encoding="utf-8"))
    en = json.loads((folder / "messages.en.json").read_text(encoding="utf-8"))
    found = set()
    for path in folder.glob("*.html"):
        found |= set(re.findall(r"""\bt\(\s*"([^"]+)"\s*[,)]""", path.read_text(encoding="utf-8")))
    found |= set(re.findall(r"""\bt\(\s*"([^"]+)"\s*[,)]""", (folder.parents[1] / "routes_alerts.py").read_text()))
    # Labels picked at run time: rule kinds and settings, channels, delivery states.
    keys = set(KINDS) | {p for params in DEFAULTS.values() for p in params} | set(CHANNELS)
    found |= keys | {"queued", "sending", "sent", "failed"}
    assert sorted(found - set(fr)) == []
    assert sorted(keys - set(en)) == []
