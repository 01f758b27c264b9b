"""OAuth 2.0 for connecting platform accounts: what every platform's flow shares.

A platform that connects through OAuth declares a `Provider` (its own module, named in
collector/registry.py OAUTH): where its consent page and token endpoint are, which scopes it
asks, how it refreshes, and how it lists what the grant covers (Pages, channels, locations,
organisations). This module holds the shared parts: the application credentials from the
environment, tokens and their expiry, the RFC 6749 token requests (with PKCE, RFC 7636, built
with Authlib) and the one rule that matters most for staying connected: only a *refused* grant
(`invalid_grant`, revoked, app removed) means "re-authorisation needed"; a network error, a 5xx
or a 429 while refreshing is transient and retried with backoff like any poll.
"""

from __future__ import annotations

import abc
import base64
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

import aiohttp
from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from collector.base import AuthFailed, FetchFailed, RateLimited
from collector.clock import utcnow
from collector.wire import Response, as_dict, request, retry_after_seconds

# Refresh this long before the access token expires, so a poll or a reply never starts with a
# token that dies on the way (Google's and X's tokens live one or two hours).
REFRESH_MARGIN_SECONDS = 300.0


class GrantRefused(AuthFailed):
    """The platform refused the grant for good (invalid_grant, revoked, app removed): only the
    owner can fix it by connecting again."""


class ConsentRefused(Exception):
    """The owner said no on the platform's consent page (or the platform reported an error)."""


class MissingScopes(Exception):
    """The owner unticked permissions Jasette needs; `scopes` says which."""

    def __init__(self, scopes: list[str]) -> None:
        super().__init__("missing permissions: " + ", ".join(scopes))
        self.scopes = scopes


@dataclass(frozen=True)
class OAuthApp:
    """The administrator's application at one platform: its client id and secret, and, for tests
    and the demo, the root that stands in for every one of the platform's hosts (an emulator)."""

    client_id: str
    client_secret: str = field(repr=False)
    root: str | None = None


class OAuthApps:
    """The applications configured for this install, by platform code.

    Read from JASETTE_OAUTH_<PLATFORM>_CLIENT_ID / _CLIENT_SECRET / _ROOT. Mutable on purpose: the
    demo starts its emulators after the settings are read and registers their applications then.
    """

    def __init__(self, apps: Mapping[str, OAuthApp] | None = None) -> None:
        self._apps: dict[str, OAuthApp] = dict(apps or {})

    @staticmethod
    def env_names(platform: str) -> tuple[str, str, str]:
        """The three settings of one platform's application."""
        key = platform.upper()
        return f"JASETTE_OAUTH_{key}_CLIENT_ID", f"JASETTE_OAUTH_{key}_CLIENT_SECRET", f"JASETTE_OAUTH_{key}_ROOT"

    @classmethod
    def from_env(cls, env: Mapping[str, str], platforms: list[str]) -> OAuthApps:
        """The applications the environment configures (a platform needs both id and secret)."""
        apps: dict[str, OAuthApp] = {}
        for platform in platforms:
            id_name, secret_name, root_name = cls.env_names(platform)
            client_id, secret = env.get(id_name, "").strip(), env.get(secret_name, "").strip()
            if client_id and secret:
                apps[platform] = OAuthApp(client_id, secret, (env.get(root_name) or "").strip().rstrip("/") or None)
        return cls(apps)

    def configure(self, platform: str, app: OAuthApp) -> None:
        """Register (or replace) one platform's application."""
        self._apps[platform] = app

    def get(self, platform: str) -> OAuthApp | None:
        """The platform's application, or None when the administrator has not set it up."""
        return self._apps.get(platform)

    def __repr__(self) -> str:
        return f"OAuthApps({sorted(self._apps)})"


