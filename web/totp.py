"""TOTP two-step login (RFC 6238, pyotp): secrets, the QR code to scan, checking a code once,
and recovery codes."""

from __future__ import annotations

import io
import secrets
import time

import pyotp
import segno
from markupsafe import Markup

ISSUER = "Jasette"
# One step either side: a phone clock 30 seconds off still works (RFC 6238 §5.2).
WINDOW = 1
RECOVERY_CODES = 10
# Recovery codes: 10 characters from an alphabet without look-alikes (0/o, 1/l), ~50 bits each.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def new_secret() -> str:
    """A fresh base32 secret (160 bits, as RFC 4226 recommends)."""
    return pyotp.random_base32(32)


def uri(secret: str, email: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_svg(secret: str, email: str) -> Markup:
    """The QR code as inline SVG: paths and presentation attributes only (no script, no style)."""
    out = io.BytesIO()
    segno.make(uri(secret, email), error="m").save(out, kind="svg", scale=4, border=2, xmldecl=False, svgns=True,
                                                   svgclass="qr", lineclass=None, title=None)
    # Made here from our own data (the otpauth address is encoded into path data, not text).
    return Markup(out.getvalue().decode())


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step whose code this is (within the window), or None when it matches none."""
    code = "".join(code.split())
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    at = time.time() if now is None else now
    step = int(at // totp.interval)
    for offset in range(-WINDOW, WINDOW + 1):
        if secrets.compare_digest(totp.at((step + offset) * totp.interval), code):
            return step + offset
    return None


def recovery_codes() -> list[str]:
    """Ten fresh recovery codes shown once, as xxxxx-xxxxx."""
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def looks_like_totp(code: str) -> bool:
    """Six digits (spaces allowed): a code from the app, not a recovery code."""
    plain = "".join(code.split())
    return len(plain) == 6 and plain.isdigit()
