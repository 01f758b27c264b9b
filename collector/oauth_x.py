"""X's OAuth 2.0 Authorization Code Flow with PKCE (docs.x.com, "OAuth 2.0 Authorization Code Flow with PKCE").

PKCE is required. A confidential client authenticates to the token endpoint with HTTP Basic.
`offline.access` grants a refresh token; access tokens live two hours. Refresh tokens ROTATE:
every refresh answers a new refresh token and the old one stops working, so the new one must be
stored in the same step (collector/token_keeper.py does it under the account's lock).
"""

from __future__ import annotations

import aiohttp

from collector.base import AuthFailed, FetchFailed
from collector.oauth import Choice, OAuthApp, Provider, Tokens, rooted
from collector.wire import as_dict, request


class XProvider(Provider):
    """The X account that signs in: replies are posted as it, mentions are read for it."""

    platform = "x"
    authorize_url = "https://x.com/i/oauth2/authorize"
    token_url = "https://api.x.com/2/oauth2/token"
    scopes = ("tweet.read", "tweet.write", "users.read", "offline.access")
    required_scopes = ("tweet.read", "users.read", "offline.access")
    basic_auth = True
    setup_hint = ("In the X developer portal: a project and app on a plan that can read mentions (Basic or higher), "
                  "User authentication settings with OAuth 2.0, type “Web App” (confidential client), and the callback URI below.")
    api_base = "https://api.x.com"

    async def discover(self, session: aiohttp.ClientSession, app: OAuthApp, tokens: Tokens) -> list[Choice]:
        """The signed-in account (`GET /2/users/me`)."""
        resp = await request(session, "GET", rooted(self.api_base + "/2/users/me", app),
                             headers={"Authorization": f"Bearer {tokens.access_token}"})
        if resp.status in (401, 403):
            raise AuthFailed(f"X refused /2/users/me: HTTP {resp.status}")
        if resp.status >= 400 or resp.unreadable is not None:
            raise FetchFailed(f"{resp.request}: HTTP {resp.status}")
        user = as_dict(as_dict(resp.body).get("data"))
        if not user.get("id"):
            return []
        username = str(user.get("username") or "")
        name = str(user.get("name") or username)
        return [Choice(external_id=str(user["id"]), name=f"{name} (@{username})"[:120] if username else name[:120],
                       credentials={}, settings={"username": username}, base_url=self.api_root(app))]


X = XProvider()
