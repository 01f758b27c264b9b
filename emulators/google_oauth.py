"""Google's OAuth 2.0 server for web server apps, as the Google Business Profile and YouTube
emulators each carry their own copy of it.

Paths of accounts.google.com and oauth2.googleapis.com at the emulator's root:
`/o/oauth2/v2/auth` (consent with an account chooser), `POST /token` (authorization_code with
optional PKCE, refresh_token without a new refresh token) and `POST /revoke`. Access tokens live
3599 s. As on Google, a refresh token comes only with access_type=offline, and only at the first
consent unless prompt=consent asks again (so a client must never overwrite a stored refresh
token with an absent one). Errors are Google's: 400 invalid_grant, 401 invalid_client.
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from emulators.base import Emulator
from emulators.oauth import OAuthServer, Refusal, space_list
from emulators.oauth_consent import AuthorizeSpec, authorize, form_fields

ACCESS_LIFETIME = 3599
BUSINESS_SCOPE = "https://www.googleapis.com/auth/business.manage"
YOUTUBE_FORCE_SSL = "https://www.googleapis.com/auth/youtube.force-ssl"
YOUTUBE_READONLY = "https://www.googleapis.com/auth/youtube.readonly"
YOUTUBE = "https://www.googleapis.com/auth/youtube"
LABELS = {
    BUSINESS_SCOPE: "Gérer vos fiches d’établissement / Manage your business listings",
    YOUTUBE_FORCE_SSL: "Voir, modifier et supprimer vos vidéos, notes et commentaires YouTube / "
                       "See, edit and delete your YouTube videos, ratings and comments",
    YOUTUBE_READONLY: "Voir votre compte YouTube / View your YouTube account",
    YOUTUBE: "Gérer votre compte YouTube / Manage your YouTube account",
    "openid": "Vous identifier / Associate you with your personal info",
    "email": "Voir votre adresse e-mail / See your email address",
    "https://mail.google.com/": "Lire, rédiger, envoyer et supprimer définitivement tous vos e-mails Gmail / "
                                "Read, compose, send and permanently delete all your email from Gmail",
}
DEMO_GOOGLE_ACCOUNT = ("cafe.demo@gmail.com", "Café Démo — cafe.demo@gmail.com")


def oauth_error(status: int, error: str, description: str) -> web.Response:
    """An error of Google's token endpoint."""
    return web.json_response({"error": error, "error_description": description}, status=status,
                             headers={"Cache-Control": "no-store"})


def insufficient_scope(service: str) -> web.Response:
    """Google's 403 for a token whose granted scopes do not cover the method."""
    message = "Request had insufficient authentication scopes."
    return web.json_response({"error": {
        "code": 403, "message": message,
        "errors": [{"message": "Insufficient Permission", "domain": "global", "reason": "insufficientPermissions"}],
        "status": "PERMISSION_DENIED",
        "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
                     "domain": "googleapis.com", "metadata": {"service": service}}],
    }}, status=403)


def _client_of(request: web.Request, form: Any) -> tuple[str | None, str | None]:
    """client_id/secret from the form (client_secret_post) or HTTP Basic (client_secret_basic)."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Basic "):
        try:
            user, _, secret = base64.b64decode(header[6:]).decode().partition(":")
            return unquote(user), unquote(secret)
        except ValueError:
            return None, None
    return form.get("client_id"), form.get("client_secret")


def install(emulator: Emulator, app: web.Application, account: tuple[str, str] = DEMO_GOOGLE_ACCOUNT) -> None:
    """Register Google's OAuth endpoints on `emulator`'s app; `account` is the one the chooser offers."""
    server = emulator.oauth
    assert server is not None
    spec = AuthorizeSpec(
        title="Google", separators=" ", scope_labels=LABELS,
        accounts=lambda: [account], accounts_multiple=False, accounts_legend="Choisir un compte / Choose an account",
        deny_description="The user denied access.",
        on_allow=lambda params, granted: {"offline": params.get("access_type") == "offline",
                                          "prompt": params.get("prompt", "")},
    )

    async def consent(request: web.Request) -> web.Response:
        return await authorize(request, server, spec)

    async def token(request: web.Request) -> web.Response:
        return await _token(request, server)

    async def revoke(request: web.Request) -> web.Response:
        form = await form_fields(request)
        value = str(form.get("token") or request.query.get("token") or "")
        found = server.tokens.get(value)
        if found is None or found.revoked or found.grant.revoked:
            return oauth_error(400, "invalid_token", "Token expired or revoked")
        server.revoke_grant(found.grant)  # Google revokes the whole grant, refresh token included
        return web.json_response({})

    for method in ("GET", "POST"):
        emulator.add_open_route(app, method, "/o/oauth2/v2/auth", consent, faults=False)
    emulator.add_open_route(app, "POST", "/token", token)
    emulator.add_open_route(app, "POST", "/revoke", revoke)


async def _token(request: web.Request, server: OAuthServer) -> web.Response:
    form = await form_fields(request)
    client_id, secret = _client_of(request, form)
    if not server.known_client(client_id):
        return oauth_error(401, "invalid_client", "The OAuth client was not found.")
    try:
        server.check_client(client_id, secret)
    except Refusal:
        return oauth_error(401, "invalid_client", "Unauthorized")
    grant_type = form.get("grant_type")
    if grant_type == "authorization_code":
        try:
            grant = server.redeem(str(form.get("code") or ""), form.get("redirect_uri"), form.get("code_verifier"))
        except Refusal as refusal:
            if refusal.reason == "redirect":
                return oauth_error(400, "redirect_uri_mismatch", "Bad Request")
            if refusal.reason == "pkce":
                return oauth_error(400, "invalid_grant", "Invalid code verifier.")
            return oauth_error(400, "invalid_grant", "Bad Request" if form.get("code") else "Missing code")
        access = server.issue(grant, "access", ACCESS_LIFETIME, prefix="ya29.")
        body: dict[str, Any] = {"access_token": access.value, "expires_in": ACCESS_LIFETIME,
                                "scope": " ".join(grant.scopes), "token_type": "Bearer"}
        remembered = "consent" in space_list(grant.extra.get("prompt")) or server.client_id not in server.remembered
        if grant.extra.get("offline") and remembered:
            body["refresh_token"] = server.issue(grant, "refresh", None, prefix="1//").value
            server.remembered.add(server.client_id)
        return web.json_response(body, headers={"Cache-Control": "no-store"})
    if grant_type == "refresh_token":
        try:
            refresh = server.check(str(form.get("refresh_token") or ""), "refresh")
        except Refusal:
            return oauth_error(400, "invalid_grant", "Token has been expired or revoked.")
        server.refreshes += 1
        access = server.issue(refresh.grant, "access", ACCESS_LIFETIME, prefix="ya29.")
        return web.json_response({"access_token": access.value, "expires_in": ACCESS_LIFETIME,
                                  "scope": " ".join(refresh.grant.scopes), "token_type": "Bearer"},
                                 headers={"Cache-Control": "no-store"})
    if not grant_type:
        return oauth_error(400, "invalid_request", "Missing required parameter: grant_type")
    return oauth_error(400, "unsupported_grant_type", f"Invalid grant_type: {grant_type}")
