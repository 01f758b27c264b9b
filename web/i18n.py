"""Interface language: gettext catalogues (web/locale/<lang>/LC_MESSAGES/messages.po read with
Babel), the current request's language in a context variable, and local date formatting."""

from __future__ import annotations

import contextvars
import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from starlette.types import ASGIApp, Receive, Scope, Send

LANGS = ("fr", "en")
DEFAULT_LANG = "fr"
DEFAULT_TZ = "America/Montreal"
_LOCALES = {"fr": "fr_CA", "en": "en_CA"}
LOCALE_DIR = Path(__file__).parent / "locale"

current_lang: contextvars.ContextVar[str] = contextvars.ContextVar("jasette_lang", default=DEFAULT_LANG)
current_tz: contextvars.ContextVar[str] = contextvars.ContextVar("jasette_tz", default=DEFAULT_TZ)


def _load(lang: str) -> dict[str, str]:
    path = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return {}
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    return {m.id: m.string for m in catalog if isinstance(m.id, str) and m.id and isinstance(m.string, str) and m.string}


CATALOGUES: dict[str, dict[str, str]] = {lang: _load(lang) for lang in LANGS}


def pick(lang: object) -> str:
    """A supported language code; the default for anything else."""
    return lang if isinstance(lang, str) and lang in LANGS else DEFAULT_LANG


def gettext(message: str, lang: str | None = None, **values: object) -> str:
    """The message in the language (the current request's by default), with {name} values filled."""
    text = CATALOGUES.get(lang or current_lang.get(), {}).get(message, message)
    return text.format(**values) if values else text


_ = gettext


def local_time(dt: datetime | None, lang: str | None = None, tz: str | None = None) -> str:
    """A short local date and time (America/Montreal unless the user chose otherwise)."""
    if dt is None:
        return ""
    zone = ZoneInfo(tz or current_tz.get())
    return format_datetime(dt, "d MMM y HH:mm", tzinfo=zone, locale=_LOCALES[pick(lang or current_lang.get())])


def day_and_time(dt: datetime | None, lang: str | None = None, tz: str | None = None) -> str:
    """A moment as people say it: "mardi 8 décembre, 9 h 00" / "Tuesday, December 8, 9:00 AM"
    (with the year only when it is not this year's)."""
    if dt is None:
        return ""
    zone = ZoneInfo(tz or current_tz.get())
    lang = pick(lang or current_lang.get())
    year = "" if dt.astimezone(zone).year == datetime.now(zone).year else (" y" if lang == "fr" else ", y")
    pattern = f"EEEE d MMMM{year}, H 'h' mm" if lang == "fr" else f"EEEE, MMMM d{year}, h:mm a"
    return format_datetime(dt, pattern, tzinfo=zone, locale=_LOCALES[lang])


def _day(day: date, lang: str, year: bool = True, month: bool = True) -> str:
    locale = _LOCALES[lang]
    if lang == "fr":  # « 1er novembre », as Quebec writes the first of the month
        text = "1er" if day.day == 1 else str(day.day)
        text += format_date(day, " MMMM", locale=locale) if month else ""
        return f"{text} {day.year}" if year else text
    if not month:
        return f"{day.day}, {day.year}" if year else str(day.day)
    return format_date(day, "MMMM d, y" if year else "MMMM d", locale=locale)


def day_span(first: date, last: date, lang: str | None = None) -> str:
    """Days `first` to `last` (both included) in words, the year and month said once when shared:
    "Du 6 novembre au 5 décembre 2026 (30 jours)" / "November 6 to December 5, 2026 (30 days)",
    "Du 5 au 11 octobre 2026 (7 jours)" / "October 5 to 11, 2026 (7 days)"."""
    lang = pick(lang or current_lang.get())
    if first == last:
        return gettext("{day} (1 day)", lang, day=_day(first, lang))
    same_year = first.year == last.year
    same_month = same_year and first.month == last.month
    if lang == "fr":  # « Du 5 au 11 octobre »: the month goes with the last day
        start = _day(first, lang, year=not same_year, month=not same_month)
        end = _day(last, lang)
    else:  # "October 5 to 11, 2026": the month goes with the first day
        start = _day(first, lang, year=not same_year)
        end = _day(last, lang, month=not same_month)
    span = gettext("{first} to {last}", lang, first=start, last=end)
    return gettext("{span} ({days} days)", lang, span=span, days=number((last - first).days + 1, lang))


def number(value: float, lang: str | None = None) -> str:
    """A number as the reader writes it: "10 000" in French, "10,000" in English."""
    return format_decimal(value, locale=_LOCALES[pick(lang or current_lang.get())])


def _templates(lang: str) -> list[tuple[re.Pattern[str], str]]:
    """Each catalogue message with {values}, as an anchored pattern over its English text."""
    found = _TEMPLATES.get(lang)
    if found is None:
        found = []
        for message, translated in CATALOGUES.get(lang, {}).items():
            names = re.findall(r"\{(\w+)\}", message)
            literal = re.sub(r"\{\w+\}", "", message)
            # Only messages with enough words of their own: "{a} {b}" would match any sentence.
            if not names or len(literal.strip()) < 5 or message == translated:
                continue
            pattern = re.escape(message)
            for name in dict.fromkeys(names):
                pattern = pattern.replace(re.escape("{" + name + "}"), f"(?P<{name}>.+?)", 1)
                pattern = pattern.replace(re.escape("{" + name + "}"), f"(?P={name})")
            found.append((re.compile(f"^{pattern}$", re.S), translated))
        # The most specific first: a template with more literal text wins over a looser one.
        found.sort(key=lambda pair: -len(re.sub(r"\(\?P<\w+>\.\+\?\)", "", pair[0].pattern)))
        _TEMPLATES[lang] = found
    return found


_TEMPLATES: dict[str, list[tuple[re.Pattern[str], str]]] = {}


def said(text: str | None, lang: str | None = None, _depth: int = 0) -> str:
    """A sentence Jasette stored in English (an account's last error, a reply's failure), in the
    reader's language: matched against the catalogue's messages with {values}, each value
    translated in turn (a platform's name, a delay). What a platform said stays as it said it."""
    if not text:
        return ""
    lang = lang or current_lang.get()
    plain = CATALOGUES.get(lang, {}).get(text)
    if plain is not None:
        return plain
    if _depth > 3:
        return text
    for pattern, translated in _templates(lang):
        match = pattern.match(text)
        if match:
            values = {k: said(v, lang, _depth + 1) for k, v in match.groupdict().items()}
            return translated.format(**values)
    return text


def platform_name(platform: str, lang: str | None = None) -> str:
    """The platform's (or connect code's) name as people read it, translated where it needs to be
    ("Courriel"); a platform this version no longer knows keeps its code, never a guess."""
    from collector import registry

    return gettext(registry.display_name(platform), lang)


def js_messages(lang: str) -> dict[str, str]:
    """The catalogue the page's JavaScript needs (every message; they are few)."""
    return dict(CATALOGUES.get(lang, {}))


class LanguageMiddleware:
    """Sets the request's language and time zone from the session (inside the session middleware)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        session = scope.get("session") or {}
        lang_token = current_lang.set(pick(session.get("lang")))
        tz_token = current_tz.set(session.get("tz") or DEFAULT_TZ)
        try:
            await self.app(scope, receive, send)
        finally:
            current_lang.reset(lang_token)
            current_tz.reset(tz_token)
