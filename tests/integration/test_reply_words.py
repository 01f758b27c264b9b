"""Reply states in words (issue 17): the outbox's machine state plus what happened, in the
reader's language, the same in the API JSON, the page's websocket and the item view."""

from __future__ import annotations

import asyncio

import test_outbox
from test_outbox import _send_without_recording, queue, sender
from web_app import _HASH, client_for, login, make_app

from inbox import queries, users
from web import api_json

# The outbox tests' fixtures: a WordPress site polled once (three comments) and a settable clock.
clock, inbox, session = test_outbox.clock, test_outbox.inbox, test_outbox.session


async def _shown(pool, inbox: dict, reply_id: int, lang: str) -> dict:
    """The reply as the API, the page and the websocket show it (one function for all three)."""
    async with pool.acquire() as conn:
        row = await queries.reply_row(conn, inbox["brand_id"], reply_id)
    assert row is not None
    return api_json.reply(row, lang)


async def test_a_queued_reply_then_a_sent_one(pool, vault, site, session, clock, inbox) -> None:
    row = await queue(pool, inbox)
    fr, en = await _shown(pool, inbox, row["id"], "fr"), await _shown(pool, inbox, row["id"], "en")
    assert (fr["state"], fr["phase"], fr["state_text"]) == ("queued", "queued", "en file d’attente")
    assert en["state_text"] == "queued" and en["reason"] is None
    await sender(pool, vault, session, clock).run_once()
    assert (await _shown(pool, inbox, row["id"], "fr"))["state_text"] == "envoyée"
    assert (await _shown(pool, inbox, row["id"], "en"))["state_text"] == "sent"


async def test_a_send_that_timed_out_is_in_doubt_until_checked(pool, vault, site, session, clock, inbox) -> None:
    row = await queue(pool, inbox)
    site.delay, site.slow_methods = 0.6, ("POST",)
    await sender(pool, vault, session, clock, send_timeout=0.3).run_once()
    fr = await _shown(pool, inbox, row["id"], "fr")
    assert (fr["state"], fr["phase"]) == ("queued", "in_doubt")
    assert fr["state_text"] == "envoi incertain — vérification sur la plateforme"
    assert (await _shown(pool, inbox, row["id"], "en"))["state_text"] == "delivery uncertain — checking on the platform"
    for _ in range(100):  # the platform finishes the request the client gave up on
        if site.emulator.replies:
            break
        await asyncio.sleep(0.02)
    site.delay = 0.0
    clock.advance(61)
    await sender(pool, vault, session, clock).run_once()
    fr = await _shown(pool, inbox, row["id"], "fr")
    assert (fr["state"], fr["phase"]) == ("sent", "found")
    assert fr["state_text"] == "trouvée sur la plateforme, pas renvoyée"
    assert (await _shown(pool, inbox, row["id"], "en"))["state_text"] == "found on the platform, not sent again"
    assert len(site.emulator.replies) == 1


async def test_a_reply_found_after_its_worker_died_says_so(pool, vault, site, session, clock, inbox) -> None:
    row = await queue(pool, inbox)
    await _send_without_recording(pool, vault, session, clock, row["id"])
    clock.advance(61)
    await sender(pool, vault, session, clock, "w2").run_once()
    stored = await pool.fetchrow("select state, outcome from replies where id = $1", row["id"])
    assert (stored["state"], stored["outcome"]) == ("sent", "found")  # the replies table says it too
    assert (await _shown(pool, inbox, row["id"], "fr"))["state_text"] == "trouvée sur la plateforme, pas renvoyée"


async def test_a_reply_sent_normally_after_a_takeover_before_sending_is_just_sent(pool, vault, site, session, clock, inbox) -> None:
    from inbox import outbox

    row = await queue(pool, inbox)
    async with pool.acquire() as conn:
        await outbox.claim_due(conn, worker_id="doomed", now=clock(), lease_seconds=60, limit=10)
    assert (await _shown(pool, inbox, row["id"], "en"))["phase"] == "sending"
    clock.advance(61)
    await sender(pool, vault, session, clock, "w2").run_once()
    # Looked for, not found, sent once: no longer in doubt, not "found".
    assert (await _shown(pool, inbox, row["id"], "en"))["phase"] == "sent"
    assert len(site.emulator.replies) == 1


