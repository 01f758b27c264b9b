"""LinkedIn's 3-legged OAuth 2.0, as the LinkedIn emulator serves it.

`/oauth/v2/authorization` (consent; a refusal redirects with error=user_cancelled_authorize, as
LinkedIn does), `POST /oauth/v2/accessToken` with authorization_code (access token 60 days,
refresh token one year from the consent) and refresh_token (a new access token, the SAME refresh
token, `refresh_token_expires_in` counting down). Client credentials go in the form.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from emulators.base import Emulator
from emulators.oauth import Grant, OAuthServer, Refusal, Token
from emulators.oauth_consent import AuthorizeSpec, authorize, form_fields

ACCESS_LIFETIME = 5_184_000  # 60 days
REFRESH_LIFETIME = 31_536_000  # 365 days, from the consent, not renewed by refreshing
LABELS = {
    "r_organization_social": "Lire les publications et commentaires de vos pages / "
                             "Read your pages' posts and comments",
    "w_organization_social": "Publier et commenter au nom de vos pages / Post and comment as your pages",
    "rw_organization_admin": "Gérer vos pages / Manage your pages",
    "r_organization_admin": "Voir vos pages / See your pages",
}
BAD_CODE = ("Unable to retrieve access token: appid/redirect uri/code verifier does not match authorization code. "
            "Or authorization code expired. Or external member binding exists")


def oauth_error(status: int, error: str, description: str) -> web.Response:
    """An error of LinkedIn's token endpoint."""
    return web.json_response({"error": error, "error_description": description}, status=status)


def token_error(reason: str) -> web.Response:
    """LinkedIn's 401 for a revoked or expired member token."""
    if reason == "expired":
        body = {"status": 401, "serviceErrorCode": 65602, "code": "EXPIRED_ACCESS_TOKEN",
                "message": "The token used in the request has expired"}
    else:
        body = {"status": 401, "serviceErrorCode": 65601, "code": "REVOKED_ACCESS_TOKEN",
                "message": "The token used in the request has been revoked by the user"}
    return web.json_response(body, status=401)


def _answer(server: OAuthServer, grant: Grant, refresh: Token | None) -> dict[str, Any]:
    access = server.issue(grant, "access", ACCESS_LIFETIME, prefix="AQV")
    if refresh is None:
        refresh = server.issue(grant, "refresh", REFRESH_LIFETIME, prefix="AQX")
    return {"access_token": access.value, "expires_in": ACCESS_LIFETIME, "refresh_token": refresh.value,
            "refresh_token_expires_in": refresh.seconds_left(server.now()), "scope": ",".join(grant.scopes)}


def install(emulator: Emulator, app: web.Application) -> None:
    """Register LinkedIn's OAuth endpoints on `emulator`'s app."""
    server = emulator.oauth
    assert server is not None
    spec = AuthorizeSpec(title="LinkedIn", separators=" ,", scope_labels=LABELS,
                         deny_error="user_cancelled_authorize", deny_description="The user cancelled the authorization")

    async def consent(request: web.Request) -> web.Response:
        return await authorize(request, server, spec)

    async def token(request: web.Request) -> web.Response:
        form = await form_fields(request)
        try:
            server.check_client(form.get("client_id"), form.get("client_secret"))
        except Refusal:
            return oauth_error(401, "invalid_client", "Client authentication failed")
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            try:
                grant = server.redeem(str(form.get("code") or ""), form.get("redirect_uri"), form.get("code_verifier"))
            except Refusal:
                return oauth_error(400, "invalid_request", BAD_CODE)
            return web.json_response(_answer(server, grant, None))
        if grant_type == "refresh_token":
            try:
                refresh = server.check(str(form.get("refresh_token") or ""), "refresh")
            except Refusal:
                return oauth_error(400, "invalid_grant", "The provided authorization grant or refresh token is invalid, "
                                                         "expired or revoked.")
            server.refreshes += 1
            return web.json_response(_answer(server, refresh.grant, refresh))
        return oauth_error(400, "invalid_request", "A required parameter \"grant_type\" is missing" if not grant_type
                           else f"Unsupported grant_type {grant_type}")

    for method in ("GET", "POST"):
        emulator.add_open_route(app, method, "/oauth/v2/authorization", consent, faults=False)
    emulator.add_open_route(app, "POST", "/oauth/v2/accessToken", token)
