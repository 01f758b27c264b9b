"""An owner connects the newsletter mailbox with Gmail or Microsoft 365 through the provider's
consent page (the mail emulator's, in that provider's flavour): mail is then read over IMAP and
answered over SMTP with XOAUTH2, keeps flowing after the access token dies (renewed before expiry,
or once after the server refuses it), and a revoked grant asks for re-authorisation."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from connecting import Platform, connect, keeper, owner_client, poll_account, poller
from web_app import SECRET, seed

from collector.oauth import OAuthApp
from collector.outbox_worker import OutboxWorker
from emulators import catalog
from emulators.base import serve
from emulators.imap import ADDRESS
from emulators.oauth import default_client
from inbox import outbox
from inbox.credentials import Vault

FLAVOURS = {"gmail": "google", "outlook": "microsoft"}


@asynccontextmanager
async def mailbox(code: str) -> AsyncIterator[dict[str, Platform]]:
    """The mail emulator in the flavour of `code`, and that code's application rooted at it."""
    runner, url = await serve(catalog.create_app("imap", oauth_flavour=FLAVOURS[code]))
    try:
        yield {code: Platform(code, url, OAuthApp(*default_client(code), root=url))}
    finally:
        await runner.cleanup()


async def _seeded(pool) -> dict:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        await conn.execute("update accounts set enabled = false")  # the seed's placeholder sites stay quiet
    return ids


async def _mail_account(pool) -> dict[str, Any]:
    async with pool.acquire() as conn:
        row = await conn.fetchrow("select * from accounts where platform = 'imap' and external_id = $1", ADDRESS)
    assert row is not None
    return dict(row)


async def _reply(pool, session, tokens, brand_id: int, account_id: int, key: str) -> dict[str, Any]:
    """Staff answer the account's latest mail; one round of the outbox; the reply's row."""
    async with pool.acquire() as conn:
        item_id = await conn.fetchval("select id from items where account_id = $1 order by id desc limit 1", account_id)
        queued = await outbox.enqueue(conn, brand_id=brand_id, item_id=item_id, user_id=None,
                                      body="Merci, à bientôt au Café!", idempotency_key=key)
    sender = OutboxWorker(pool, Vault(SECRET), session, worker_id="s", rng=random.Random(2), tokens=tokens)
    await sender.run_once()
    async with pool.acquire() as conn:
        return dict(await conn.fetchrow("select state, error, external_id from replies where id = $1", queued["id"]))


@pytest.mark.parametrize("code", ["gmail", "outlook"])
async def test_a_mailbox_connected_with_oauth_reads_and_answers_mail_past_the_token_lifetime(pool, db_dsn, code) -> None:
    ids = await _seeded(pool)
    async with mailbox(code) as platforms:
        mail = platforms[code]
        client = await owner_client(pool, db_dsn, platforms)
        settings_page = await client.get("/settings")
        assert f'id="connect-{code}"' in settings_page.text
        done = await connect(client, code)
        assert done.status_code == 303 and done.headers["location"].startswith("/settings?connected="), done.text

        account = await _mail_account(pool)
        creds = Vault(SECRET).open(account["credentials"])
        assert creds["oauth"] is True and creds["refresh_token"] and creds["expires_at"]
        assert creds["oauth_provider"] == code and creds["username"] == ADDRESS and "password" not in creds
        state = await mail.control("state")
        # Discovered: the address (Gmail profile / Microsoft ID token) and the servers (autoconfig).
        assert account["base_url"] == state["imap_url"] and account["settings"]["smtp_url"] == state["smtp_url"]
        assert account["settings"]["address"] == ADDRESS

        await mail.inject(text="Le brunch du 24 est-il complet?", author_name="Julie Roy", author_handle="julie@example.ca")
        async with aiohttp.ClientSession() as session:
            tokens = keeper(pool, session, platforms)
            first = await poll_account(pool, poller(pool, session, tokens), account["id"])
            assert first.error is None and first.new_items == 1
            sent = await _reply(pool, session, tokens, ids["brand_a"], account["id"], "first")
            assert sent["state"] == "sent", sent
            state = await mail.control("state")
            assert [r["id"] for r in state["replies"]] == [sent["external_id"]] and state["xoauth2_refusals"] == 0

            # Past the hour on the provider's clock: a keeper whose clock agrees renews before polling.
            await mail.control("clock", {"advance_seconds": 3700})
            await mail.inject(text="Et pour six personnes?", author_name="Julie Roy", author_handle="julie@example.ca")
            ahead = keeper(pool, session, platforms, ahead=3700)
            second = await poll_account(pool, poller(pool, session, ahead), account["id"])
            assert second.error is None and second.new_items == 1 and ahead.renewals == 1
            renewed = Vault(SECRET).open((await _mail_account(pool))["credentials"])
            assert renewed["access_token"] != creds["access_token"]
            if code == "outlook":
                assert renewed["refresh_token"] != creds["refresh_token"]  # Microsoft rotates it: the new one is kept
            else:
                assert renewed["refresh_token"] == creds["refresh_token"]  # Google sends none on refresh

            # Another hour; this keeper's clock did not move: the IMAP server refuses the token
            # (Gmail with its JSON challenge), the token is renewed once and the poll goes through.
            await mail.control("clock", {"advance_seconds": 3700})
            await mail.inject(text="Parfait, merci!", author_name="Julie Roy", author_handle="julie@example.ca")
            third = await poll_account(pool, poller(pool, session, tokens), account["id"])
            assert third.error is None and third.new_items == 1 and tokens.renewals == 1
            assert (await mail.control("state"))["xoauth2_refusals"] == 1

            # The SMTP server refuses the token of a reply (as when it died between the IMAP and the
            # SMTP step): renewed once, the reply goes out once.
            await mail.control("fault_target", {"protocol": "smtp"})
            await mail.control("fault", {"mode": "expired_token", "count": 1})
            later = await _reply(pool, session, tokens, ids["brand_a"], account["id"], "later")
            assert later["state"] == "sent", later
            assert tokens.renewals == 2
            state = await mail.control("state")
            assert [r["id"] for r in state["replies"]] == [sent["external_id"], later["external_id"]]
            assert state["xoauth2_refusals"] == 1  # the fault, not a token the server knew as dead

            # The owner removed the app: only now is re-authorisation asked.
            await mail.control("revoke")
            fourth = await poll_account(pool, poller(pool, session, keeper(pool, session, platforms, ahead=11200)), account["id"])
            assert fourth.health == "reauth"

        page = await client.get("/settings")
        assert f'href="/settings/connect/{code}?account={account["id"]}"' in page.text  # "Reconnect" takes the right app
        again = await connect(client, code, query=f"?account={account['id']}")
        assert again.status_code == 303 and again.headers["location"] == f"/settings?connected={account['id']}", again.text
        back = await _mail_account(pool)
        assert back["id"] == account["id"] and back["health"] == "ok"
        await client.aclose()