async def test_a_rate_limit_waits_with_the_reason_in_words(pool, vault, site, session, clock, inbox) -> None:
    row = await queue(pool, inbox)
    async with session.post(f"{site.base}/_control/fault", json={"mode": "rate_limit", "count": 1, "retry_after": 90}):
        pass
    await sender(pool, vault, session, clock).run_once()
    fr, en = await _shown(pool, inbox, row["id"], "fr"), await _shown(pool, inbox, row["id"], "en")
    assert fr["phase"] == "retrying"
    assert fr["state_text"] == "nouvel essai prévu — WordPress a demandé à Jasette de ralentir"
    assert en["state_text"] == "will try again — WordPress asked Jasette to slow down"


async def test_a_refusal_shows_the_platforms_own_words_in_both_languages(pool, vault, site, session, clock, inbox) -> None:
    site.emulator.comments.pop(int(inbox["items"][2]["external_id"]))  # deleted meanwhile
    row = await queue(pool, inbox, 2)
    await sender(pool, vault, session, clock).run_once()
    fr, en = await _shown(pool, inbox, row["id"], "fr"), await _shown(pool, inbox, row["id"], "en")
    assert fr["state_text"].startswith("échec — WordPress a refusé : ") and "Invalid comment ID" in fr["state_text"]
    assert en["state_text"].startswith("failed — WordPress refused: ") and "Invalid comment ID" in en["reason"]
    stored = await pool.fetchrow("select error_code, error from replies where id = $1", row["id"])
    assert stored["error_code"] == "refused" and stored["error"].startswith("WordPress refused: ")


async def test_the_item_api_shows_reply_states_in_the_users_language(pool, db_dsn, vault, site, session, clock, inbox) -> None:
    row = await queue(pool, inbox)
    site.delay, site.slow_methods = 0.6, ("POST",)
    await sender(pool, vault, session, clock, send_timeout=0.3).run_once()
    async with pool.acquire() as conn:
        user_id = await users.create_user(conn, "staff@b.test", "Staff", _HASH, "fr")
        await users.add_membership(conn, user_id, inbox["brand_id"], "agent")
    app = make_app(pool, db_dsn)
    async with client_for(app) as client:
        await login(client, "staff@b.test")
        (shown,) = (await client.get(f"/api/items/{inbox['items'][0]['id']}")).json()["replies"]
        assert shown["id"] == row["id"] and shown["state"] == "queued" and shown["phase"] == "in_doubt"
        assert shown["state_text"] == "envoi incertain — vérification sur la plateforme"


async def test_a_send_still_uncertain_when_attempts_run_out_says_to_check_before_retrying(pool, vault, site, session, clock, inbox) -> None:
    row = await queue(pool, inbox)
    await pool.execute("update replies set attempts = max_attempts - 1 where id = $1", row["id"])
    site.delay, site.slow_methods = 0.6, ("POST",)
    await sender(pool, vault, session, clock, send_timeout=0.3).run_once()
    fr, en = await _shown(pool, inbox, row["id"], "fr"), await _shown(pool, inbox, row["id"], "en")
    assert (fr["state"], fr["phase"]) == ("failed", "failed")
    assert fr["state_text"] == ("échec — Jasette n’a pas pu confirmer si cette réponse a été publiée : "
                                "vérifiez sur la plateforme avant de réessayer")
    assert en["reason"].startswith("Jasette could not confirm whether this reply was posted")


def test_every_state_and_reason_is_worded_in_french_and_english() -> None:
    from inbox.reply_reasons import REASONS
    from web import i18n, reply_words

    for msgid in [*reply_words.PHASES.values(), *REASONS.values()]:
        assert msgid in i18n.CATALOGUES["fr"], msgid
        if msgid.startswith("reply state:"):  # the rest reads as English already
            assert msgid in i18n.CATALOGUES["en"], msgid
