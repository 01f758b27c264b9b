"""X's OAuth 2.0 Authorization Code flow with PKCE, as the X emulator serves it.

`/i/oauth2/authorize` (x.com) refuses a request without a code_challenge; `POST /2/oauth2/token`
(api.x.com) authenticates the confidential client with HTTP Basic, issues two-hour access tokens
and, with `offline.access`, a refresh token that ROTATES: each refresh answers a new access token
and a new refresh token, and the one just used stops working. `POST /2/oauth2/revoke` ends the
grant. Errors are X's: 400 invalid_request "Value passed for the token was invalid.", 401
unauthorized_client without valid Basic credentials.
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from emulators.base import Emulator
from emulators.oauth import OAuthServer, Refusal, Token
from emulators.oauth_consent import AuthorizeSpec, authorize, form_fields

ACCESS_LIFETIME = 7200
LABELS = {
    "tweet.read": "Voir les publications / Read posts",
    "tweet.write": "Publier et supprimer en votre nom / Post and delete for you",
    "tweet.moderate.write": "Masquer et afficher les réponses / Hide and unhide replies",
    "users.read": "Voir votre profil / Read your profile",
    "offline.access": "Rester connecté / Stay connected",
}
INVALID = "Value passed for the token was invalid."


def oauth_error(status: int, error: str, description: str) -> web.Response:
    """An error of X's token endpoint."""
    return web.json_response({"error": error, "error_description": description}, status=status)


def _basic(request: web.Request) -> tuple[str | None, str | None]:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Basic "):
        return None, None
    try:
        user, _, secret = base64.b64decode(header[6:]).decode().partition(":")
    except ValueError:
        return None, None
    return unquote(user), unquote(secret)


def _tokens(server: OAuthServer, token_grant: Any) -> dict[str, Any]:
    access = server.issue(token_grant, "access", ACCESS_LIFETIME)
    body: dict[str, Any] = {"token_type": "bearer", "expires_in": ACCESS_LIFETIME, "access_token": access.value,
                            "scope": " ".join(token_grant.scopes)}
    if "offline.access" in token_grant.scopes:
        body["refresh_token"] = server.issue(token_grant, "refresh", None).value
    return body


def install(emulator: Emulator, app: web.Application) -> None:
    """Register X's OAuth 2.0 endpoints on `emulator`'s app."""
    server = emulator.oauth
    assert server is not None
    spec = AuthorizeSpec(title="X", separators=" ", require_pkce=True, scope_labels=LABELS,
                         deny_description="The user denied the request.")

    async def consent(request: web.Request) -> web.Response:
        return await authorize(request, server, spec)

    async def token(request: web.Request) -> web.Response:
        form = await form_fields(request)
        try:
            server.check_client(*_basic(request))
        except Refusal:
            return oauth_error(401, "unauthorized_client", "Missing valid authorization header")
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            try:
                grant = server.redeem(str(form.get("code") or ""), form.get("redirect_uri"), form.get("code_verifier"))
            except Refusal:
                return oauth_error(400, "invalid_request", INVALID)
            return web.json_response(_tokens(server, grant))
        if grant_type == "refresh_token":
            try:
                used: Token = server.check(str(form.get("refresh_token") or ""), "refresh")
            except Refusal:
                return oauth_error(400, "invalid_request", INVALID)
            server.retire(used)  # rotation: the refresh token just used is spent
            server.refreshes += 1
            return web.json_response(_tokens(server, used.grant))
        return oauth_error(400, "invalid_request", "Missing required parameter [grant_type]." if not grant_type
                           else f"Unsupported grant_type [{grant_type}].")

    async def revoke(request: web.Request) -> web.Response:
        form = await form_fields(request)
        try:
            server.check_client(*_basic(request))
        except Refusal:
            return oauth_error(401, "unauthorized_client", "Missing valid authorization header")
        found = server.tokens.get(str(form.get("token") or ""))
        if found is not None:
            server.revoke_grant(found.grant)
        return web.json_response({"revoked": True})

    for method in ("GET", "POST"):
        emulator.add_open_route(app, method, "/i/oauth2/authorize", consent, faults=False)
    emulator.add_open_route(app, "POST", "/2/oauth2/token", token)
    emulator.add_open_route(app, "POST", "/2/oauth2/revoke", revoke)
