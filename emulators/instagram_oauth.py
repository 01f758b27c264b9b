"""Instagram API with Instagram Login (Business Login for Instagram), as the Instagram emulator serves it.

`/oauth/authorize` (www.instagram.com: consent), `POST /oauth/access_token` (api.instagram.com:
code → short-lived token, one hour; errors in that host's own flat shape {"error_type",
"code", "error_message"}), `GET /access_token?grant_type=ig_exchange_token` (graph.instagram.com:
→ long-lived, 60 days) and `GET /refresh_access_token?grant_type=ig_refresh_token` (a long-lived
token at least 24 hours old and unexpired → a new one for 60 days). `/me` and
`/me/subscribed_apps` are answered by the emulator with the token's account.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from aiohttp import web

from emulators import meta_graph as graph
from emulators import meta_webhooks
from emulators.oauth import Refusal, Token, space_list
from emulators.oauth_consent import AuthorizeSpec, authorize, form_fields

if TYPE_CHECKING:
    from emulators.instagram import InstagramEmulator

SHORT_LIFETIME = 3600
LONG_LIFETIME = 5_184_000
REFRESHABLE_AFTER = timedelta(hours=24)
BASIC = "instagram_business_basic"
MANAGE_COMMENTS = "instagram_business_manage_comments"
LABELS = {
    BASIC: "Voir votre profil et vos publications / See your profile and media",
    MANAGE_COMMENTS: "Lire, répondre et masquer les commentaires / Read, reply to and hide comments",
    "instagram_business_manage_messages": "Gérer les messages / Manage messages",
    "instagram_business_content_publish": "Publier du contenu / Publish content",
}
CODE_ERRORS = {
    "used": "This authorization code has been used",
    "expired": "This authorization code has expired",
    "redirect": "Error validating verification code. Please make sure your redirect_uri is identical to the one you "
                "used in the OAuth dialog request",
}


def _flat_error(message: str) -> web.Response:
    return web.json_response({"error_type": "OAuthException", "code": 400, "error_message": message}, status=400)


def _live(emulator: InstagramEmulator, value: str | None) -> Token | web.Response:
    assert emulator.oauth is not None
    try:
        return emulator.oauth.check(value)
    except Refusal as refusal:
        if refusal.reason == "unknown":
            return graph.invalid_token()
        return graph.token_error(refusal.reason, emulator.oauth.tokens.get(value or ""))


def install(emulator: InstagramEmulator, app: web.Application) -> None:
    """Register Instagram Login's endpoints on the emulator's app."""
    server = emulator.oauth
    assert server is not None
    spec = AuthorizeSpec(title="Instagram", separators=", ", scope_labels=LABELS,
                         accounts=lambda: [(emulator.user["id"], "@" + emulator.user["username"])],
                         accounts_multiple=False, accounts_legend="Compte professionnel / Professional account",
                         deny_description="The user denied your request.", deny_extra={"error_reason": "user_denied"})

    async def consent(request: web.Request) -> web.Response:
        return await authorize(request, server, spec)

    async def code_exchange(request: web.Request) -> web.Response:
        form = await form_fields(request)
        try:
            server.check_client(form.get("client_id"), form.get("client_secret"))
        except Refusal:
            return _flat_error("Invalid platform app" if not server.known_client(form.get("client_id"))
                               else "Error validating client secret.")
        if form.get("grant_type") != "authorization_code":
            return _flat_error("Invalid grant_type")
        try:
            grant = server.redeem(str(form.get("code") or ""), form.get("redirect_uri"), form.get("code_verifier"))
        except Refusal as refusal:
            return _flat_error(CODE_ERRORS.get(refusal.reason, "Invalid authorization code"))
        token = server.issue(grant, "access", SHORT_LIFETIME, prefix="IGAA", long_lived=False)
        return web.json_response({"access_token": token.value, "user_id": emulator.user["id"],
                                  "permissions": ",".join(grant.scopes)})

    async def exchange(request: web.Request) -> web.Response:
        query = request.query
        if query.get("grant_type") != "ig_exchange_token":
            return graph.graph_error(400, 100, "(#100) grant_type must be ig_exchange_token")
        try:
            server.check_client(server.client_id, query.get("client_secret"))
        except Refusal:
            return graph.graph_error(400, 1, "Error validating client secret.")
        short = _live(emulator, query.get("access_token"))
        if isinstance(short, web.Response):
            return short
        long = server.issue(short.grant, "access", LONG_LIFETIME, prefix="IGAA", long_lived=True)
        return web.json_response({"access_token": long.value, "token_type": "bearer", "expires_in": LONG_LIFETIME})

    async def refresh(request: web.Request) -> web.Response:
        query = request.query
        if query.get("grant_type") != "ig_refresh_token":
            return graph.graph_error(400, 100, "(#100) grant_type must be ig_refresh_token")
        token = _live(emulator, query.get("access_token"))
        if isinstance(token, web.Response):
            return token
        if not token.extra.get("long_lived"):
            return graph.graph_error(400, 100, "(#100) Only long-lived access tokens can be refreshed")
        if server.now() - token.issued < REFRESHABLE_AFTER:
            return graph.graph_error(400, 100, "(#100) The access token can be refreshed only once it is at least "
                                               "24 hours old")
        server.refreshes += 1
        new = server.issue(token.grant, "access", LONG_LIFETIME, prefix="IGAA", long_lived=True)
        return web.json_response({"access_token": new.value, "token_type": "bearer", "expires_in": LONG_LIFETIME})

    for method in ("GET", "POST"):
        emulator.add_open_route(app, method, "/oauth/authorize", consent, faults=False)
    emulator.add_open_route(app, "POST", "/oauth/access_token", code_exchange)
    graph.add_versioned_route(emulator, app, "GET", "/access_token", exchange)
    graph.add_versioned_route(emulator, app, "GET", "/refresh_access_token", refresh)


def answer(emulator: InstagramEmulator, request: web.Request, segments: list[str], params: dict[str, str]) -> web.Response | None:
    """/me (with user_id) and subscribed_apps of the account; None for every other path."""
    server = emulator.oauth
    assert server is not None
    user_id = emulator.user["id"]
    if segments == ["me"] and request.method == "GET":
        view = {**emulator.user, "user_id": user_id, "account_type": "BUSINESS", "name": "Café Démo"}
        return web.json_response(graph.select(view, graph.parse_fields(params.get("fields")), ("id",)))
    if len(segments) != 2 or segments[1] != "subscribed_apps" or segments[0] not in ("me", user_id):
        return None
    if request.method == "GET":
        fields = meta_webhooks.subscribed_fields(server, "instagram", user_id)
        return web.json_response({"data": [{"id": server.client_id, "subscribed_fields": fields}] if fields else []})
    if request.method == "DELETE":
        meta_webhooks.unsubscribe(server, "instagram", user_id)
        return web.json_response({"success": True})
    fields = space_list(params.get("subscribed_fields"), ", ")
    if (message := meta_webhooks.unknown_field("instagram", fields)) is not None:
        return graph.graph_error(400, 100, message)
    meta_webhooks.subscribe(server, "instagram", user_id, fields)
    return web.json_response({"success": True})


def permission_refusal(emulator: InstagramEmulator, request: web.Request) -> web.Response | None:
    """Code 10 when the token lacks instagram_business_basic (reads) or ..._manage_comments (writes)."""
    token = emulator.oauth_token(request)
    if token is None:
        return None
    needed = BASIC if request.method == "GET" else MANAGE_COMMENTS
    if needed not in token.scopes:
        return graph.permission_error(10, "(#10) Application does not have permission for this action")
    return None
