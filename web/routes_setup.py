"""First run: while the database holds no user, a page creates the first owner and brand."""

from __future__ import annotations

import re
import unicodedata
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from inbox import users
from web import auth, i18n, passwords
from web.pages import render

DEFAULT_TZ = "America/Montreal"
# The zones a Quebec or Canadian shop picks first; any IANA name is accepted.
COMMON_ZONES = ("America/Montreal", "America/Toronto", "America/Halifax", "America/Moncton", "America/Winnipeg",
                "America/Edmonton", "America/Vancouver", "America/St_Johns", "Europe/Paris", "UTC")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def slugify(name: str) -> str:
    """A brand slug from its name: "Café du Plateau" -> "cafe-du-plateau"."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:63].strip("-")
    return slug or "marque"


def valid_zone(name: str) -> bool:
    """True for an IANA time zone name this system knows."""
    if not name or len(name) > 64:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return name in available_timezones() or name == "UTC"


def check_person(email: str, name: str, password: str) -> str | None:
    """What is wrong with a new user's e-mail, name or password (English, to translate), or None."""
    if not EMAIL.match(email) or len(email) > 320:
        return "Enter a valid e-mail address."
    if not name or len(name) > 200:
        return "Enter a name (200 characters at most)."
    return passwords.problem(password, email=email, name=name)


async def _closed(request: Request) -> bool:
    async with request.app.state.pool.acquire() as db:
        return await users.has_users(db)


async def setup_page(request: Request) -> Response:
    """The first-run form; 404 once anyone exists."""
    if await _closed(request):
        raise HTTPException(404, i18n.gettext("Jasette is already set up: log in."))
    return await render(request, "setup.html", _context())


def _context(form: Any = None, error: str | None = None) -> dict[str, Any]:
    get = (lambda key, default="": str(form.get(key, default))[:320]) if form is not None else (lambda key, default="": default)
    return {"error": error, "zones": COMMON_ZONES, "values": {
        "name": get("name"), "email": get("email"), "brand_name": get("brand_name"),
        "brand_lang": get("brand_lang", i18n.current_lang.get()), "timezone": get("timezone", DEFAULT_TZ)}}


async def setup(request: Request) -> Response:
    """Create the first owner and brand, then log in (refused once anyone exists, even in a race)."""
    if await _closed(request):
        raise HTTPException(404, i18n.gettext("Jasette is already set up: log in."))
    form = await request.form()
    name, email = str(form.get("name", "")).strip(), str(form.get("email", "")).strip()
    password = str(form.get("password", ""))
    brand_name = str(form.get("brand_name", "")).strip()
    brand_lang, timezone = str(form.get("brand_lang", "fr")), str(form.get("timezone", DEFAULT_TZ)).strip()
    error = check_person(email, name, password)
    if error is None and (not brand_name or len(brand_name) > 200):
        error = "Enter the business's name (200 characters at most)."
    if error is None and brand_lang not in ("fr", "en"):
        error = "Choose French or English."
    if error is None and not valid_zone(timezone):
        error = "Unknown time zone: use a name like America/Montreal."
    if error is not None:
        return await render(request, "setup.html", _context(form, i18n.gettext(error)), status_code=400)
    ui_lang = i18n.current_lang.get()
    pw_hash = await passwords.hash_async(password)
    async with request.app.state.pool.acquire() as db:
        user_id = await users.create_first_owner(
            db, email=email, name=name, password_hash=pw_hash, ui_lang=ui_lang, brand_slug=slugify(brand_name),
            brand_name=brand_name, brand_lang=brand_lang, timezone=timezone)
    if user_id is None:
        raise HTTPException(404, i18n.gettext("Jasette is already set up: log in."))
    await auth.log_in(request, user_id, ui_lang)
    return RedirectResponse("/", status_code=303)


routes = [
    Route("/setup", setup_page, methods=["GET"]),
    Route("/setup", setup, methods=["POST"]),
]
