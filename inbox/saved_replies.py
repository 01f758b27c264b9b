"""Saved replies per language, kept in pairs (a reply and its translation), with {first_name} and
{business} filled in for one item."""

from __future__ import annotations

import re
from typing import Any

from inbox.db import Conn

LANGS = ("fr", "en")
_VAR = re.compile(r"\{(first_name|business|prenom|entreprise)\}")
_GONE = "\x00"
_GAP_BEFORE_GONE = re.compile(" *\x00")


async def list_for(conn: Conn, brand_id: int, lang_first: str | None = None) -> list[dict[str, Any]]:
    """The brand's saved replies, those in `lang_first` first, then by title."""
    rows = await conn.fetch(
        "select id, pair_id, lang, title, body from saved_replies where brand_id = $1"
        " order by (lang = $2) desc, lang, title, id",
        brand_id, lang_first or "",
    )
    return [dict(r) for r in rows]


async def item_context(conn: Conn, brand_id: int, item_id: int) -> dict[str, Any] | None:
    """What fills a saved reply in for one item, and what it asks (sentiment, reasons, text); None if not the brand's."""
    row = await conn.fetchrow(
        """select coalesce(i.lang_override, i.lang) as lang, a.name as author_name, b.name as business,
                  coalesce(i.sentiment_override, i.sentiment) as sentiment, i.body,
                  array(select jsonb_array_elements_text(i.reasons)) as reasons,
                  (i.first_response_at is not null or exists (
                      select 1 from replies r where r.item_id = i.id and r.action = 'reply'
                      and r.state <> 'failed')) as answered
           from items i join brands b on b.id = i.brand_id left join authors a on a.id = i.author_id
           where i.brand_id = $1 and i.id = $2""", brand_id, item_id)
    return dict(row) if row else None


TITLE_MAX, BODY_MAX = 120, 5000
Texts = dict[str, tuple[str, str]]  # lang -> (title, body); a language left out has no text


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


def checked_pair(typed: dict[str, tuple[str, str]]) -> Texts:
    """A pair's texts as stored, by language: a language whose title and text are both blank is
    left out; Invalid when both are, or when one has a title without a text (or the reverse)."""
    texts: Texts = {}
    for lang in LANGS:
        title, body = typed.get(lang, ("", ""))
        if title.strip() or body.strip():
            _, title, body = checked(lang, title, body)
            texts[lang] = (title, body)
    if not texts:
        raise Invalid("Write the French text, the English text, or both.")
    return texts


async def create(conn: Conn, brand_id: int, lang: str, title: str, body: str, pair_id: int | None = None) -> int:
    """Add a saved reply, alone or as the translation in `pair_id`; its id (Invalid when the fields are not)."""
    lang, title, body = checked(lang, title, body)
    value: int = await conn.fetchval(
        """with n as (select nextval(pg_get_serial_sequence('saved_replies', 'id')) as id)
           insert into saved_replies (id, pair_id, brand_id, lang, title, body)
           select n.id, coalesce($5, n.id), $1, $2, $3, $4 from n returning id""",
        brand_id, lang, title, body, pair_id,
    )
    return value


async def pairs(conn: Conn, brand_id: int, lang_first: str | None = None) -> list[dict[str, Any]]:
    """The brand's saved replies as entries {"pair_id", "fr", "en"} (each a row or None), by title."""
    entries: dict[int, dict[str, Any]] = {}
    for row in await list_for(conn, brand_id, lang_first):
        entry = entries.setdefault(row["pair_id"], {"pair_id": row["pair_id"], "fr": None, "en": None})
        entry[row["lang"]] = row
    return list(entries.values())


async def exists(conn: Conn, brand_id: int, pair_id: int) -> bool:
    """True when the saved reply (a pair) is the brand's."""
    return bool(await conn.fetchval("select 1 from saved_replies where brand_id = $1 and pair_id = $2 limit 1", brand_id, pair_id))


async def save_pair(conn: Conn, brand_id: int, pair_id: int | None, texts: Texts) -> int | None:
    """Keep a pair's texts (a new pair when pair_id is None): each language given is written, each
    left out removed, in one transaction; the pair's id, None when it is not the brand's."""
    async with conn.transaction():
        if pair_id is not None and not await conn.fetchval(
                "select 1 from saved_replies where brand_id = $1 and pair_id = $2 limit 1 for update", brand_id, pair_id):
            return None
        for lang in LANGS:
            if lang not in texts:
                if pair_id is not None:
                    await conn.execute("delete from saved_replies where brand_id = $1 and pair_id = $2 and lang = $3",
                                       brand_id, pair_id, lang)
                continue
            title, body = texts[lang]
            if pair_id is None:
                pair_id = await create(conn, brand_id, lang, title, body)
                continue
            await conn.execute(
                """insert into saved_replies (brand_id, pair_id, lang, title, body) values ($1, $2, $3, $4, $5)
                   on conflict (brand_id, pair_id, lang) do update set title = excluded.title, body = excluded.body""",
                brand_id, pair_id, lang, title, body)
    return pair_id


async def delete(conn: Conn, brand_id: int, pair_id: int) -> bool:
    """Remove one of the brand's saved replies, both languages; False when it is not the brand's."""
    done = await conn.execute("delete from saved_replies where brand_id = $1 and pair_id = $2", brand_id, pair_id)
    return not done.endswith(" 0")


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


async def seed(conn: Conn, brand_id: int, replies: list[Texts]) -> bool:
    """Give a brand these pairs ({lang: (title, body)}) unless it has saved replies already; True when added."""
    if await conn.fetchval("select exists(select 1 from saved_replies where brand_id = $1)", brand_id):
        return False
    for texts in replies:
        await save_pair(conn, brand_id, None, checked_pair(texts))
    return True
