"""The consent page every OAuth emulator shows at its authorize URL, and what "allow" or "deny" does.

GET shows the app (client_id), each requested scope with a checkbox (ticked), an account chooser
where the platform has one, and two buttons; the form POSTs back to the same path with the query
in hidden fields. Allow redirects to redirect_uri with a code and the state, deny with
error=access_denied (or the platform's own word). A bad client or redirect_uri gets a 400 page and
no redirect: the platforms never send a browser to an address their app did not register.

Everything shown is escaped; the page carries no script and a strict Content-Security-Policy.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from multidict import MultiDict, MultiDictProxy
from yarl import URL

from emulators.oauth import OAuthServer, space_list

CSS_PATH = "/_oauth/consent.css"
CSP = "default-src 'none'; style-src 'self'; img-src 'none'; base-uri 'none'; frame-ancestors 'none'"
CSS = """body{font-family:system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;color:#1c1e21}
fieldset{border:1px solid #ccd0d5;border-radius:6px;margin:1rem 0}label{display:block;margin:.4rem 0}
code{background:#f0f2f5;padding:0 .2rem}button{font-size:1rem;padding:.5rem 1.2rem;margin-right:.5rem}
#allow{background:#1877f2;color:#fff;border:0;border-radius:6px}"""
# Fields the page itself adds; everything else posted back is the original query.
_OWN = ("decision", "scope", "account", "requested_scope", "consent_form")


@dataclass
class AuthorizeSpec:
    """How one platform's authorize endpoint behaves."""

    title: str  # who the page stands for: "Facebook", "Google"...
    separators: str = " "  # first one joins scopes in `scope` answers
    require_pkce: bool = False
    scope_labels: dict[str, str] = field(default_factory=dict)
    # The account chooser: (value, label) pairs, several may be ticked (Meta's Pages) or one (Google).
    accounts: Callable[[], Sequence[tuple[str, str]]] | None = None
    accounts_multiple: bool = True
    accounts_legend: str = "Compte / Account"
    deny_error: str = "access_denied"
    deny_description: str = "The user denied your request."
    deny_extra: dict[str, str] = field(default_factory=dict)
    # Called with (params, granted scopes) before a code is issued; its dict is kept on the grant.
    on_allow: Callable[[dict[str, str], list[str]], dict[str, Any]] | None = None


def _page(status: int, body: str) -> web.Response:
    return web.Response(status=status, text=body, content_type="text/html", charset="utf-8",
                        headers={"Content-Security-Policy": CSP, "X-Frame-Options": "DENY", "Cache-Control": "no-store"})


def error_page(title: str, message: str) -> web.Response:
    """The 400 page for a request the platform will not redirect (bad client, bad redirect_uri)."""
    e = html.escape
    return _page(400, f"<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>{e(title)} — erreur / error"
                      f"</title><link rel=\"stylesheet\" href=\"{CSS_PATH}\"></head><body><main><h1>{e(title)}</h1>"
                      f"<p>{e(message)}</p></main></body></html>")


async def css(request: web.Request) -> web.Response:
    """The page's only style, served so the CSP needs no inline style."""
    return web.Response(text=CSS, content_type="text/css", headers={"Cache-Control": "max-age=3600"})


def redirect(to: str, params: dict[str, str]) -> web.Response:
    """302 to `to` with `params` added to its query."""
    url = URL(to)
    query = MultiDict(url.query)
    for key, value in params.items():
        query[key] = value
    return web.Response(status=302, headers={"Location": str(url.with_query(query)), "Cache-Control": "no-store"})


def absolute_http(uri: str | None) -> bool:
    """Whether `uri` is an absolute http(s) URL with a host, the only redirect a platform accepts."""
    if not uri:
        return False
    try:
        url = URL(uri)
    except ValueError:
        return False
    return url.scheme in ("http", "https") and bool(url.host) and not url.fragment


async def form_fields(request: web.Request) -> dict[str, str]:
    """A token endpoint's form as text fields (a file upload is no OAuth parameter)."""
    return {k: v for k, v in (await request.post()).items() if isinstance(v, str)}


async def _params(request: web.Request) -> tuple[dict[str, str], MultiDictProxy[Any] | None]:
    params = dict(request.query)
    form = None
    if request.method == "POST":
        form = await request.post()
        params.update({k: str(v) for k, v in form.items() if k not in _OWN})
        if "decision" in form:
            params["decision"] = str(form["decision"])
    return params, form


async def authorize(request: web.Request, server: OAuthServer, spec: AuthorizeSpec) -> web.Response:
    """GET: the consent page; POST: the user's decision, as a redirect."""
    params, form = await _params(request)
    client_id, redirect_uri = params.get("client_id"), params.get("redirect_uri")
    if not server.known_client(client_id):
        return error_page(spec.title, f"Application inconnue / Unknown app: client_id {client_id or '(absent)'}.")
    if not absolute_http(redirect_uri):
        return error_page(spec.title, "redirect_uri doit être une adresse http(s) absolue / "
                                      "redirect_uri must be an absolute http(s) URL.")
    assert redirect_uri is not None
    state = {"state": params["state"]} if "state" in params else {}
    if params.get("response_type") != "code":
        return redirect(redirect_uri, {"error": "unsupported_response_type",
                                       "error_description": "response_type must be code", **state})
    requested = _requested(params, form, spec)
    if not requested:
        return redirect(redirect_uri, {"error": "invalid_scope", "error_description": "scope is required", **state})
    challenge, method = params.get("code_challenge"), params.get("code_challenge_method") or "plain"
    if (spec.require_pkce and not challenge) or (challenge and method not in ("S256", "plain")):
        return redirect(redirect_uri, {"error": "invalid_request",
                                       "error_description": "code_challenge with code_challenge_method S256 is required",
                                       **state})
    if request.method == "GET" or params.get("decision") not in ("allow", "deny"):
        return _consent(request.path, params, requested, spec, server.client_id)
    if params["decision"] == "deny":
        return redirect(redirect_uri, {"error": spec.deny_error, "error_description": spec.deny_description,
                                       **spec.deny_extra, **state})
    granted = _granted(form, requested, spec)
    extra: dict[str, Any] = {"query": {k: v for k, v in params.items() if k != "decision"},
                             "accounts": _chosen(form, spec), "requested": requested}
    if spec.on_allow is not None:
        extra.update(spec.on_allow(params, granted))
    code = server.issue_code(granted, redirect_uri, challenge, method, extra)
    return redirect(redirect_uri, {"code": code, **state})


def _requested(params: dict[str, str], form: MultiDictProxy[Any] | None, spec: AuthorizeSpec) -> list[str]:
    if "requested_scope" in (form or {}):
        return space_list(str(form["requested_scope"]) if form else "", spec.separators)
    values = [str(v) for v in form.getall("scope", [])] if form is not None else []
    values += [params.get("scope", "")]
    return list(dict.fromkeys(s for v in values for s in space_list(v, spec.separators)))


def _granted(form: MultiDictProxy[Any] | None, requested: list[str], spec: AuthorizeSpec) -> list[str]:
    """The ticked scopes; posted without the page (no consent_form field) and no scope: all."""
    if form is None:
        return requested
    ticked = {s for v in form.getall("scope", []) for s in space_list(str(v), spec.separators)}
    if "consent_form" not in form and not ticked:
        return requested
    return [s for s in requested if s in ticked]


def _chosen(form: MultiDictProxy[Any] | None, spec: AuthorizeSpec) -> list[str]:
    offered = [value for value, _ in spec.accounts()] if spec.accounts else []
    picked = [str(v) for v in form.getall("account", [])] if form is not None else []
    if form is None or ("consent_form" not in form and not picked):
        return offered
    return [a for a in offered if a in picked]


def _consent(path: str, params: dict[str, str], requested: list[str], spec: AuthorizeSpec, client_id: str) -> web.Response:
    e = html.escape
    hidden = "".join(
        f'<input type="hidden" name="{e(k)}" value="{e(v)}">' for k, v in params.items() if k not in _OWN
    )
    hidden += f'<input type="hidden" name="requested_scope" value="{e(spec.separators[0].join(requested))}">'
    hidden += '<input type="hidden" name="consent_form" value="1">'
    scopes = "".join(
        f'<label><input type="checkbox" name="scope" value="{e(s)}" checked> <code>{e(s)}</code> '
        f"{e(spec.scope_labels.get(s, ''))}</label>" for s in requested
    )
    accounts = ""
    if spec.accounts is not None:
        kind = "checkbox" if spec.accounts_multiple else "radio"
        rows = "".join(
            f'<label><input type="{kind}" name="account" value="{e(value)}"'
            f'{" checked" if spec.accounts_multiple or index == 0 else ""}> {e(label)}</label>'
            for index, (value, label) in enumerate(spec.accounts())
        )
        accounts = f"<fieldset><legend>{e(spec.accounts_legend)}</legend>{rows}</fieldset>"
    body = (
        f'<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>{e(spec.title)} — autorisation / '
        f'authorization</title><link rel="stylesheet" href="{CSS_PATH}"></head><body><main>'
        f"<h1>{e(spec.title)}</h1>"
        f'<p>L’application <strong id="app">{e(client_id)}</strong> demande l’accès à votre compte. / '
        f"The app <strong>{e(client_id)}</strong> asks for access to your account.</p>"
        f'<form method="post" action="{e(path)}">{hidden}'
        f"<fieldset><legend>Autorisations demandées / Requested permissions</legend>{scopes}</fieldset>{accounts}"
        '<button id="allow" type="submit" name="decision" value="allow">Autoriser / Allow</button>'
        '<button id="deny" type="submit" name="decision" value="deny">Refuser / Deny</button>'
        "</form></main></body></html>"
    )
    return _page(200, body)
