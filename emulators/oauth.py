"""The OAuth 2.0 authorization server every OAuth emulator carries: its clock, its one client,
authorization codes, grants and their access and refresh tokens.

Platform-neutral on purpose: each platform module (facebook_oauth, instagram_oauth, google_oauth,
x_oauth, linkedin_oauth) decides lifetimes, rotation and error shapes, and calls this for the
bookkeeping. A grant is one "allow" on a consent page; revoking it kills every token issued
from it, as removing an app does on the real platforms.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import math
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

CODE_LIFETIME = timedelta(minutes=10)


def default_client(platform: str) -> tuple[str, str]:
    """The client id and secret an emulator takes when none are given (the demo's app)."""
    return f"demo-{platform}-client", f"demo-{platform}-secret"


class Refusal(Exception):
    """A code, token or client the server refuses; `reason` tells the platform module which of
    its own error shapes to answer with: unknown, used, expired, revoked, redirect, pkce, client."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Grant:
    """One consent: the client, the scopes the user left ticked, and what the platform hangs on it
    (chosen Pages, offline access...)."""

    id: int
    client_id: str
    scopes: tuple[str, ...]
    created: datetime
    extra: dict[str, Any] = field(default_factory=dict)
    revoked: bool = False


@dataclass
class Token:
    """An access or refresh token of a grant. `expires` None: never (Meta Page tokens)."""

    value: str
    kind: str  # "access" | "refresh"
    grant: Grant
    issued: datetime
    expires: datetime | None
    scopes: tuple[str, ...]
    extra: dict[str, Any] = field(default_factory=dict)
    revoked: bool = False

    def seconds_left(self, now: datetime) -> int | None:
        """Whole seconds until expiry (None: never expires)."""
        return None if self.expires is None else max(0, math.ceil((self.expires - now).total_seconds()))


@dataclass
class Code:
    """An authorization code: single use, ten minutes, bound to its redirect_uri and PKCE challenge."""

    value: str
    grant: Grant
    redirect_uri: str
    issued: datetime
    challenge: str | None = None
    method: str = "S256"
    used: bool = False


def pkce_matches(verifier: str, challenge: str, method: str) -> bool:
    """RFC 7636: S256 is base64url(sha256(verifier)) without padding; plain is the verifier itself."""
    if method == "plain":
        expected = verifier
    else:
        expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii", "replace")).digest()).decode().rstrip("=")
    return hmac.compare_digest(expected.encode(), challenge.encode("utf-8", "replace"))


class OAuthServer:
    """Codes, grants and tokens of one emulator, on a clock that the control API can move."""

    def __init__(self, platform: str, client_id: str | None = None, client_secret: str | None = None) -> None:
        default_id, default_secret = default_client(platform)
        self.platform = platform
        self.client_id = client_id or default_id
        self.client_secret = client_secret or default_secret
        self.offset = timedelta(0)
        self.codes: dict[str, Code] = {}
        self.tokens: dict[str, Token] = {}
        self.grants: list[Grant] = []
        self.subscriptions: list[dict[str, Any]] = []  # Meta subscribed_apps, shown in the state
        self.remembered: set[str] = set()  # consents already given (Google omits a second refresh token)
        self.codes_issued = 0
        self.tokens_issued = 0
        self.refreshes = 0
        self._grant_ids = itertools.count(1)

    # -- clock ---------------------------------------------------------------------------------
    def now(self) -> datetime:
        """The emulator's time: the wall clock moved by POST /_control/clock."""
        return datetime.now(UTC) + self.offset

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward (or back) and return the new time."""
        self.offset += timedelta(seconds=seconds)
        return self.now()

    # -- clients -------------------------------------------------------------------------------
    def known_client(self, client_id: str | None) -> bool:
        """Whether `client_id` is this server's app."""
        return bool(client_id) and hmac.compare_digest(str(client_id).encode(), self.client_id.encode())

    def check_client(self, client_id: str | None, client_secret: str | None) -> None:
        """Refuse an unknown client or a wrong secret (Refusal "client")."""
        if not self.known_client(client_id) or not client_secret or not hmac.compare_digest(
            str(client_secret).encode(), self.client_secret.encode()
        ):
            raise Refusal("client")

    # -- codes ---------------------------------------------------------------------------------
    def issue_code(
        self,
        scopes: list[str],
        redirect_uri: str,
        challenge: str | None = None,
        method: str = "S256",
        extra: dict[str, Any] | None = None,
    ) -> str:
        """A new grant and the code that redeems it."""
        grant = Grant(id=next(self._grant_ids), client_id=self.client_id, scopes=tuple(scopes), created=self.now(),
                      extra=dict(extra or {}))
        self.grants.append(grant)
        value = secrets.token_urlsafe(32)
        self.codes[value] = Code(value=value, grant=grant, redirect_uri=redirect_uri, issued=self.now(),
                                 challenge=challenge, method=method)
        self.codes_issued += 1
        return value

    def redeem(self, value: str | None, redirect_uri: str | None, verifier: str | None = None) -> Grant:
        """The grant of an unused, unexpired code with the same redirect_uri and a matching verifier.

        A code presented twice also revokes what the first redemption issued (RFC 6749 4.1.2):
        whoever replays a code must not keep the tokens.
        """
        code = self.codes.get(value or "")
        if code is None:
            raise Refusal("unknown")
        if code.used:
            self.revoke_grant(code.grant)
            raise Refusal("used")
        if self.now() - code.issued > CODE_LIFETIME:
            raise Refusal("expired")
        if code.grant.revoked:
            raise Refusal("revoked")
        if redirect_uri != code.redirect_uri:
            raise Refusal("redirect")
        if code.challenge is not None and (not verifier or not pkce_matches(verifier, code.challenge, code.method)):
            raise Refusal("pkce")
        code.used = True
        return code.grant

    # -- tokens --------------------------------------------------------------------------------
    def issue(
        self,
        grant: Grant,
        kind: str,
        lifetime: int | None,
        prefix: str = "",
        scopes: tuple[str, ...] | None = None,
        **extra: Any,
    ) -> Token:
        """A new token of `grant` living `lifetime` seconds (None: forever)."""
        now = self.now()
        token = Token(
            value=prefix + secrets.token_urlsafe(40), kind=kind, grant=grant, issued=now,
            expires=None if lifetime is None else now + timedelta(seconds=lifetime),
            scopes=grant.scopes if scopes is None else scopes, extra=extra,
        )
        self.tokens[token.value] = token
        self.tokens_issued += 1
        return token

    def check(self, value: str | None, kind: str = "access") -> Token:
        """The live token `value` of that kind, or Refusal unknown / revoked / expired."""
        token = self.tokens.get(value or "")
        if token is None or token.kind != kind:
            raise Refusal("unknown")
        if token.revoked or token.grant.revoked:
            raise Refusal("revoked")
        if token.expires is not None and self.now() >= token.expires:
            raise Refusal("expired")
        return token

    def status(self, value: str | None) -> tuple[str, Token | None]:
        """How an API route sees a presented access token: ok, expired, revoked or unknown."""
        try:
            return "ok", self.check(value)
        except Refusal as refusal:
            return refusal.reason, self.tokens.get(value or "")

    def retire(self, token: Token) -> None:
        """Stop one token (a rotated refresh token, an exchanged short-lived token)."""
        token.revoked = True

    # -- revocation ----------------------------------------------------------------------------
    def revoke_grant(self, grant: Grant) -> None:
        """The user removed the app: every token of the grant stops working."""
        grant.revoked = True

    def revoke_all(self) -> int:
        """Revoke every live grant; how many were live."""
        live = [g for g in self.grants if not g.revoked]
        for grant in live:
            self.revoke_grant(grant)
        return len(live)

    def state(self) -> dict[str, Any]:
        """The "oauth" part of GET /_control/state."""
        return {
            "clients": [self.client_id],
            "grants": sum(1 for g in self.grants if not g.revoked),
            "codes_issued": self.codes_issued,
            "tokens_issued": self.tokens_issued,
            "refreshes": self.refreshes,
            "clock_offset_seconds": self.offset.total_seconds(),
            "now": self.now().isoformat(),
            "subscriptions": list(self.subscriptions),
        }


def space_list(value: str | None, separators: str = " ") -> list[str]:
    """Scopes from a space- or comma-separated string, in order, without repeats or blanks."""
    text = value or ""
    for sep in separators[1:]:
        text = text.replace(sep, separators[0])
    return list(dict.fromkeys(s for s in text.split(separators[0]) if s))
