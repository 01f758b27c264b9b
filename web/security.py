"""Response headers (CSP without inline script) and the validation of platform URLs."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# No inline script, no eval, no plugins, no framing; images may come from platforms (avatars)
# over HTTPS only. 'self' in connect-src covers the same-origin websocket (CSP level 3).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)

_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


class SecurityHeaders:
    """ASGI middleware adding the security headers to every HTTP response."""

    def __init__(self, app: ASGIApp, *, https: bool = False) -> None:
        self.app = app
        self.extra = [(b"strict-transport-security", b"max-age=31536000")] if https else []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                for key, value in _HEADERS + self.extra:
                    if key not in present:
                        headers.append((key, value))
                if b"cache-control" not in present and not scope["path"].startswith("/static/"):
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def safe_url(url: object, schemes: tuple[str, ...] = ("http", "https")) -> str | None:
    """The URL when it is a plain link with one of `schemes` (http(s) unless told), else None
    (no javascript:, data:, relative, user:password@...)."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    if len(url) > 2048 or any(ord(c) < 0x21 or c in "\\<>\"'`" or 0x7F <= ord(c) <= 0x9F for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in schemes or not parts.hostname or parts.username or parts.password:
        return None
    try:
        parts.port  # noqa: B018 - raises ValueError on a port out of range or not a number
    except ValueError:
        return None
    return url


def _origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of a URL, the port filled in from the scheme; None when malformed."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
    except ValueError:
        return None
    if not parts.hostname or port is None:
        return None
    return parts.scheme.lower(), parts.hostname.lower(), port


def same_origin(origin: str | None, host: str | None, *, scheme: str = "http", also: tuple[str, ...] = ()) -> bool:
    """True when an Origin header names this site: scheme, host and port of the request's own
    address (`scheme`://`host`) or of one of `also` (JASETTE_BASE_URL). Used by the websocket."""
    if not origin:
        return False
    sent = _origin(origin)
    if sent is None:
        return False
    ours = [f"{scheme}://{host}"] if host else []
    return any(sent == _origin(address) for address in (*ours, *also))
