"""The Microsoft identity platform (v2.0 endpoints) as the mail emulator's Microsoft 365 flavour
carries it: authorization code with PKCE, refresh tokens that rotate, an OpenID Connect ID token.

Paths of login.microsoftonline.com at the emulator's root, for any tenant segment (common,
organizations, consumers or a tenant id): `/{tenant}/oauth2/v2.0/authorize` (consent with an
account chooser) and `POST /{tenant}/oauth2/v2.0/token`. As documented
(learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow): access tokens live about an
hour (`expires_in` 3599, `ext_expires_in` too); `offline_access` grants a refresh token and every
refresh answers a new one (the old one keeps working until it lapses, as on Microsoft; clients
must store the new one); `openid` adds an `id_token` with `email`, `preferred_username`, `oid`,
`tid`. Errors carry Microsoft's AADSTS codes: 400 invalid_grant (AADSTS70008 expired code,
AADSTS54005 redeemed code, AADSTS501481 PKCE, AADSTS50173 revoked grant), 401 invalid_client
(AADSTS7000215). The ID token's signature is made up: nothing here publishes keys.
"""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from typing import Any

from aiohttp import web

from emulators.base import Emulator
from emulators.oauth import OAuthServer, Refusal
from emulators.oauth_consent import AuthorizeSpec, authorize, form_fields

ACCESS_LIFETIME = 3599
REFRESH_LIFETIME = 90 * 86400  # 90 days, the documented default lifetime of a refresh token
TENANT_ID = "9188040d-6c67-4c5b-b112-36a304b66dad"  # the consumer tenant id is documented; any GUID does
IMAP = "https://outlook.office.com/IMAP.AccessAsUser.All"
SMTP = "https://outlook.office.com/SMTP.Send"
OIDC = ("openid", "email", "profile", "offline_access")
LABELS = {
    IMAP: "Lire et écrire dans votre boîte aux lettres par IMAP / Read and write access to your mailbox via IMAP",
    SMTP: "Envoyer des courriels par SMTP / Send emails from mailboxes using SMTP AUTH",
    "offline_access": "Conserver l’accès aux données auxquelles vous lui avez donné accès / "
                      "Maintain access to data you have given it access to",
    "openid": "Vous connecter / Sign you in",
    "email": "Voir votre adresse e-mail / View your email address",
}


def aad_error(status: int, error: str, code: int, description: str) -> web.Response:
    """An error of the v2.0 token endpoint, with its AADSTS code, trace and correlation ids."""
    return web.json_response({
        "error": error, "error_description": f"AADSTS{code}: {description}", "error_codes": [code],
        "timestamp": "2026-12-05 12:00:00Z", "trace_id": str(uuid.uuid4()), "correlation_id": str(uuid.uuid4()),
    }, status=status, headers={"Cache-Control": "no-store"})


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")


def id_token(server: OAuthServer, address: str, name: str) -> str:
    """An ID token for the mailbox `address` (v2.0 claims; the signature is not a real one)."""
    now = int(server.now().timestamp())
    claims = {
        "ver": "2.0", "iss": f"https://login.microsoftonline.com/{TENANT_ID}/v2.0", "aud": server.client_id,
        "sub": "emulated-" + address.partition("@")[0], "oid": "00000000-0000-0000-66f3-3332eca7ea81", "tid": TENANT_ID,
        "iat": now, "nbf": now, "exp": now + 3600, "name": name, "email": address, "preferred_username": address,
    }
    header = {"typ": "JWT", "alg": "RS256", "kid": "emulator"}
    return f"{_b64(header)}.{_b64(claims)}.{base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip('=')}"


def install(emulator: Emulator, app: web.Application, account: tuple[str, str]) -> None:
    """Register the v2.0 authorize and token endpoints; `account` (address, label) signs in."""
    server = emulator.oauth
    assert server is not None
    spec = AuthorizeSpec(
        title="Microsoft", separators=" ", scope_labels=LABELS,
        accounts=lambda: [account], accounts_multiple=False, accounts_legend="Choisir un compte / Pick an account",
        deny_description="AADSTS65004: User declined to consent to access the app.",
    )

    async def consent(request: web.Request) -> web.Response:
        return await authorize(request, server, spec)

    async def token(request: web.Request) -> web.Response:
        return await _token(request, server, account)

    for method in ("GET", "POST"):
        emulator.add_open_route(app, method, "/{tenant}/oauth2/v2.0/authorize", consent, faults=False)
    emulator.add_open_route(app, "POST", "/{tenant}/oauth2/v2.0/token", token)


def _answer(server: OAuthServer, grant: Any, account: tuple[str, str]) -> web.Response:
    resource = tuple(s for s in grant.scopes if s not in OIDC)
    access = server.issue(grant, "access", ACCESS_LIFETIME, prefix="EwB", scopes=resource)
    body: dict[str, Any] = {"token_type": "Bearer", "scope": " ".join(resource), "expires_in": ACCESS_LIFETIME,
                            "ext_expires_in": ACCESS_LIFETIME, "access_token": access.value}
    if "offline_access" in grant.scopes:
        # Every answer carries a new refresh token (it replaces the one just used).
        body["refresh_token"] = server.issue(grant, "refresh", REFRESH_LIFETIME, prefix="M.C5").value
    if "openid" in grant.scopes:
        body["id_token"] = id_token(server, account[0], account[1].partition(" — ")[0])
    return web.json_response(body, headers={"Cache-Control": "no-store"})


async def _token(request: web.Request, server: OAuthServer, account: tuple[str, str]) -> web.Response:
    form = await form_fields(request)
    if not server.known_client(form.get("client_id")):
        return aad_error(400, "unauthorized_client", 700016,
                         f"Application with identifier '{form.get('client_id')}' was not found in the directory.")
    try:
        server.check_client(form.get("client_id"), form.get("client_secret"))
    except Refusal:
        return aad_error(401, "invalid_client", 7000215, "Invalid client secret provided.")
    grant_type = form.get("grant_type")
    if grant_type == "authorization_code":
        try:
            grant = server.redeem(form.get("code"), form.get("redirect_uri"), form.get("code_verifier"))
        except Refusal as refusal:
            code, words = {
                "used": (54005, "OAuth2 Authorization code was already redeemed."),
                "expired": (70008, "The provided authorization code or refresh token has expired due to inactivity."),
                "redirect": (50148, "The redirect_uri does not match the one of the authorization request."),
                "pkce": (501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request."),
                "revoked": (50173, "The provided grant has expired due to it being revoked."),
            }.get(refusal.reason, (9002313, "Invalid request. Request is malformed or invalid."))
            return aad_error(400, "invalid_grant", code, words)
        return _answer(server, grant, account)
    if grant_type == "refresh_token":
        try:
            refresh = server.check(form.get("refresh_token"), "refresh")
        except Refusal as refusal:
            if refusal.reason == "expired":
                return aad_error(400, "invalid_grant", 700082, "The refresh token has expired due to inactivity.")
            return aad_error(400, "invalid_grant", 50173, "The provided grant has expired due to it being revoked, "
                                                          "a fresh auth token is needed.")
        server.refreshes += 1
        return _answer(server, refresh.grant, account)
    return aad_error(400, "unsupported_grant_type", 70003, f"The app requested an unsupported grant type '{grant_type}'.")
