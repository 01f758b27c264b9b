"""Saved replies per language, with {first_name} and {business} filled in for one item."""

from __future__ import annotations

import re
from typing import Any

from inbox.db import Conn

LANGS = ("fr", "en")
_VAR = re.compile(r"\{(first_name|business|prenom|entreprise)\}")
_GONE = "\x00"
_GAP_BEFORE_GONE = re.compile(" *\x00")
# What a saved reply says, read from its own words: an apology suits a complaint, thanks suit
# praise; anything else (an answer, a policy) is never suggested on its own.
_APOLOGY = re.compile(r"d[ée]sol[ée]|navr[ée]|excuse|regrett|sorry|apologi", re.IGNORECASE)
_THANKS = re.compile(r"merci|thank", re.IGNORECASE)
_TONE_FOR_SENTIMENT = {"negative": "apology", "positive": "thanks"}


async def list_for(conn: Conn, brand_id: int, lang_first: str | None = None) -> list[dict[str, Any]]:
    """The brand's saved replies, those in `lang_first` first, then by title."""
    rows = await conn.fetch(
        "select id, lang, title, body from saved_replies where brand_id = $1"
        " order by (lang = $2) desc, lang, title, id",
        brand_id, lang_first or "",
    )
    return [dict(r) for r in rows]


async def item_context(conn: Conn, brand_id: int, item_id: int) -> dict[str, Any] | None:
    """What fills a saved reply in for one item: its language, author and brand names; None if not the brand's."""
    row = await conn.fetchrow(
        """select coalesce(i.lang_override, i.lang) as lang, a.name as author_name, b.name as business,
                  coalesce(i.sentiment_override, i.sentiment) as sentiment,
                  (i.first_response_at is not null or exists (
                      select 1 from replies r where r.item_id = i.id and r.action = 'reply'
                      and r.state <> 'failed')) as answered
           from items i join brands b on b.id = i.brand_id left join authors a on a.id = i.author_id
           where i.brand_id = $1 and i.id = $2""", brand_id, item_id)
    return dict(row) if row else None


def tone(title: str, body: str) -> str | None:
    """What a saved reply does: "apology", "thanks", or None (an answer, a policy...)."""
    text = f"{title} {body}"
    if _APOLOGY.search(text):
        return "apology"
    if _THANKS.search(text):
        return "thanks"
    return None


def suggestion(replies: list[dict[str, Any]], *, lang: str | None, sentiment: str | None,
               answered: bool) -> int | None:
    """The id of the one saved reply worth offering for an item, or None.

    Only in the item's language, only a reply whose tone fits the item's sentiment (thanks for
    praise, an apology for a complaint), and never on an item someone has already answered.
    """
    wanted = _TONE_FOR_SENTIMENT.get(sentiment or "")
    if answered or wanted is None:
        return None
    for r in replies:
        if r["lang"] == lang and tone(r["title"], r["body"]) == wanted:
            return int(r["id"])
    return None


TITLE_MAX, BODY_MAX = 120, 5000


class Invalid(ValueError):
    """A saved reply that cannot be kept; the message (English, a catalogue key) says why."""


def checked(lang: str, title: str, body: str) -> tuple[str, str, str]:
    """The language, title and text as stored; Invalid when one is missing or wrong."""
    if lang not in LANGS:
        raise Invalid("Choose French or English.")
    title, body = title.strip(), body.strip()
    if not title or not body:
        raise Invalid("A saved reply needs a title and a text.")
    if len(title) > TITLE_MAX:
        raise Invalid("The title is too long (120 characters at most).")
    if len(body) > BODY_MAX:
        raise Invalid("The text is too long (5,000 characters at most).")
    return lang, title, body


async def create(conn: Conn, brand_id: int, lang: str, title: str, body: str) -> int:
    """Add a saved reply; its id (Invalid when the fields are not)."""
    lang, title, body = checked(lang, title, body)
    value: int = await conn.fetchval(
        "insert into saved_replies (brand_id, lang, title, body) values ($1, $2, $3, $4) returning id",
        brand_id, lang, title, body,
    )
    return value


async def exists(conn: Conn, brand_id: int, reply_id: int) -> bool:
    """True when the saved reply is the brand's."""
    return bool(await conn.fetchval("select 1 from saved_replies where brand_id = $1 and id = $2", brand_id, reply_id))


async def update(conn: Conn, brand_id: int, reply_id: int, lang: str, title: str, body: str) -> bool:
    """Change one of the brand's saved replies; False when it is not the brand's (Invalid as create)."""
    lang, title, body = checked(lang, title, body)
    done = await conn.execute("update saved_replies set lang = $3, title = $4, body = $5 where brand_id = $1 and id = $2",
                              brand_id, reply_id, lang, title, body)
    return done.endswith(" 1")


async def delete(conn: Conn, brand_id: int, reply_id: int) -> bool:
    """Remove one of the brand's saved replies; False when it is not the brand's."""
    done = await conn.execute("delete from saved_replies where brand_id = $1 and id = $2", brand_id, reply_id)
    return done.endswith(" 1")


def first_name(author_name: str | None) -> str:
    """A greeting's first name from a display name ("Marie-Ève Tremblay" -> "Marie-Ève")."""
    parts = (author_name or "").strip().lstrip("@").split()
    return parts[0] if parts else ""


def render(body: str, *, author_name: str | None, business: str) -> str:
    """The saved reply's text with its variables replaced (plain text; escaped at display)."""
    name = first_name(author_name)
    # A handle of digits (LinkedIn members come as ids) is no name to greet anyone by.
    if name.isdigit():
        name = ""
    # Without a name, "Bonjour {first_name}, ..." reads "Bonjour, ...", not "Bonjour , ...":
    # the gap before the missing name goes with it, and only there.
    values = {"first_name": name or _GONE, "prenom": name or _GONE, "business": business, "entreprise": business}
    text = _VAR.sub(lambda m: values[m.group(1)], body)
    return _GAP_BEFORE_GONE.sub("", text)


async def seed(conn: Conn, brand_id: int, replies: list[tuple[str, str, str]]) -> bool:
    """Give a brand these (lang, title, body) replies unless it has some already; True when added."""
    if await conn.fetchval("select exists(select 1 from saved_replies where brand_id = $1)", brand_id):
        return False
    await conn.executemany(
        "insert into saved_replies (brand_id, lang, title, body) values ($1, $2, $3, $4)",
        [(brand_id, lang, title, body) for lang, title, body in replies],
    )
    return True
