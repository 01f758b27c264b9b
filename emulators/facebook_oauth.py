"""Facebook Login as the Facebook emulator serves it, and the Graph calls that hang on a user token.

`/vNN.N/dialog/oauth` (consent, with the Pages the user lets the app use), `/vNN.N/oauth/access_token`
(code → short-lived user token, 3600 s; grant_type=fb_exchange_token → long-lived, 60 days),
`/debug_token`, then with the user token `/me`, `/me/accounts` (a Page token per chosen Page with
its tasks: never expiring when the user token is long-lived, otherwise living as long as it) and
`/me/permissions`; with a Page token `/{page-id}/subscribed_apps` (needs pages_manage_metadata).
Errors are Graph's: code 1 / 101 for the client, 100 (subcodes 36007-36009) for codes, 190 for
tokens, 10 and 200 for permissions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from emulators import meta_graph as graph
from emulators import meta_webhooks
from emulators.oauth import Refusal, Token, space_list
from emulators.oauth_consent import AuthorizeSpec, authorize

if TYPE_CHECKING:
    from emulators.facebook import FacebookEmulator

SHORT_LIFETIME = 3600
LONG_LIFETIME = 5_184_000  # 60 days
USER = {"id": "10158000000000001", "name": "Marie Tremblay"}
APP_NAME = "Jasette"
READ = ("pages_read_engagement", "pages_read_user_content")
WRITE = "pages_manage_engagement"
LABELS = {
    "pages_show_list": "Voir la liste de vos Pages / Show a list of the Pages you manage",
    "pages_read_engagement": "Lire le contenu de vos Pages / Read content posted on your Pages",
    "pages_read_user_content": "Lire les publications des visiteurs / Read user content on your Pages",
    "pages_manage_engagement": "Répondre et masquer des commentaires / Reply to and hide comments",
    "pages_manage_metadata": "Gérer les réglages et webhooks des Pages / Manage Page settings and webhooks",
    "business_management": "Gérer votre entreprise / Manage your business",
}
CODE_ERRORS = {
    "used": (36009, "This authorization code has been used."),
    "expired": (36007, "This authorization code has expired."),
    "redirect": (36008, "Error validating verification code. Please make sure your redirect_uri is identical to the "
                        "one you used in the OAuth dialog request"),
    "pkce": (None, "Invalid code verifier."),
    "revoked": (None, "Invalid verification code format."),
    "unknown": (None, "Invalid verification code format."),
}


def _client_error(emulator: FacebookEmulator, params: dict[str, str]) -> web.Response | None:
    server = emulator.oauth
    assert server is not None
    if not server.known_client(params.get("client_id")):
        return graph.graph_error(400, 101, "Error validating application. Invalid application ID.")
    try:
        server.check_client(params.get("client_id"), params.get("client_secret"))
    except Refusal:
        return graph.graph_error(400, 1, "Error validating client secret.")
    return None


def _user_token(emulator: FacebookEmulator, value: str | None) -> Token | web.Response:
    assert emulator.oauth is not None
    try:
        token = emulator.oauth.check(value)
    except Refusal as refusal:
        if refusal.reason == "unknown":
            return graph.invalid_token()
        return graph.token_error(refusal.reason, emulator.oauth.tokens.get(value or ""))
    if token.extra.get("type") != "user":
        return graph.graph_error(400, 190, "Invalid OAuth access token - a user access token is required")
    return token


def install(emulator: FacebookEmulator, app: web.Application) -> None:
    """Register Facebook Login's endpoints on the emulator's app."""
    server = emulator.oauth
    assert server is not None
    spec = AuthorizeSpec(
        title="Facebook", separators=", ", scope_labels=LABELS,
        accounts=lambda: [(p["id"], p["name"]) for p in emulator.pages],
        accounts_legend="Pages que l’app pourra utiliser / Pages the app may use",
        deny_description="Permissions error", deny_extra={"error_reason": "user_denied"},
    )

    async def consent(request: web.Request) -> web.Response:
        return await authorize(request, server, spec)

    async def access_token(request: web.Request) -> web.Response:
        params = await graph.params_of(request)
        if (error := _client_error(emulator, params)) is not None:
            return error
        if params.get("grant_type") == "fb_exchange_token":
            user = _user_token(emulator, params.get("fb_exchange_token"))
            if isinstance(user, web.Response):
                return user
            long = server.issue(user.grant, "access", LONG_LIFETIME, prefix="EAAG", type="user", long_lived=True)
            return web.json_response({"access_token": long.value, "token_type": "bearer", "expires_in": LONG_LIFETIME})
        try:
            grant = server.redeem(params.get("code"), params.get("redirect_uri"), params.get("code_verifier"))
        except Refusal as refusal:
            subcode, message = CODE_ERRORS[refusal.reason]
            return graph.graph_error(400, 100, message, subcode=subcode)
        user = server.issue(grant, "access", SHORT_LIFETIME, prefix="EAAG", type="user", long_lived=False)
        return web.json_response({"access_token": user.value, "token_type": "bearer", "expires_in": SHORT_LIFETIME})

    async def debug_token(request: web.Request) -> web.Response:
        params = await graph.params_of(request)
        app_token = f"{server.client_id}|{server.client_secret}"
        if params.get("access_token") != app_token and server.status(params.get("access_token"))[0] != "ok":
            return graph.invalid_token()
        found = server.tokens.get(params.get("input_token") or "")
        status = server.status(found.value)[0] if found else "unknown"
        data: dict[str, Any] = {"app_id": server.client_id, "application": APP_NAME, "is_valid": status == "ok"}
        if found is not None:
            data.update(type="PAGE" if found.extra.get("type") == "page" else "USER", user_id=USER["id"],
                        issued_at=int(found.issued.timestamp()),
                        expires_at=0 if found.expires is None else int(found.expires.timestamp()),
                        data_access_expires_at=int(found.grant.created.timestamp()) + 90 * 86400,
                        scopes=list(found.scopes))
            if found.extra.get("page_id"):
                data["profile_id"] = found.extra["page_id"]
        if status != "ok":
            data["error"] = {"code": 190, "message": "Error validating access token", "subcode": 460 if status == "revoked" else 463}
        return web.json_response({"data": data})

    for method in ("GET", "POST"):
        graph.add_versioned_route(emulator, app, method, "/dialog/oauth", consent, faults=False)
        graph.add_versioned_route(emulator, app, method, "/oauth/access_token", access_token)
    graph.add_versioned_route(emulator, app, "GET", "/debug_token", debug_token)


def answer(emulator: FacebookEmulator, request: web.Request, segments: list[str], params: dict[str, str]) -> web.Response | None:
    """The Graph calls of Facebook Login: /me, /me/accounts, /me/permissions, subscribed_apps."""
    token = emulator.oauth_token(request)
    kind = token.extra.get("type") if token else None
    if segments == ["me"] and kind == "user" and request.method == "GET":
        return web.json_response(graph.select(USER, graph.parse_fields(params.get("fields")), ("id", "name")))
    if segments == ["me", "accounts"] and request.method == "GET":
        return _accounts(emulator, request, token)
    if segments == ["me", "permissions"] and request.method == "GET" and token is not None:
        asked = token.grant.extra.get("requested", [])
        return web.json_response({"data": [
            {"permission": p, "status": "granted" if p in token.scopes else "declined"} for p in asked]})
    if len(segments) == 2 and segments[1] == "subscribed_apps":
        return _subscribed_apps(emulator, request, segments[0], token, params)
    return None


def _accounts(emulator: FacebookEmulator, request: web.Request, token: Token | None) -> web.Response:
    assert emulator.oauth is not None
    if token is not None and token.extra.get("type") != "user":
        return graph.graph_error(400, 100, "(#100) Tried accessing nonexisting field (accounts) on node type (Page)")
    chosen = token.grant.extra.get("accounts", []) if token else [p["id"] for p in emulator.pages]
    rows = []
    for page in emulator.pages:
        if page["id"] not in chosen or (token is not None and "pages_show_list" not in token.scopes):
            continue
        rows.append({**page, "access_token": _page_token(emulator, token, page["id"]),
                     "category_list": [{"id": "2252", "name": page["category"]}]})
    fields = graph.parse_fields(request.query.get("fields"))
    data = [graph.select(r, fields, ("access_token", "category", "category_list", "name", "id", "tasks")) for r in rows]
    body: dict[str, Any] = {"data": data}
    if data:
        body["paging"] = {"cursors": {"before": graph.encode_cursor((data[0]["id"],)),
                                      "after": graph.encode_cursor((data[-1]["id"],))}}
    return web.json_response(body)


def _page_token(emulator: FacebookEmulator, user: Token | None, page_id: str) -> str:
    """One Page token per user token and Page: forever from a long-lived user token, else as long as it."""
    assert emulator.oauth is not None
    if user is None:
        return emulator.token
    cache: dict[str, str] = user.extra.setdefault("page_tokens", {})
    if page_id not in cache:
        lifetime = None if user.extra.get("long_lived") else user.seconds_left(emulator.oauth.now())
        cache[page_id] = emulator.oauth.issue(user.grant, "access", lifetime, prefix="EAAG", type="page",
                                              page_id=page_id).value
    return cache[page_id]


def _subscribed_apps(emulator: FacebookEmulator, request: web.Request, page_id: str, token: Token | None,
                     params: dict[str, str]) -> web.Response:
    server = emulator.oauth
    assert server is not None
    if page_id not in {p["id"] for p in emulator.pages}:
        return graph.missing_object(page_id, request.method.lower())
    if token is not None and token.extra.get("page_id") != page_id:
        return graph.permission_error(210, "(#210) A page access token is required to request this resource.")
    if request.method == "GET":
        fields = meta_webhooks.subscribed_fields(server, "page", page_id)
        data = [{"category": "Business", "link": "https://jasette.example/", "name": APP_NAME, "id": server.client_id,
                 "subscribed_fields": fields}] if fields else []
        return web.json_response({"data": data})
    if token is not None and "pages_manage_metadata" not in token.scopes:
        return graph.permission_error(200, "(#200) Requires pages_manage_metadata permission to manage the object")
    if request.method == "DELETE":
        meta_webhooks.unsubscribe(server, "page", page_id)
        return web.json_response({"success": True})
    if request.method != "POST":
        return graph.missing_object(page_id, request.method.lower())
    fields = space_list(params.get("subscribed_fields"), ", ")
    if (message := meta_webhooks.unknown_field("page", fields)) is not None:
        return graph.graph_error(400, 100, message)
    meta_webhooks.subscribe(server, "page", page_id, fields)
    return web.json_response({"success": True})


def permission_refusal(emulator: FacebookEmulator, request: web.Request, page_id: str | None) -> web.Response | None:
    """Graph's code 10 / 200 when the request's token may not read or act on the Page's content."""
    token = emulator.oauth_token(request)
    if token is None:
        return None
    if request.method == "GET":
        if not set(READ) & set(token.scopes):
            return graph.permission_error(10, "(#10) This endpoint requires the 'pages_read_engagement' permission or "
                                              "the 'Page Public Content Access' feature.")
        return None
    if WRITE not in token.scopes:
        return graph.permission_error(200, "(#200) Requires pages_manage_engagement permission to manage the object")
    page = next((p for p in emulator.pages if p["id"] == (token.extra.get("page_id") or page_id)), None)
    if token.extra.get("type") == "page" and (page is None or "MODERATE" not in page["tasks"]
                                              or (page_id and page["id"] != page_id)):
        return graph.permission_error(200, "(#200) The user does not have the MODERATE task on this Page")
    return None
