"""Facebook Login and Instagram Login in the Meta emulators, over loopback: consent with the
Pages chooser, long-lived tokens, Page tokens and tasks, Instagram's exchange and refresh, scope
errors, subscribed_apps, and webhook deliveries that Jasette's receiver accepts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from collecting import on_loopback
from oauth_flow import REDIRECT, consent
from receivers import WebhookReceiver

from collector import meta_webhook
from emulators.facebook import PAGE_ID, SECOND_PAGE_ID, FacebookEmulator
from emulators.instagram import USER_ID, USERNAME, InstagramEmulator
from web.webhooks import signature_ok

FB = {"client_id": "demo-facebook-client", "client_secret": "demo-facebook-secret"}
IG = {"client_id": "demo-instagram-client", "client_secret": "demo-instagram-secret"}
FB_SCOPES = "pages_show_list,pages_read_engagement,pages_manage_engagement,pages_manage_metadata"
IG_SCOPES = "instagram_business_basic,instagram_business_manage_comments"


@pytest.fixture
async def facebook() -> AsyncIterator[tuple[FacebookEmulator, str]]:
    async with on_loopback(FacebookEmulator()) as served:
        yield served


@pytest.fixture
async def instagram() -> AsyncIterator[tuple[InstagramEmulator, str]]:
    async with on_loopback(InstagramEmulator()) as served:
        yield served


async def get(session: aiohttp.ClientSession, url: str, **params: str) -> tuple[int, Any]:
    async with session.get(url, params=params) as resp:
        return resp.status, await resp.json()


async def post(session: aiohttp.ClientSession, url: str, **params: str) -> tuple[int, Any]:
    async with session.post(url, data=params) as resp:
        return resp.status, await resp.json()


def fb_query(scope: str = FB_SCOPES) -> dict[str, str]:
    return {"client_id": FB["client_id"], "redirect_uri": REDIRECT, "state": "fb-1", "scope": scope, "response_type": "code"}


async def fb_user_token(session: aiohttp.ClientSession, base: str, **kw: Any) -> dict[str, Any]:
    code = (await consent(session, base, "/v25.0/dialog/oauth", fb_query(kw.pop("scope", FB_SCOPES)), **kw))["code"]
    status, body = await get(session, f"{base}/v25.0/oauth/access_token", code=code, redirect_uri=REDIRECT, **FB)
    assert status == 200, body
    return body


async def control(session: aiohttp.ClientSession, base: str, path: str, payload: Any = None) -> Any:
    async with session.post(f"{base}/_control/{path}", json=payload) as resp:
        assert resp.status == 200, await resp.text()
        return await resp.json()


async def test_facebook_login_gives_long_lived_user_and_page_tokens(facebook, session) -> None:
    emulator, base = facebook
    short = await fb_user_token(session, base)
    assert short["token_type"] == "bearer" and short["expires_in"] == 3600
    status, long = await get(session, f"{base}/v25.0/oauth/access_token", grant_type="fb_exchange_token",
                             fb_exchange_token=short["access_token"], **FB)
    assert status == 200 and long["expires_in"] == 5_184_000
    status, me = await get(session, f"{base}/v25.0/me", access_token=long["access_token"])
    assert status == 200 and me["name"]
    status, accounts = await get(session, f"{base}/v25.0/me/accounts", fields="id,name,access_token,tasks",
                                 access_token=long["access_token"])
    pages = {p["id"]: p for p in accounts["data"]}
    assert list(pages) == [PAGE_ID, SECOND_PAGE_ID]
    assert "MODERATE" in pages[PAGE_ID]["tasks"] and "MODERATE" not in pages[SECOND_PAGE_ID]["tasks"]
    page_token = pages[PAGE_ID]["access_token"]
    status, debug = await get(session, f"{base}/debug_token", input_token=page_token,
                              access_token=f"{FB['client_id']}|{FB['client_secret']}")
    assert debug["data"]["is_valid"] and debug["data"]["expires_at"] == 0 and debug["data"]["type"] == "PAGE"
    # Page tokens from a long-lived user token outlive it.
    await control(session, base, "clock", {"advance_seconds": 5_184_001})
    assert (await get(session, f"{base}/v25.0/me", access_token=long["access_token"]))[1]["error"]["error_subcode"] == 463
    status, page = await get(session, f"{base}/v25.0/me", access_token=page_token)
    assert status == 200 and page["id"] == PAGE_ID
    comment = emulator.inject({"text": "Vous ouvrez quand?", "author_name": "Zoé"})["external_id"]
    status, reply = await post(session, f"{base}/v25.0/{comment}/comments", message="À 9 h!", access_token=page_token)
    assert status == 200 and emulator.replies[0]["text"] == "À 9 h!", reply
    # ... until the grant is revoked.
    assert await control(session, base, "revoke") == {"revoked": 1}
    status, error = await get(session, f"{base}/v25.0/{PAGE_ID}/feed", access_token=page_token)
    assert status == 400 and error["error"]["code"] == 190 and error["error"]["error_subcode"] == 460
    assert (await get(session, f"{base}/v25.0/{PAGE_ID}/feed", access_token="demo-token"))[0] == 200


async def test_facebook_pages_chooser_deny_and_declined_permissions(facebook, session) -> None:
    _, base = facebook
    denied = await consent(session, base, "/v25.0/dialog/oauth", fb_query(), button="deny")
    assert denied["error"] == "access_denied" and denied["error_reason"] == "user_denied" and denied["state"] == "fb-1"
    user = await fb_user_token(session, base, accounts=(SECOND_PAGE_ID,), untick=("pages_manage_engagement",))
    _, accounts = await get(session, f"{base}/me/accounts", access_token=user["access_token"])
    assert [p["id"] for p in accounts["data"]] == [SECOND_PAGE_ID]
    _, perms = await get(session, f"{base}/me/permissions", access_token=user["access_token"])
    assert {p["permission"]: p["status"] for p in perms["data"]}["pages_manage_engagement"] == "declined"


async def test_facebook_code_errors(facebook, session) -> None:
    _, base = facebook
    code = (await consent(session, base, "/dialog/oauth", fb_query()))["code"]
    status, error = await get(session, f"{base}/oauth/access_token", code=code, redirect_uri=REDIRECT,
                              client_id=FB["client_id"], client_secret="wrong")
    assert status == 400 and error["error"]["code"] == 1 and error["error"]["type"] == "OAuthException"
    assert (await get(session, f"{base}/oauth/access_token", code=code, redirect_uri=REDIRECT, **FB))[0] == 200
    status, error = await get(session, f"{base}/oauth/access_token", code=code, redirect_uri=REDIRECT, **FB)
    assert status == 400 and error["error"]["error_subcode"] == 36009
    async with session.get(f"{base}/dialog/oauth", params={**fb_query(), "client_id": "123"}, allow_redirects=False) as resp:
        assert resp.status == 400


async def test_facebook_missing_scope_or_moderate_task_refuses_writes_not_reads(facebook, session) -> None:
    emulator, base = facebook
    comment = emulator.inject({"text": "Allô", "author_name": "Zoé"})["external_id"]
    user = await fb_user_token(session, base, untick=("pages_manage_engagement",))
    status, accounts = await get(session, f"{base}/me/accounts", access_token=user["access_token"])
    tokens = {p["id"]: p["access_token"] for p in accounts["data"]}
    assert (await get(session, f"{base}/{PAGE_ID}/feed", access_token=tokens[PAGE_ID]))[0] == 200
    status, error = await post(session, f"{base}/{comment}/comments", message="Merci", access_token=tokens[PAGE_ID])
    assert status == 403 and error["error"]["code"] == 200 and "pages_manage_engagement" in error["error"]["message"]
    status, error = await post(session, f"{base}/{comment}", is_hidden="true", access_token=tokens[PAGE_ID])
    assert status == 403 and not emulator.hidden
    # With every permission, the Page whose role lacks MODERATE still cannot act.
    full = await fb_user_token(session, base)
    status, accounts = await get(session, f"{base}/me/accounts", access_token=full["access_token"])
    second = next(p["access_token"] for p in accounts["data"] if p["id"] == SECOND_PAGE_ID)
    status, error = await post(session, f"{base}/{comment}/comments", message="Merci", access_token=second)
    assert status == 403 and error["error"]["code"] == 200 and emulator.replies == []


async def test_facebook_webhook_delivers_signed_comments_of_a_subscribed_page(facebook, session) -> None:
    emulator, base = facebook
    user = await fb_user_token(session, base)
    status, accounts = await get(session, f"{base}/me/accounts", access_token=user["access_token"])
    page_token = next(p["access_token"] for p in accounts["data"] if p["id"] == PAGE_ID)
    async with WebhookReceiver() as receiver:
        await control(session, base, "webhook", {"url": receiver.url})
        await control(session, base, "inject", {"text": "avant l'abonnement"})
        assert receiver.requests == []  # not subscribed yet
        status, answer = await post(session, f"{base}/v25.0/{PAGE_ID}/subscribed_apps", subscribed_fields="feed,mention",
                                    access_token=page_token)
        assert status == 200 and answer == {"success": True}
        status, subs = await get(session, f"{base}/v25.0/{PAGE_ID}/subscribed_apps", access_token=page_token)
        assert subs["data"][0]["id"] == FB["client_id"] and subs["data"][0]["subscribed_fields"] == ["feed", "mention"]
        comment = (await control(session, base, "inject", {"text": "Super brunch", "author_name": "Zoé", "author_id": "77"}))
        assert len(receiver.requests) == 1
        headers, body = receiver.requests[0]
        assert signature_ok(FB["client_secret"], body, headers["X-Hub-Signature-256"])
        assert not signature_ok("another-secret", body, headers["X-Hub-Signature-256"])
        platform, by_owner = meta_webhook.changes(receiver.payloads()[0]) or ("", {})
        verb, item = by_owner[PAGE_ID][0]
        assert (platform, verb, item.external_id, item.body, item.kind) == (
            "facebook", "add", comment["external_id"], "Super brunch", "comment")
        await control(session, base, "inject", {"kind": "post", "text": "Ouvert lundi?", "author_name": "Luc"})
        tagged = await control(session, base, "inject", {"kind": "mention", "text": "Merci @Café Démo", "author_name": "Ana"})
        changes = [p["entry"][0]["changes"][0] for p in receiver.payloads()[1:]]
        assert [(c["field"], c["value"]["item"]) for c in changes] == [("feed", "status"), ("mention", "post")]
        assert changes[1]["value"]["post_id"] == tagged["external_id"]
        visitor = meta_webhook.changes(receiver.payloads()[1])
        assert visitor is not None and visitor[1][PAGE_ID][0][1].kind == "post"
        # Edits, hides (here by the Page, through the API) and removals are pushed too.
        await control(session, base, "inject", {"edit": comment["external_id"], "text": "Super brunch!!"})
        await post(session, f"{base}/{comment['external_id']}", is_hidden="true", access_token=page_token)
        await emulator.settle()
        await control(session, base, "inject", {"delete": comment["external_id"]})
        verbs = [(c["value"]["verb"], c["value"]["comment_id"], c["value"]["message"])
                 for p in receiver.payloads()[3:] for c in p["entry"][0]["changes"]]
        assert verbs == [("edited", comment["external_id"], "Super brunch!!"), ("hide", comment["external_id"], "Super brunch!!"),
                         ("remove", comment["external_id"], "Super brunch!!")]
        state = await (await session.get(f"{base}/_control/state")).json()
        assert state["oauth"]["subscriptions"] == [{"object": "page", "id": PAGE_ID, "fields": ["feed", "mention"]}]
        assert state["webhook"]["deliveries"][0]["status"] == 200
    # The second Page's token cannot subscribe the demo Page.
    second = next(p["access_token"] for p in accounts["data"] if p["id"] == SECOND_PAGE_ID)
    status, error = await post(session, f"{base}/{PAGE_ID}/subscribed_apps", subscribed_fields="feed", access_token=second)
    assert status == 403 and error["error"]["code"] == 210


def ig_query() -> dict[str, str]:
    return {"client_id": IG["client_id"], "redirect_uri": REDIRECT, "response_type": "code", "scope": IG_SCOPES, "state": "ig"}


async def ig_short_token(session: aiohttp.ClientSession, base: str, **kw: Any) -> dict[str, Any]:
    code = (await consent(session, base, "/oauth/authorize", ig_query(), **kw))["code"]
    status, body = await post(session, f"{base}/oauth/access_token", grant_type="authorization_code", code=code,
                              redirect_uri=REDIRECT, **IG)
    assert status == 200, body
    return body


async def test_instagram_login_exchange_and_refresh(instagram, session) -> None:
    _, base = instagram
    short = await ig_short_token(session, base)
    assert short["user_id"] == USER_ID and short["permissions"] == IG_SCOPES
    status, error = await get(session, f"{base}/access_token", grant_type="ig_exchange_token", client_secret="wrong",
                              access_token=short["access_token"])
    assert status == 400 and error["error"]["type"] == "OAuthException"
    status, long = await get(session, f"{base}/access_token", grant_type="ig_exchange_token",
                             client_secret=IG["client_secret"], access_token=short["access_token"])
    assert status == 200 and long["expires_in"] == 5_184_000 and long["token_type"] == "bearer"
    status, me = await get(session, f"{base}/v25.0/me", fields="user_id,username", access_token=long["access_token"])
    assert me["user_id"] == USER_ID and me["username"] == USERNAME
    status, error = await get(session, f"{base}/refresh_access_token", grant_type="ig_refresh_token",
                              access_token=long["access_token"])
    assert status == 400 and error["error"]["type"] == "OAuthException"  # not 24 hours old yet
    await control(session, base, "clock", {"advance_seconds": 86_400})
    status, renewed = await get(session, f"{base}/refresh_access_token", grant_type="ig_refresh_token",
                                access_token=long["access_token"])
    assert status == 200 and renewed["expires_in"] == 5_184_000
    await control(session, base, "clock", {"advance_seconds": 5_184_000 - 86_400})
    status, error = await get(session, f"{base}/refresh_access_token", grant_type="ig_refresh_token",
                              access_token=long["access_token"])
    assert status == 400 and error["error"]["code"] == 190 and error["error"]["error_subcode"] == 463
    assert (await get(session, f"{base}/{USER_ID}/media", access_token=renewed["access_token"]))[0] == 200


async def test_instagram_deny_wrong_secret_and_code_reuse(instagram, session) -> None:
    _, base = instagram
    denied = await consent(session, base, "/oauth/authorize", ig_query(), button="deny")
    assert denied["error"] == "access_denied" and denied["error_reason"] == "user_denied"
    code = (await consent(session, base, "/oauth/authorize", ig_query()))["code"]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    status, error = await post(session, f"{base}/oauth/access_token", **form, client_id=IG["client_id"], client_secret="x")
    assert status == 400 and error["error_type"] == "OAuthException"
    assert (await post(session, f"{base}/oauth/access_token", **form, **IG))[0] == 200
    status, error = await post(session, f"{base}/oauth/access_token", **form, **IG)
    assert status == 400 and error["error_message"] == "This authorization code has been used"


async def test_instagram_without_manage_comments_reads_but_cannot_reply(instagram, session) -> None:
    emulator, base = instagram
    token = (await ig_short_token(session, base, untick=("instagram_business_manage_comments",)))["access_token"]
    comment = emulator.inject({"text": "Trop bon", "author_handle": "zoe"})["external_id"]
    assert (await get(session, f"{base}/{USER_ID}/media", access_token=token))[0] == 200
    status, error = await post(session, f"{base}/{comment}/replies", message="Merci!", access_token=token)
    assert status == 403 and error["error"]["code"] == 10 and emulator.replies == []


async def test_instagram_webhook_delivers_comments_and_mentions(instagram, session) -> None:
    _, base = instagram
    token = (await ig_short_token(session, base))["access_token"]
    async with WebhookReceiver() as receiver:
        await control(session, base, "webhook", {"url": receiver.url, "app_secret": "app-secret-2"})
        _, answer = await post(session, f"{base}/v25.0/me/subscribed_apps", subscribed_fields="comments,mentions",
                                    access_token=token)
        assert answer == {"success": True}
        comment = (await control(session, base, "inject", {"text": "Miam", "author_handle": "zoe", "author_id": "55"}))
        mention = (await control(session, base, "inject", {"kind": "mention", "text": "@cafe.demo génial",
                                                           "author_handle": "luc"}))
        assert len(receiver.requests) == 2
        for headers, body in receiver.requests:
            assert signature_ok("app-secret-2", body, headers["X-Hub-Signature-256"])
        first = meta_webhook.changes(receiver.payloads()[0])
        second = meta_webhook.changes(receiver.payloads()[1])
        assert first is not None and second is not None
        assert [(i.external_id, i.kind, i.body) for _, i in first[1][USER_ID]] == [(comment["external_id"], "comment", "Miam")]
        assert [(i.external_id, i.kind) for _, i in second[1][USER_ID]] == [(mention["external_id"], "mention")]
