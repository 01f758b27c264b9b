"""Alert e-mails, webhooks and summary e-mails say reasons in words, in the reader's language;
webhooks keep the machine codes beside the words for receivers that route on them."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import aiohttp
from alerting import configure, ingest, negative
from receivers import SmtpServer, WebhookReceiver
from seeded_week import seed_week

from inbox.alerts.delivery import deliver_due
from inbox.alerts.evaluate import evaluate_brands
from inbox.smtp import SmtpConfig
from inbox.summary.schedule import send_due_summaries
from nlp.reasons import describe
from web.i18n import platform_name

NOW = datetime(2026, 11, 18, 19, 0, tzinfo=UTC)
MONDAY_0805 = datetime(2026, 11, 23, 13, 5, tzinfo=UTC)  # 08:05 in Montreal


async def test_urgent_alert_mail_and_webhook_say_the_reason_in_words(pool, brand):
    await pool.execute("update alert_rules set enabled = (kind = 'negative_mention')")
    with SmtpServer() as smtp:
        async with WebhookReceiver() as hook:
            await configure(pool, brand["brand_id"], alert_emails=["patronne@cafe.test"], webhook_url=hook.url)
            await ingest(pool, brand, [negative(
                "allergy", created_at=NOW, reasons=["negative", "very_negative", "urgent:allergy"],
                body="Des noix dans le muffin « sans noix », ma fille a fait une réaction")], NOW)
            [alert_id] = await evaluate_brands(pool, None, NOW)
            async with aiohttp.ClientSession() as session:
                outcomes = await deliver_due(pool, smtp=SmtpConfig(host="127.0.0.1", port=smtp.port, starttls=False),
                                             base_url="http://inbox.test", now=NOW, session=session, describe=describe,
                                             platform_name=platform_name)
            assert all(o.ok for o in outcomes) and len(outcomes) == 2
            [mail] = smtp.messages
            [payload] = hook.payloads()
    text, html = mail.get_body(("plain",)).get_content(), mail.get_body(("html",)).get_content()
    for shown in (mail["Subject"], text, html, payload["text"], payload["alert"]["title"], payload["alert"]["reason"]):
        assert "urgent:" not in shown and "very_negative" not in shown
    assert "Allergie mentionnée" in mail["Subject"] and "Allergie mentionnée" in payload["text"]
    assert "Commentaire négatif, Très négatif, Allergie mentionnée" in text
    assert "- Facebook · Client allergy" in text and "facebook ·" not in html  # platforms by name
    assert "Très négatif" in html
    # The receiver keeps the codes to route on, and gets the words beside them.
    [item] = payload["alert"]["details"]["items"]
    assert item["reasons"] == ["negative", "very_negative", "urgent:allergy"] and item["platform"] == "facebook"
    assert item["reasons_text"] == ["Commentaire négatif", "Très négatif", "Allergie mentionnée"]
    assert payload["alert"]["id"] == alert_id and payload["alert"]["lang"] == "fr"


async def test_english_brand_gets_english_words(pool, brand):
    await pool.execute("update brands set lang = 'en' where id = $1", brand["brand_id"])
    await pool.execute("update alert_rules set enabled = (kind = 'negative_mention')")
    with SmtpServer() as smtp:
        await configure(pool, brand["brand_id"], alert_emails=["owner@cafe.test"])
        await ingest(pool, brand, [negative("legal", created_at=NOW, reasons=["urgent:legal"],
                                            body="My lawyer will be in touch")], NOW)
        await evaluate_brands(pool, None, NOW)
        async with aiohttp.ClientSession() as session:
            await deliver_due(pool, smtp=SmtpConfig(host="127.0.0.1", port=smtp.port, starttls=False),
                              base_url="http://inbox.test", now=NOW, session=session, describe=describe)
        [mail] = smtp.messages
    assert "Legal threat" in mail["Subject"] and "urgent:legal" not in mail.get_body(("plain",)).get_content()


async def test_weekly_summary_mail_names_reasons_and_alert_kinds(pool, brand):
    for email, lang in (("proprio@cafe.test", "fr"), ("owner@cafe.test", "en")):
        user_id = await pool.fetchval("insert into users (email, name, password_hash, ui_lang) values ($1, $1, 'x', $2)"
                                      " returning id", email, lang)
        await pool.execute("insert into memberships (user_id, brand_id, role) values ($1, $2, 'owner')",
                           user_id, brand["brand_id"])
    await seed_week(pool, brand["brand_id"])
    with SmtpServer() as server:
        smtp = SmtpConfig(host="127.0.0.1", port=server.port, starttls=False)
        assert await send_due_summaries(pool, smtp=smtp, base_url="http://x", now=MONDAY_0805 + timedelta(minutes=1),
                                        describe=describe)
        mails = {m["To"]: m for m in server.messages}
    fr, en = mails["proprio@cafe.test"], mails["owner@cafe.test"]
    for mail in (fr, en):
        for part in ("plain", "html"):
            body = mail.get_body((part,)).get_content()
            assert not re.search(r"urgent:[a-z]", body) and "negative_mention" not in body and "volume_spike" not in body
    fr_text = fr.get_body(("plain",)).get_content()
    assert "Demande de remboursement" in fr_text and "Problème de sécurité" in fr_text
    assert "Commentaire négatif 1" in fr_text and "Pic de volume 1" in fr_text
    assert "Refund request" in en.get_body(("html",)).get_content()
