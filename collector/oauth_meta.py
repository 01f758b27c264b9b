"""Meta's logins: Facebook Login for Pages, and Instagram API with Instagram Login.

Facebook (developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow, and
/docs/facebook-login/guides/access-tokens/get-long-lived): the code gives a short-lived user
token (about an hour), exchanged at once for a long-lived one (60 days) with
`grant_type=fb_exchange_token`; a Page token read from `/me/accounts` with a long-lived user
token does not expire. Only a member with the MODERATE task on the Page may reply and hide. After
connecting, the Page is subscribed to the app's webhooks (`POST /{page-id}/subscribed_apps`).

Instagram (developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login):
`api.instagram.com/oauth/access_token` gives a short-lived token (1 h), `ig_exchange_token` a
long-lived one (60 days), renewable with `refresh_access_token` once it is 24 hours old and
still valid: Jasette renews it when fewer than 30 days remain, so it never lapses while polled.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import aiohttp

from collector.base import AuthFailed, FetchFailed
from collector.oauth import Choice, OAuthApp, Provider, Tokens, check_token_answer, rooted, tokens_from
from collector.wire import as_dict, as_list, request

GRAPH = "https://graph.facebook.com/v25.0"
DAY = 86_400.0


async def _graph(session: aiohttp.ClientSession, method: str, url: str, params: dict[str, str]) -> Any:
    resp = await request(session, method, url, params=params)
    error = as_dict(as_dict(resp.body).get("error"))
    if resp.status >= 500 or resp.unreadable is not None:
        raise FetchFailed(f"{resp.request}: HTTP {resp.status}")
    if error or resp.status >= 400:
        message = str(error.get("message") or f"HTTP {resp.status}")[:200]
        if error.get("code") in (1, 2, 4, 17, 341):
            raise FetchFailed(f"{resp.request}: {message}")
        raise AuthFailed(f"Meta refused {resp.request}: {message}")
    return resp.body


class FacebookProvider(Provider):
    """Facebook Pages the signed-in person manages, each with its own Page token."""

    platform = "facebook"
    authorize_url = "https://www.facebook.com/v25.0/dialog/oauth"
    token_url = GRAPH + "/oauth/access_token"
    scopes = ("pages_show_list", "pages_read_engagement", "pages_read_user_content", "pages_manage_engagement",
              "pages_manage_metadata")
    required_scopes = ("pages_show_list", "pages_read_engagement", "pages_read_user_content")
    scope_separator = ","
    pkce = False
    signs_webhooks = True
    setup_hint = ("In Meta for Developers: an app of type Business with Facebook Login for Business, the redirect URI below "
                  "under Valid OAuth Redirect URIs, App Review (Advanced Access) for the pages_* permissions, and the Webhooks "
                  "product subscribed to the Page object with the callback /webhooks/meta.")
    api_base = GRAPH

    async def exchange(self, session: aiohttp.ClientSession, app: OAuthApp, code: str, redirect_uri: str,
                       verifier: str | None) -> Tokens:
        """Code → short-lived user token → long-lived user token, with the permissions granted."""
        url = rooted(self.token_url, app)
        short = await self.token_request(session, app, {"code": code, "redirect_uri": redirect_uri},
                                         what="code exchange", method="GET", url=url)
        long = await self.token_request(session, app, {"grant_type": "fb_exchange_token", "fb_exchange_token": short.access_token},
                                        what="long-lived token exchange", method="GET", url=url)
        body = await _graph(session, "GET", rooted(GRAPH + "/me/permissions", app), {"access_token": long.access_token})
        granted = tuple(str(p.get("permission")) for p in map(as_dict, as_list(as_dict(body).get("data")))
                        if p.get("status") == "granted")
        return replace(long, scopes=granted)

    def can_refresh(self, tokens: Tokens) -> bool:
        return False  # Page tokens do not expire; a revoked one needs the owner

    async def discover(self, session: aiohttp.ClientSession, app: OAuthApp, tokens: Tokens) -> list[Choice]:
        """Every Page of `/me/accounts`, with its token; a Page without MODERATE says why it cannot be used."""
        choices: list[Choice] = []
        params = {"fields": "id,name,access_token,tasks", "limit": "100", "access_token": tokens.access_token}
        for _ in range(20):
            body = as_dict(await _graph(session, "GET", rooted(GRAPH + "/me/accounts", app), params))
            for entry in map(as_dict, as_list(body.get("data"))):
                page_id, token = str(entry.get("id") or ""), str(entry.get("access_token") or "")
                if not page_id.isdigit() or not token:
                    continue
                tasks = {str(t) for t in as_list(entry.get("tasks"))}
                problem = None if "MODERATE" in tasks or not tasks else (
                    "You cannot moderate this Page: a Page admin must give you the Moderate task (or full control).")
                choices.append(Choice(
                    external_id=page_id, name=str(entry.get("name") or page_id)[:120],
                    credentials={"access_token": token, "oauth": True, "scopes": list(tokens.scopes)},
                    base_url=self.api_root(app), problem=problem,
                ))
            after = as_dict(as_dict(as_dict(body.get("paging")).get("cursors"))).get("after")
            if not after or not as_dict(body.get("paging")).get("next"):
                break
            params = {**params, "after": str(after)}
        return choices

    async def subscribe(self, session: aiohttp.ClientSession, app: OAuthApp, choice: Choice) -> None:
        """Subscribe the Page to the app's webhooks: comments and posts (feed) and mentions."""
        await _graph(session, "POST", rooted(f"{GRAPH}/{choice.external_id}/subscribed_apps", app), {
            "subscribed_fields": "feed,mention", "access_token": str(choice.credentials.get("access_token", "")),
        })


