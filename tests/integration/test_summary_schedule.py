"""The Monday send: owners in their language, exactly once with several workers, resumable."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from receivers import SmtpServer, free_port
from seeded_week import seed_week

from inbox import db
from inbox.smtp import SmtpConfig
from inbox.summary.schedule import send_due_summaries

MONDAY_0805 = datetime(2026, 11, 23, 13, 5, tzinfo=UTC)  # 08:05 in Montreal


async def add_member(pool, brand_id: int, email: str, role: str, lang: str) -> None:
    user_id = await pool.fetchval(
        "insert into users (email, name, password_hash, ui_lang) values ($1, $1, 'x', $2) returning id", email, lang)
    await pool.execute("insert into memberships (user_id, brand_id, role) values ($1, $2, $3)", user_id, brand_id, role)


async def owners(pool, brand) -> None:
    await add_member(pool, brand["brand_id"], "proprio@cafe.test", "owner", "fr")
    await add_member(pool, brand["brand_id"], "owner@cafe.test", "owner", "en")
    await add_member(pool, brand["brand_id"], "agent@cafe.test", "agent", "fr")


async def test_sent_once_per_owner_in_their_language_even_with_three_workers(pool, brand, db_dsn):
    await owners(pool, brand)
    await seed_week(pool, brand["brand_id"])
    with SmtpServer() as server:
        smtp = SmtpConfig(host="127.0.0.1", port=server.port, starttls=False)
        assert await send_due_summaries(pool, smtp=smtp, base_url="http://x", now=MONDAY_0805 - timedelta(minutes=10)) == []
        pools = [await db.create_pool(db_dsn, min_size=1, max_size=2) for _ in range(3)]
        try:
            results = await asyncio.gather(*(send_due_summaries(p, smtp=smtp, base_url="http://x", now=MONDAY_0805)
                                             for p in pools))
        finally:
            for p in pools:
                await p.close()
        assert sorted(r for result in results for r in result) == [("cafe-test", "2026-W47")]
        assert await send_due_summaries(pool, smtp=smtp, base_url="http://x", now=MONDAY_0805 + timedelta(hours=30)) == []
        mails = {m["To"]: m for m in server.messages}
    assert sorted(mails) == ["owner@cafe.test", "proprio@cafe.test"]
    fr, en = mails["proprio@cafe.test"], mails["owner@cafe.test"]
    assert fr["Subject"] == "Résumé de la semaine 2026-W47 · Café Test"
    assert en["Subject"] == "Weekly summary 2026-W47 · Café Test"
    assert "Médiane" in fr.get_body(("plain",)).get_content()
    assert "First-response time" in en.get_body(("html",)).get_content()
    row = await pool.fetchrow("select * from weekly_summaries")
    assert row["sent_at"] == MONDAY_0805 and row["data"]["volume"]["total"] == 8 and len(row["sent_to"]) == 2


async def test_a_worker_dying_halfway_leaves_only_the_missing_owner_to_mail(pool, brand):
    await owners(pool, brand)
    await pool.execute(
        "insert into weekly_summaries (brand_id, iso_week, data, lease_until, attempts, sent_to)"
        " values ($1, '2026-W47', '{}', $2, 1, '{proprio@cafe.test}')", brand["brand_id"], MONDAY_0805)
    with SmtpServer() as server:
        smtp = SmtpConfig(host="127.0.0.1", port=server.port, starttls=False)
        # The dead worker's lease still runs: nobody touches the week.
        assert await send_due_summaries(pool, smtp=smtp, base_url="http://x", now=MONDAY_0805 - timedelta(minutes=1)) == []
        assert await send_due_summaries(pool, smtp=smtp, base_url="http://x", now=MONDAY_0805 + timedelta(minutes=1)) == [
            ("cafe-test", "2026-W47")]
        assert [m["To"] for m in server.messages] == ["owner@cafe.test"]


async def test_unreachable_smtp_is_recorded_and_retried_later(pool, brand):
    await owners(pool, brand)
    smtp = SmtpConfig(host="127.0.0.1", port=free_port(), starttls=False, timeout=2)
    assert await send_due_summaries(pool, smtp=smtp, base_url="http://x", now=MONDAY_0805) == []
    row = await pool.fetchrow("select sent_at, last_error, attempts from weekly_summaries")
    assert row["sent_at"] is None and "unreachable" in row["last_error"] and row["attempts"] == 1
    with SmtpServer() as server:
        good = SmtpConfig(host="127.0.0.1", port=server.port, starttls=False)
        assert await send_due_summaries(pool, smtp=good, base_url="http://x", now=MONDAY_0805 + timedelta(minutes=5)) == []
        assert await send_due_summaries(pool, smtp=good, base_url="http://x", now=MONDAY_0805 + timedelta(minutes=16)) == [
            ("cafe-test", "2026-W47")]
        assert len(server.messages) == 2


async def test_configured_hour_and_no_smtp(pool, brand):
    await owners(pool, brand)
    await pool.execute("""update brands set settings = '{"summary_hour": 10}' where id = $1""", brand["brand_id"])
    assert await send_due_summaries(pool, smtp=SmtpConfig(), base_url="http://x", now=MONDAY_0805) == []
    at_ten = MONDAY_0805 + timedelta(hours=2)
    assert await send_due_summaries(pool, smtp=SmtpConfig(), base_url="http://x", now=at_ten) == [("cafe-test", "2026-W47")]
    row = await pool.fetchrow("select sent_at, last_error, sent_to from weekly_summaries")
    assert row["sent_at"] == at_ten and row["sent_to"] == [] and "JASETTE_SMTP_HOST" in row["last_error"]
