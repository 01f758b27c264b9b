"""Google's OAuth 2.0 for web server apps, for YouTube channels and Business Profile locations.

Google documents the flow at developers.google.com/identity/protocols/oauth2/web-server:
`access_type=offline` and `prompt=consent` make Google return a refresh token (and return it
again on a reconnect); access tokens live an hour (`expires_in` 3599); a refresh answers a new
access token and no new refresh token; `invalid_grant` means revoked, expired (unused for six
months, or a "Testing" app's seven days) or the password changed. PKCE (S256) is accepted.
"""

from __future__ import annotations

from typing import Any, ClassVar

import aiohttp

from collector.base import AuthFailed, FetchFailed
from collector.oauth import Choice, OAuthApp, Provider, Tokens, rooted
from collector.wire import as_dict, as_list, request

_AUTHORIZE = "https://accounts.google.com/o/oauth2/v2/auth"
_TOKEN = "https://oauth2.googleapis.com/token"


async def _get(session: aiohttp.ClientSession, url: str, tokens: Tokens, params: dict[str, str] | None = None) -> Any:
    resp = await request(session, "GET", url, params=params, headers={"Authorization": f"Bearer {tokens.access_token}"})
    if resp.status in (401, 403):
        error = as_dict(as_dict(resp.body).get("error"))
        raise AuthFailed(f"Google refused the listing: {str(error.get('message', resp.status))[:200]}")
    if resp.status >= 400 or resp.unreadable is not None:
        raise FetchFailed(f"{resp.request}: HTTP {resp.status}")
    return resp.body


class GoogleOAuth(Provider):
    """Google's web-server flow: offline access, and consent asked again so a refresh token always comes."""

    authorize_url = _AUTHORIZE
    token_url = _TOKEN
    extra_authorize_params: ClassVar[dict[str, str]] = {
        "access_type": "offline", "prompt": "consent", "include_granted_scopes": "true",
    }


class YouTubeProvider(GoogleOAuth):
    """A YouTube channel: the channels the Google account owns (`channels?mine=true`)."""

    platform = "youtube"
    # youtube.force-ssl: read comment threads, reply and moderate (YouTube Data API, comments.insert).
    scopes = ("https://www.googleapis.com/auth/youtube.force-ssl",)
    required_scopes = scopes
    setup_hint = ("In Google Cloud Console: a project with the YouTube Data API v3 enabled, an OAuth client of type "
                  "“Web application” with the redirect URI below, and the consent screen published (verification for "
                  "the youtube.force-ssl scope).")
    api_base = "https://www.googleapis.com/youtube/v3"

    async def discover(self, session: aiohttp.ClientSession, app: OAuthApp, tokens: Tokens) -> list[Choice]:
        """Every channel of the signed-in Google account."""
        body = await _get(session, rooted(self.api_base + "/channels", app), tokens, {"part": "snippet", "mine": "true"})
        choices = []
        for item in as_list(as_dict(body).get("items")):
            channel = as_dict(item)
            if not channel.get("id"):
                continue
            title = str(as_dict(channel.get("snippet")).get("title") or channel["id"])
            choices.append(Choice(external_id=str(channel["id"]), name=title[:120], credentials={},
                                  base_url=self.api_root(app)))
        return choices


class BusinessProfileProvider(GoogleOAuth):
    """Google Business Profile locations: accounts from the Account Management API, then their
    locations from the Business Information API; reviews are read with the v4 API."""

    platform = "google"
    scopes = ("https://www.googleapis.com/auth/business.manage",)
    required_scopes = scopes
    setup_hint = ("In Google Cloud Console: a project approved for the Business Profile APIs (access request form), "
                  "the My Business Account Management and Business Information APIs enabled, and an OAuth client of type "
                  "“Web application” with the redirect URI below.")
    accounts_url = "https://mybusinessaccountmanagement.googleapis.com/v1/accounts"
    locations_url = "https://mybusinessbusinessinformation.googleapis.com/v1/{account}/locations"
    api_base = "https://mybusiness.googleapis.com"

    async def discover(self, session: aiohttp.ClientSession, app: OAuthApp, tokens: Tokens) -> list[Choice]:
        """Every location of every Business Profile account the Google account manages."""
        choices: list[Choice] = []
        body = await _get(session, rooted(self.accounts_url, app), tokens)
        for account in as_list(as_dict(body).get("accounts"))[:50]:
            account_name = str(as_dict(account).get("name") or "")
            if not account_name.startswith("accounts/"):
                continue
            page_token = ""
            for _ in range(20):  # pages of 100 locations; an agency with more picks from the first 2,000
                params = {"readMask": "name,title,storefrontAddress", "pageSize": "100"}
                if page_token:
                    params["pageToken"] = page_token
                listing = as_dict(await _get(session, rooted(self.locations_url.format(account=account_name), app), tokens, params))
                for location in as_list(listing.get("locations")):
                    loc = as_dict(location)
                    name = str(loc.get("name") or "")
                    if not name.startswith("locations/"):
                        continue
                    address = as_dict(loc.get("storefrontAddress"))
                    where = ", ".join(str(x) for x in [*as_list(address.get("addressLines"))[:1], address.get("locality")] if x)
                    title = str(loc.get("title") or name) + (f" — {where}" if where else "")
                    choices.append(Choice(external_id=f"{account_name}/{name}", name=title[:120], credentials={},
                                          base_url=self.api_root(app)))
                page_token = str(listing.get("nextPageToken") or "")
                if not page_token:
                    break
        return choices


YOUTUBE = YouTubeProvider()
BUSINESS = BusinessProfileProvider()