class InstagramProvider(Provider):
    """The Instagram professional account that signs in (Instagram API with Instagram Login)."""

    platform = "instagram"
    authorize_url = "https://www.instagram.com/oauth/authorize"
    token_url = "https://api.instagram.com/oauth/access_token"
    exchange_url = "https://graph.instagram.com/access_token"
    refresh_url = "https://graph.instagram.com/refresh_access_token"
    scopes = ("instagram_business_basic", "instagram_business_manage_comments")
    required_scopes = scopes
    scope_separator = ","
    pkce = False
    signs_webhooks = True
    # Renew a long-lived token once fewer than 30 days remain (it must be 24 hours old).
    refresh_margin = 30 * DAY
    setup_hint = ("In Meta for Developers: an app with the product “Instagram API with Instagram Login”, the redirect URI "
                  "below under Business login settings, App Review for instagram_business_manage_comments, and Webhooks "
                  "subscribed to comments and mentions with the callback /webhooks/meta.")
    api_base = "https://graph.instagram.com/v25.0"

    async def exchange(self, session: aiohttp.ClientSession, app: OAuthApp, code: str, redirect_uri: str,
                       verifier: str | None) -> Tokens:
        """Code → short-lived token → long-lived token (60 days)."""
        resp = await request(session, "POST", rooted(self.token_url, app), form={
            "client_id": app.client_id, "client_secret": app.client_secret, "grant_type": "authorization_code",
            "redirect_uri": redirect_uri, "code": code,
        })
        body = as_dict(resp.body)
        # The current documentation wraps the answer in {"data": [...]}; earlier answers were flat.
        if isinstance(body.get("data"), list) and body["data"]:
            resp.body = body = as_dict(body["data"][0])
        check_token_answer(resp, self.platform, "code exchange")
        short = tokens_from(body, now=time.time())
        long = await self.token_request(session, app, {"grant_type": "ig_exchange_token", "access_token": short.access_token},
                                        what="long-lived token exchange", method="GET", url=rooted(self.exchange_url, app))
        return replace(long, scopes=short.scopes)

    async def token_request(self, session: aiohttp.ClientSession, app: OAuthApp, form: dict[str, str], *, what: str,
                            method: str = "POST", url: str | None = None, now: float | None = None) -> Tokens:
        # graph.instagram.com takes the secret but not the client id on these two GETs.
        if form.get("grant_type") == "ig_refresh_token":
            resp = await request(session, "GET", url or rooted(self.refresh_url, app), params=form)
        else:
            resp = await request(session, method, url or rooted(self.token_url, app),
                                 params={**form, "client_secret": app.client_secret})
        check_token_answer(resp, self.platform, what)
        return tokens_from(resp.body, now=time.time() if now is None else now)

    def can_refresh(self, tokens: Tokens) -> bool:
        return bool(tokens.access_token) and tokens.expires_at is not None

    def needs_refresh(self, tokens: Tokens, now: float) -> bool:
        if tokens.expires_at is None or tokens.expires_at - now > self.refresh_margin:
            return False
        # Instagram refuses to renew a token younger than 24 hours.
        return tokens.issued_at is None or now - tokens.issued_at >= DAY

    async def refresh(self, session: aiohttp.ClientSession, app: OAuthApp, tokens: Tokens, *, now: float | None = None) -> Tokens:
        fresh = await self.token_request(session, app, {"grant_type": "ig_refresh_token", "access_token": tokens.access_token},
                                         what="token renewal", now=now)
        return replace(fresh, scopes=tokens.scopes)

    async def discover(self, session: aiohttp.ClientSession, app: OAuthApp, tokens: Tokens) -> list[Choice]:
        """The signed-in professional account."""
        body = as_dict(await _graph(session, "GET", rooted(self.api_base + "/me", app),
                                    {"fields": "user_id,username", "access_token": tokens.access_token}))
        user_id = str(body.get("user_id") or body.get("id") or "")
        if not user_id:
            return []
        username = str(body.get("username") or "")
        return [Choice(external_id=user_id, name=f"@{username}" if username else user_id, credentials={},
                       settings={"username": username}, base_url=self.api_root(app))]

    async def subscribe(self, session: aiohttp.ClientSession, app: OAuthApp, choice: Choice) -> None:
        """Subscribe the account to the app's webhooks: comments and mentions."""
        await _graph(session, "POST", rooted(self.api_base + "/me/subscribed_apps", app), {
            "subscribed_fields": "comments,mentions", "access_token": str(choice.credentials.get("access_token", "")),
        })


FACEBOOK = FacebookProvider()
INSTAGRAM = InstagramProvider()
