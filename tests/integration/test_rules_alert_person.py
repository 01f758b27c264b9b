"""Automation rules that alert one person of the team (issue 15, « alerter quelqu'un »): the chosen
member gets the alert by e-mail (a real SMTP server, aiosmtpd) in their own language, with the
message's text, platform, reasons in words and a link to it; never someone removed from the team
nor a member of another brand; once per message and rule, retried when SMTP fails."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

import aiohttp
from alerting import configure
from live_socket import live_socket, next_message
from receivers import SmtpServer, free_port
from web_app import LiveServer, client_for, ingest, login, make_app, seed

from inbox import analysis, push, rescore, rules, team
from inbox.alerts.delivery import deliver_due
from inbox.alerts.store import load_brand, raise_alert
from inbox.smtp import SmtpConfig
from inbox.types import Analysis
from nlp.reasons import describe
from web.i18n import platform_name

BASE = "http://inbox.test"
REFUND = "Deux semaines que j'attends mon REMBOURSEMENT, c'est inacceptable"


def _smtp(port: int) -> SmtpConfig:
    return SmtpConfig(host="127.0.0.1", port=port, starttls=False, timeout=2)


async def _deliver(pool, port: int, now: datetime):
    async with aiohttp.ClientSession() as session:
        return await deliver_due(pool, smtp=_smtp(port), base_url=BASE, now=now, session=session,
                                 describe=describe, platform_name=platform_name)


async def _person_rule(conn, ids, person: int, name: str = "Remboursements") -> int:
    return await rules.create(conn, ids["brand_a"], name, {"keywords": ["remboursement"]},
                              {"alert": True, "alert_person": person}, ids["owner_a"])


async def test_a_keyword_rule_alerts_the_chosen_member_in_their_language(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        # The brand reads French; Alain chose English for Jasette: his alert is in English.
        await conn.execute("update users set ui_lang = 'en' where id = $1", ids["agent_a"])
        await configure(pool, ids["brand_a"], alert_emails=["patronne@cafe.test"])
        # The brand's own alerts are cooling down: a rule's alert to a person never waits for that.
        await conn.execute("update alert_rules set last_fired_at = now() where brand_id = $1", ids["brand_a"])
        rule = await _person_rule(conn, ids, ids["agent_a"])
        item = await ingest(conn, ids["brand_a"], ids["account_a"], REFUND, reasons=["negative", "urgent:refund"])
        await ingest(conn, ids["brand_a"], ids["account_a"], "Merci pour le bon café")
        alert = await conn.fetchrow("select id, held_until, details from alerts where brand_id = $1", ids["brand_a"])
        assert alert["held_until"] is None and alert["details"]["person"] == ids["agent_a"]
        # Only his address: not the brand's alert e-mails, not the owners, not a webhook.
        targets = await conn.fetch("select channel, target from alert_deliveries where alert_id = $1 and channel <> 'inapp'",
                                   alert["id"])
        assert [(t["channel"], t["target"]) for t in targets] == [("email", "agent@a.test")]
    with SmtpServer() as smtp:
        outcomes = await _deliver(pool, smtp.port, datetime.now(UTC) + timedelta(seconds=1))
        assert [(o.channel, o.ok) for o in outcomes] == [("email", True)]
        [mail] = smtp.messages
    assert mail["To"] == "agent@a.test"
    text, page = mail.get_body(("plain",)).get_content(), mail.get_body(("html",)).get_content()
    assert "URGENT · Automation rule" in mail["Subject"] and "The rule “Remboursements” found a message for you." in text
    assert REFUND in text and REFUND in html.unescape(page)
    assert f"- {platform_name('wordpress', 'en')} · Marie Tremblay" in text
    refund_words = describe("urgent:refund", "en")
    assert refund_words != "urgent:refund" and refund_words in text and "urgent:" not in text
    assert f"{BASE}/items/{item}" in text and f'href="{BASE}/items/{item}"' in page
    assert "Open the message" in text and "Commentaire" not in text
    async with pool.acquire() as conn:
        logged = await conn.fetchrow("select details from audit_log where target_id = $1 and action = 'alert'", item)
        assert logged["details"]["rule_id"] == rule and logged["details"]["value"] == ids["agent_a"]
    async with client_for(make_app(pool, db_dsn)) as client:
        token = await login(client, "owner@a.test")
        lines = {(a["who"], a["what"]) for a in (await client.get(f"/api/items/{item}")).json()["activity"]}
        assert ("Règle « Remboursements »", "alerte envoyée à Alain Agent") in lines
        listing = html.unescape((await client.get("/settings/rules")).text)
        assert "Quand contient « remboursement » → alerter Alain Agent" in listing
        assert "rule-broken" not in listing
        # The form shows the person chosen, and saving it again keeps them.
        edit = html.unescape((await client.get(f"/settings/rules/{rule}")).text)
        assert f'<option value="{ids["agent_a"]}" selected>Alain Agent</option>' in edit
        saved = await client.post(f"/settings/rules/{rule}", data={
            "csrf": token, "name": "Remboursements", "keywords": "remboursement", "alert": str(ids["agency"])})
        assert saved.status_code == 303
        assert (await pool.fetchval("select actions from automation_rules where id = $1", rule)) == {
            "alert": True, "alert_person": ids["agency"]}
        # The brand's channels stay a choice.
        brand = await client.post(f"/settings/rules/{rule}", data={
            "csrf": token, "name": "Remboursements", "keywords": "remboursement", "alert": "brand"})
        assert brand.status_code == 303
        assert (await pool.fetchval("select actions from automation_rules where id = $1", rule)) == {"alert": True}


async def test_someone_removed_from_the_team_gets_nothing_and_the_rule_says_so(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        a = ids["brand_a"]
        rule = await _person_rule(conn, ids, ids["agent_a"])
        # Raised while he was on the team, then he leaves before the e-mail goes: it never goes.
        before = await ingest(conn, a, ids["account_a"], "Un remboursement, svp")
        assert await conn.fetchval("select count(*) from alert_deliveries where channel = 'email'") == 1
        assert await team.remove(conn, a, ids["agent_a"])
        after = await ingest(conn, a, ids["account_a"], "Toujours pas de remboursement")
        assert await conn.fetchval("select count(*) from alerts where $1 = any(item_ids)", after) == 0
        assert await conn.fetchval("select count(*) from audit_log where target_id = $1 and action = 'alert'", after) == 0
        assert await conn.fetchval("select count(*) from audit_log where target_id = $1 and action = 'alert'", before) == 1
    with SmtpServer() as smtp:
        outcomes = await _deliver(pool, smtp.port, datetime.now(UTC) + timedelta(seconds=1))
        assert smtp.messages == []
    [outcome] = outcomes
    assert not outcome.ok and "no longer on the brand's team" in (outcome.error or "")
    assert await pool.fetchval("select state from alert_deliveries where channel = 'email'") == "failed"
    async with client_for(make_app(pool, db_dsn)) as client:
        token = await login(client, "owner@a.test")
        listing = html.unescape((await client.get("/settings/rules")).text)
        assert "alerter : personne retirée de l'équipe" in listing
        assert "Action cassée : l'alerte va à une personne retirée de l'équipe" in listing
        edit = html.unescape((await client.get(f"/settings/rules/{rule}")).text)
        assert 'id="rule-alert-gone"' in edit and "personne retirée de l'équipe</option>" in edit
        # Saving the rule as it stands is refused until someone on the team is chosen.
        again = await client.post(f"/settings/rules/{rule}", data={
            "csrf": token, "name": "Remboursements", "keywords": "remboursement", "alert": str(ids["agent_a"])})
        assert again.status_code == 400


async def test_a_member_of_another_brand_is_never_chosen(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        rule = await _person_rule(conn, ids, ids["agent_a"])
    form = {"name": "Vers B", "keywords": "remboursement", "alert": str(ids["owner_b"])}
    async with client_for(make_app(pool, db_dsn)) as client:
        token = await login(client, "owner@a.test")
        page = await client.post("/settings/rules", data={**form, "csrf": token})
        assert page.status_code == 400
        assert "Choisissez, pour l'alerte, une personne qui travaille pour cette entreprise." in html.unescape(page.text)
        assert (await client.post(f"/settings/rules/{rule}", data={**form, "csrf": token})).status_code == 400
        assert (await client.post("/settings/rules", data={**form, "alert": "x", "csrf": token})).status_code == 400
    assert await pool.fetchval("select count(*) from automation_rules") == 1
    assert (await pool.fetchval("select actions from automation_rules where id = $1", rule))["alert_person"] == ids["agent_a"]
    # Stored by other means, a stranger still gets nothing: the rule acts only for its brand's team.
    async with pool.acquire() as conn:
        await conn.execute("update automation_rules set actions = $2 where id = $1", rule,
                           {"alert": True, "alert_person": ids["owner_b"]})
        await ingest(conn, ids["brand_a"], ids["account_a"], "Un remboursement, svp")
        assert await conn.fetchval("select count(*) from alerts where kind = 'automation_rule'") == 0


async def test_one_email_per_message_and_rule_through_new_readings_and_smtp_failures(pool) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        a = ids["brand_a"]
        await _person_rule(conn, ids, ids["agent_a"])
        item = await ingest(conn, a, ids["account_a"], REFUND, sentiment="neutral", priority=20)
        # A late analysis, a full re-scoring, and the rules run once more by hand: no second alert.
        await analysis.store_analyses(conn, [item], [Analysis(lang="fr", sentiment="negative", priority=70)],
                                      datetime.now(UTC))
        rows = [r for r in await rescore.due(conn, 10) if r["id"] == item]
        assert rows
        await rescore.store_rescored(conn, rows, [Analysis(lang="fr", lang_confidence=0.9, sentiment="negative",
                                                           polarity=-0.8, priority=85, reasons=["negative"])])
        assert await rules.apply(conn, a, [item]) == 0
        assert await conn.fetchval("select count(*) from alerts where kind = 'automation_rule'") == 1
        assert await conn.fetchval("select count(*) from audit_log where target_id = $1 and action = 'alert'", item) == 1
    now = datetime.now(UTC) + timedelta(seconds=1)
    # SMTP down: the e-mail waits and is retried like every alert e-mail.
    [failed] = await _deliver(pool, free_port(), now)
    assert not failed.ok and "unreachable" in (failed.error or "")
    assert await pool.fetchval("select state from alert_deliveries where channel = 'email'") == "queued"
    with SmtpServer() as smtp:
        assert await _deliver(pool, smtp.port, now + timedelta(seconds=5)) == []  # not before its backoff
        [sent] = await _deliver(pool, smtp.port, now + timedelta(minutes=1))
        assert sent.ok
        assert await _deliver(pool, smtp.port, now + timedelta(hours=3)) == []
        [mail] = smtp.messages
    assert mail["To"] == "agent@a.test" and "Règle automatique" in mail["Subject"]


async def test_the_live_banner_of_a_persons_alert_shows_on_their_pages_only(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        await _person_rule(conn, ids, ids["agent_a"])
        # Both turned notifications on: only Alain's browser is notified.
        mine = await push.subscribe(conn, ids["agent_a"], "https://push.test/alain", "k", "a")
        await push.subscribe(conn, ids["owner_a"], "https://push.test/odile", "k", "a")
    with LiveServer(db_dsn) as server:
        agent = await live_socket(server, "agent@a.test", "?only=alert")
        owner = await live_socket(server, "owner@a.test", "?only=alert")
        async with pool.acquire() as conn:
            item = await ingest(conn, ids["brand_a"], ids["account_a"], REFUND)
            brand = await load_brand(conn, ids["brand_a"])
            async with conn.transaction():
                everyone = await raise_alert(conn, brand=brand, rule_id=None, kind="test", dedupe_key="t-1",
                                             details={}, item_ids=[], channels=["inapp"], now=datetime.now(UTC))
        banner = await next_message(agent, lambda m: m["t"] == "alert")
        assert banner["kind"] == "automation_rule" and "Remboursements" in banner["title"]
        # The owner's first banner is the alert for everyone, not the one addressed to Alain.
        theirs = await next_message(owner, lambda m: m["t"] == "alert")
        assert theirs["alert"] == everyone
        assert (await next_message(agent, lambda m: m["t"] == "alert"))["alert"] == everyone
        alert = await pool.fetchval("select id from alerts where kind = 'automation_rule' and item_ids = $1", [item])
        targets = await pool.fetch("select channel, target from alert_deliveries where alert_id = $1 and channel <> 'inapp'"
                                   " order by channel", alert)
        assert [(t["channel"], t["target"]) for t in targets] == [("email", "agent@a.test"), ("push", str(mine))]
        for ws in (agent, owner):
            await ws.close()