@dataclass(frozen=True)
class Tokens:
    """What a token endpoint granted. `expires_at` is Unix seconds (None: does not expire)."""

    access_token: str
    refresh_token: str | None = None
    expires_at: float | None = None
    scopes: tuple[str, ...] = ()
    # When the refresh token itself dies (LinkedIn says; others do not).
    refresh_expires_at: float | None = None
    issued_at: float | None = None
    # OpenID Connect's signed-in identity (Microsoft's mail discovery reads it); never stored.
    id_token: str | None = field(default=None, repr=False)

    def as_credentials(self, previous: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The account's stored credentials: these tokens over the previous ones, never wiping a
        refresh token with an empty one (a platform may omit it on refresh or reconnect)."""
        creds = dict(previous or {})
        creds["access_token"] = self.access_token
        if self.refresh_token:
            creds["refresh_token"] = self.refresh_token
        if self.expires_at is not None:
            creds["expires_at"] = self.expires_at
        else:
            creds.pop("expires_at", None)  # this token does not expire (a Meta Page token)
        if self.refresh_expires_at is not None:
            creds["refresh_expires_at"] = self.refresh_expires_at
        if self.issued_at is not None:
            creds["issued_at"] = self.issued_at
        if self.scopes:
            creds["scopes"] = list(self.scopes)
        creds["oauth"] = True
        return creds

    @classmethod
    def of(cls, creds: Mapping[str, Any]) -> Tokens:
        """The tokens stored in an account's credentials."""
        return cls(
            access_token=str(creds.get("access_token") or ""),
            refresh_token=str(creds["refresh_token"]) if creds.get("refresh_token") else None,
            expires_at=_number(creds.get("expires_at")),
            scopes=tuple(str(s) for s in creds.get("scopes") or ()),
            refresh_expires_at=_number(creds.get("refresh_expires_at")),
            issued_at=_number(creds.get("issued_at")),
        )


@dataclass
class Choice:
    """One thing a grant covers that can become an account: a Page, a channel, a location..."""

    external_id: str
    name: str
    credentials: dict[str, Any]
    settings: dict[str, Any] = field(default_factory=dict)
    base_url: str = ""
    # Why it cannot be connected (e.g. the member may not moderate this Page), in English.
    problem: str | None = None
    # When the connection stops unless the owner acts (a token that cannot be refreshed).
    expires_at: float | None = None
    # Settings that belong to the grant and replace the stored ones on a reconnect (a mailbox's
    # sending server and the application that granted it); `settings` only fill gaps.
    bound_settings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Flow:
    """A started connection: the consent page's address, and what the callback needs to finish."""

    url: str
    state: str
    verifier: str | None


def _number(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def rooted(real: str, app: OAuthApp | None) -> str:
    """`real` with its scheme and host replaced by the application's root when it has one."""
    if app is None or not app.root:
        return real
    parts, root = urlsplit(real), urlsplit(app.root)
    path = root.path.rstrip("/") + parts.path
    return urlunsplit((root.scheme, root.netloc, path, parts.query, parts.fragment))


def connect_code(platform: str, credentials: Mapping[str, Any]) -> str:
    """The OAuth application an account's tokens belong to: the code it was connected with
    (collector/registry.py OAUTH), which differs from its platform when several applications
    serve one platform (e-mail: "gmail" and "outlook" both save "imap" accounts)."""
    return str(credentials.get("oauth_provider") or platform)


class Provider(abc.ABC):
    """One platform's OAuth: subclasses set the endpoints and scopes, and list what a grant covers."""

    # The platform of the accounts it saves (a collector in collector/registry.py COLLECTORS).
    platform: ClassVar[str] = ""
    # Its connect code (/settings/connect/{code}, JASETTE_OAUTH_<CODE>_*) when it is not the
    # platform itself, and the name people read for it then ("Gmail").
    code: ClassVar[str] = ""
    display_name: ClassVar[str] = ""
    authorize_url: ClassVar[str] = ""
    token_url: ClassVar[str] = ""
    scopes: ClassVar[tuple[str, ...]] = ()
    # Scopes the connection cannot work without; the others are asked but optional.
    required_scopes: ClassVar[tuple[str, ...]] = ()
    scope_separator: ClassVar[str] = " "
    pkce: ClassVar[bool] = True
    # The client authenticates with HTTP Basic (RFC 6749 section 2.3.1) instead of form fields.
    basic_auth: ClassVar[bool] = False
    extra_authorize_params: ClassVar[Mapping[str, str]] = {}
    # Seconds before expiry when the access token is renewed (long-lived tokens renew earlier).
    refresh_margin: ClassVar[float] = REFRESH_MARGIN_SECONDS
    # What the administrator sets up at the platform, shown in Settings (English, translated).
    setup_hint: ClassVar[str] = ""
    # Meta signs its webhooks with the secret of the app they are for (X-Hub-Signature-256).
    signs_webhooks: ClassVar[bool] = False
    # The platform's API root saved on a connected account (the emulator's root in the demo).
    api_base: ClassVar[str] = ""

    @property
    def connect_code(self) -> str:
        """Where the owner starts it (/settings/connect/{code}) and the key of its application."""
        return self.code or self.platform

    # -- starting and finishing the flow ---------------------------------------------------
    def start(self, app: OAuthApp, redirect_uri: str) -> Flow:
        """A fresh state and PKCE verifier, and the consent page's address."""
        state = generate_token(32)
        verifier = generate_token(64) if self.pkce else None
        params: dict[str, str] = dict(self.extra_authorize_params)
        if verifier:
            challenge: str = create_s256_code_challenge(verifier)  # type: ignore[no-untyped-call]
            params.update(code_challenge=challenge, code_challenge_method="S256")
        url = prepare_grant_uri(
            rooted(self.authorize_url, app), app.client_id, "code", redirect_uri=redirect_uri,
            scope=self.scope_separator.join(self.scopes), state=state, **params,
        )
        return Flow(url=str(url), state=state, verifier=verifier)

    async def exchange(self, session: aiohttp.ClientSession, app: OAuthApp, code: str, redirect_uri: str,
                       verifier: str | None) -> Tokens:
        """Trade the authorization code for tokens (and, where the platform has one, a long-lived token)."""
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        if verifier:
            form["code_verifier"] = verifier
        return await self.token_request(session, app, form, what="code exchange")

    async def refresh(self, session: aiohttp.ClientSession, app: OAuthApp, tokens: Tokens, *, now: float | None = None) -> Tokens:
        """New tokens from the refresh token (RFC 6749 section 6); GrantRefused when refused for good.
        `now` (Unix seconds) dates the new expiry; the worker's clock, injected in tests."""
        if not tokens.refresh_token:
            raise GrantRefused(f"{self.platform}: the token expired and no refresh token was granted")
        fresh = await self.token_request(session, app, {"grant_type": "refresh_token", "refresh_token": tokens.refresh_token},
                                         what="token refresh", now=now)
        # Most platforms do not send the refresh token again; X rotates it (the new one replaces the old).
        return replace(fresh, refresh_token=fresh.refresh_token or tokens.refresh_token,
                       scopes=fresh.scopes or tokens.scopes)

    def can_refresh(self, tokens: Tokens) -> bool:
        """Whether these tokens can be renewed without the owner (a refresh token, or a renewable token)."""
        return bool(tokens.refresh_token)

    def needs_refresh(self, tokens: Tokens, now: float) -> bool:
        """True when the access token is expired or within the margin of it, and can be renewed."""
        return tokens.expires_at is not None and tokens.expires_at - now <= self.refresh_margin and self.can_refresh(tokens)

    def missing(self, granted: tuple[str, ...]) -> list[str]:
        """Required scopes the grant lacks (nothing when the platform does not say what it granted)."""
        if not granted:
            return []
        return [s for s in self.required_scopes if s not in granted]

    @abc.abstractmethod
    async def discover(self, session: aiohttp.ClientSession, app: OAuthApp, tokens: Tokens) -> list[Choice]:
        """What the grant covers, each ready to be saved as an account."""

    async def subscribe(self, session: aiohttp.ClientSession, app: OAuthApp, choice: Choice) -> None:
        """Subscribe the account to the application's webhooks (platforms that push); default none."""
        return None

    def api_root(self, app: OAuthApp | None) -> str:
        """The API address saved on the account: '' for the platform's own, the emulator's otherwise."""
        return app.root if app is not None and app.root else self.api_base

    # -- the token endpoint ----------------------------------------------------------------
    async def token_request(self, session: aiohttp.ClientSession, app: OAuthApp, form: dict[str, str], *, what: str,
                            method: str = "POST", url: str | None = None, now: float | None = None) -> Tokens:
        """One call to the token endpoint, its answer checked and read."""
        headers: dict[str, str] = {"Accept": "application/json"}
        body = dict(form)
        if self.basic_auth:
            pair = f"{app.client_id}:{app.client_secret}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
            body.setdefault("client_id", app.client_id)
        else:
            body.update(client_id=app.client_id, client_secret=app.client_secret)
        target = url or rooted(self.token_url, app)
        if method == "GET":
            resp = await request(session, "GET", target, params=body, headers=headers)
        else:
            resp = await request(session, "POST", target, form=body, headers=headers)
        check_token_answer(resp, self.platform, what)
        return tokens_from(resp.body, now=time.time() if now is None else now)


def check_token_answer(resp: Response, platform: str, what: str) -> None:
    """Raise by what a token endpoint said: refused for good, slow down, or a transient failure."""
    if resp.status == 429:
        raise RateLimited(f"{platform} {what}: HTTP 429", retry_after_seconds(resp.headers, utcnow()))
    if resp.status >= 500 or resp.unreadable is not None:
        raise FetchFailed(f"{platform} {what}: HTTP {resp.status}")
    if resp.status < 400 and as_dict(resp.body).get("access_token"):
        return
    body = as_dict(resp.body)
    error = body.get("error")
    if isinstance(error, dict):  # Meta's shape: {"error": {"message", "type", "code", "error_subcode"}}
        code = error.get("code")
        if code in (1, 2, 4, 17, 341):  # Meta's temporary and throttling codes (platform-apis.md 1.5)
            raise FetchFailed(f"{platform} {what}: {error.get('message', '')}")
        raise GrantRefused(f"{platform} {what} refused: {str(error.get('message', ''))[:200]}")
    # RFC 6749's error_description; LinkedIn's message; Instagram's flat {error_type, error_message}.
    description = str(body.get("error_description") or body.get("message") or body.get("error_message") or "")[:200]
    error = error or body.get("error_type")
    if resp.status < 400:
        raise FetchFailed(f"{platform} {what}: the answer holds no access token")
    # RFC 6749 section 5.2: invalid_grant (expired, revoked), invalid_client (app removed or
    # secret changed), unauthorized_client... all mean a person must act.
    raise GrantRefused(f"{platform} {what} refused ({error or resp.status}): {description}")


def tokens_from(body: Any, *, now: float) -> Tokens:
    """The tokens of a token endpoint's JSON answer (RFC 6749 section 5.1)."""
    data = as_dict(body)
    expires_in = _number(data.get("expires_in"))
    refresh_in = _number(data.get("refresh_token_expires_in"))
    raw_scope = data.get("scope") if data.get("scope") is not None else data.get("permissions")
    if isinstance(raw_scope, list):
        scopes = tuple(str(s) for s in raw_scope)
    else:
        scopes = tuple(s for s in str(raw_scope or "").replace(",", " ").split() if s)
    return Tokens(
        access_token=str(data.get("access_token") or ""),
        refresh_token=str(data["refresh_token"]) if data.get("refresh_token") else None,
        # expires_in 0 is Meta's "never" for Page tokens.
        expires_at=now + expires_in if expires_in else None,
        scopes=scopes,
        refresh_expires_at=now + refresh_in if refresh_in else None,
        issued_at=now,
        id_token=str(data["id_token"]) if data.get("id_token") else None,
    )