async def test_a_mailbox_connected_without_the_smtp_permission_is_refused_at_connect_time(pool, db_dsn) -> None:
    await _seeded(pool)
    async with mailbox("outlook") as platforms:
        client = await owner_client(pool, db_dsn, platforms)
        # The owner unticked SMTP.Send on Microsoft's consent page.
        answer = await connect(client, "outlook", consent_form="1",
                               scope=["https://outlook.office.com/IMAP.AccessAsUser.All", "offline_access", "openid", "email"])
        assert answer.status_code == 400 and "SMTP.Send" in answer.text
        async with pool.acquire() as conn:
            assert await conn.fetchval("select count(*) from accounts where platform = 'imap'") == 0
        await client.aclose()


async def test_declining_on_google_connects_no_mailbox(pool, db_dsn) -> None:
    await _seeded(pool)
    async with mailbox("gmail") as platforms:
        client = await owner_client(pool, db_dsn, platforms)
        answer = await connect(client, "gmail", decision="deny")
        assert answer.status_code == 200 and "Gmail" in answer.text and "rien n’a été connecté" in answer.text
        async with pool.acquire() as conn:
            assert await conn.fetchval("select count(*) from accounts where platform = 'imap'") == 0
        await client.aclose()


async def test_an_address_moved_from_gmail_to_microsoft_365_keeps_its_account_and_follows_the_new_servers(pool, db_dsn) -> None:
    await _seeded(pool)
    async with mailbox("gmail") as google, mailbox("outlook") as microsoft:
        platforms = {**google, **microsoft}
        client = await owner_client(pool, db_dsn, platforms)
        assert (await connect(client, "gmail")).status_code == 303
        before = await _mail_account(pool)
        # The business moved its domain's mail to Microsoft 365 and connects the same address there.
        done = await connect(client, "outlook")
        assert done.status_code == 303 and done.headers["location"] == f"/settings?connected={before['id']}", done.text
        after = await _mail_account(pool)
        state = await microsoft["outlook"].control("state")
        assert after["id"] == before["id"] and after["base_url"] == state["imap_url"]
        assert after["settings"]["smtp_url"] == state["smtp_url"] and after["settings"]["oauth_provider"] == "outlook"
        assert Vault(SECRET).open(after["credentials"])["oauth_provider"] == "outlook"
        page = await client.get("/settings")
        assert f'href="/settings/connect/outlook?account={after["id"]}"' in page.text

        await microsoft["outlook"].inject(text="Bonjour depuis Outlook", author_handle="marc@example.ca")
        async with aiohttp.ClientSession() as session:
            polled = await poll_account(pool, poller(pool, session, keeper(pool, session, platforms)), after["id"])
        assert polled.error is None and polled.new_items == 1
        await client.aclose()


async def test_a_tenant_without_authenticated_smtp_fails_the_reply_alone_and_keeps_reading(pool, db_dsn) -> None:
    ids = await _seeded(pool)
    async with mailbox("outlook") as platforms:
        mail = platforms["outlook"]
        client = await owner_client(pool, db_dsn, platforms)
        assert (await connect(client, "outlook")).status_code == 303
        account = await _mail_account(pool)
        await mail.inject(text="Avez-vous des options sans gluten?", author_handle="line@example.ca")
        async with aiohttp.ClientSession() as session:
            tokens = keeper(pool, session, platforms)
            assert (await poll_account(pool, poller(pool, session, tokens), account["id"])).new_items == 1
            await mail.control("smtp_auth", {"enabled": False})  # Microsoft 365's default for new tenants
            failed = await _reply(pool, session, tokens, ids["brand_a"], account["id"], "gluten")
            # Microsoft's words, no token renewal (none would help), no re-authorisation.
            assert failed["state"] == "failed" and "5.7.139" in failed["error"], failed
            assert tokens.renewals == 0 and (await _mail_account(pool))["health"] == "ok"
            await mail.inject(text="Merci quand même", author_handle="line@example.ca")
            assert (await poll_account(pool, poller(pool, session, tokens), account["id"])).new_items == 1
        assert (await mail.control("state"))["replies"] == []
        await client.aclose()
