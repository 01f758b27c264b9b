"""Who is asking: password hashing, the session's user and brand, and the role checks routes use."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection

from inbox import sessions, users
from inbox.users import Member
from web import i18n

__all__ = ["Member", "hash_password", "log_in", "log_out", "member_of", "require_member", "verify_password"]

_hasher = PasswordHasher()
# Verifying against this when the e-mail is unknown keeps timing the same for both cases.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


def hash_password(pw: str) -> str:
    """An argon2id hash of the password."""
    return _hasher.hash(pw)


def verify_password(hash: str | None, pw: str) -> bool:
    """True when the password matches the hash (False for any malformed hash)."""
    try:
        return _hasher.verify(hash or _DUMMY_HASH, pw) and hash is not None
    except (VerificationError, InvalidHashError):
        return False


async def member_of(conn: HTTPConnection) -> Member | None:
    """The session's user on the session's brand, or None (works for HTTP and websockets)."""
    session = conn.session
    user_id, brand_id, token = session.get("user_id"), session.get("brand_id"), session.get("sid")
    if not isinstance(user_id, int) or not isinstance(brand_id, int) or not isinstance(token, str):
        return None
    # The signed cookie only names a session; the row in PostgreSQL decides whether it still
    # lives (log-out, a password change or removal from the brand end it everywhere).
    async with conn.app.state.pool.acquire() as db:
        return await sessions.session_member(db, token, user_id, brand_id)


async def require_member(request: HTTPConnection, *, role: str | None = None) -> Member:
    """The current member of the session's brand; 401 when logged out, 403 without the role."""
    found = await member_of(request)
    if found is None:
        raise HTTPException(401, i18n.gettext("Please log in."))
    if role is not None and found.role != role and not (role == "agent" and found.role == "owner"):
        raise HTTPException(403, i18n.gettext("Only the brand's owner can do this."))
    i18n.current_lang.set(i18n.pick(found.ui_lang))
    return found


async def log_in(request: HTTPConnection, user_id: int, ui_lang: str, *, brand_id: int | None = None) -> bool:
    """Start a fresh session for the user on `brand_id` (when a member) or their first brand;
    False when they have none."""
    agent = request.headers.get("user-agent", "")
    async with request.app.state.pool.acquire() as db:
        brands = await users.brands_of(db, user_id)
        token = await sessions.open_session(db, user_id, user_agent=agent) if brands else None
    # A new session on log-in: nothing an attacker planted before survives (session fixation).
    request.session.clear()
    if not brands or token is None:
        return False
    wanted = [b["id"] for b in brands if b["id"] == brand_id]
    request.session.update(
        user_id=user_id, brand_id=(wanted or [brands[0]["id"]])[0], sid=token, lang=i18n.pick(ui_lang),
        csrf=secrets.token_urlsafe(32),
    )
    return True


async def log_out(request: HTTPConnection) -> None:
    """End the session server-side and forget it (keeping the interface language)."""
    token = request.session.get("sid")
    if isinstance(token, str):
        async with request.app.state.pool.acquire() as db:
            await sessions.end_session(db, token)
    lang = request.session.get("lang")
    request.session.clear()
    if lang:
        request.session["lang"] = lang
