"""CSV files that open right in a spreadsheet: the inbox's items (GET /items.csv, the inbox
filters and a date range) and the cells every CSV of the web app is written with.

Excel guesses a CSV's encoding and separator from the machine's regional settings: without a
UTF-8 byte-order mark it reads "café" as "cafÃ©", and French Excel splits on `;` and reads `,`
as the decimal sign. So every file starts with the BOM, French readers get `;` and decimal
commas, English readers `,` and decimal points, and `?sep=` overrides the choice. Cells a
platform or a customer wrote that begin with = + - @ are prefixed with ' so no spreadsheet
runs them as formulas (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from inbox import queries
from nlp import reasons
from web import i18n
from web.api_items import filters_from
from web.auth import require_member

_ = i18n.gettext
BOM = "\ufeff"
SEPARATORS = {";": ";", ",": ",", "semicolon": ";", "comma": ",", "tab": "\t"}
MAX_ROWS = 10_000  # one file; a bigger export is a narrower date range
_PAGE = 200
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def separator(request: Request, lang: str) -> str:
    """`?sep=` (; , semicolon comma tab), else `;` in French and `,` in English; 400 on others."""
    raw = request.query_params.get("sep")
    if raw is None or raw == "":
        return ";" if lang == "fr" else ","
    sep = SEPARATORS.get(raw)
    if sep is None:
        raise HTTPException(400, _("sep is one of ; , semicolon, comma or tab."))
    return sep


def cell(value: object, sep: str) -> str:
    """One value as spreadsheet text: numbers with the separator's decimal sign, text made inert."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(round(value, 6))
        return text.replace(".", ",") if sep == ";" else text
    text = str(value).replace("\r\n", " ").replace("\r", " ").replace("\n", " ")
    return "'" + text if text.startswith(_FORMULA) else text


def encode(rows: Iterable[Sequence[object]], sep: str) -> bytes:
    """The rows as a CSV file: BOM, the separator, CRLF line ends, every cell through `cell`."""
    buf = io.StringIO()
    buf.write(BOM)
    out = csv.writer(buf, delimiter=sep, lineterminator="\r\n")
    for row in rows:
        out.writerow([cell(v, sep) for v in row])
    return buf.getvalue().encode("utf-8")


def attachment(data: bytes, filename: str) -> Response:
    """The file as a download."""
    return Response(data, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def local(dt: datetime | None, tz: str) -> str:
    """A date and time in the reader's zone, as spreadsheets read it: 2026-11-18 14:05."""
    if dt is None:
        return ""
    return dt.astimezone(ZoneInfo(tz or i18n.DEFAULT_TZ)).strftime("%Y-%m-%d %H:%M")


def _header(lang: str) -> list[object]:
    words = ("Date", "Platform", "Type", "Author", "Language", "Sentiment", "Priority", "Reasons", "Status",
             "Assigned to", "Tags", "First response (minutes)", "Text", "Link")
    return [_(w, lang) for w in words]


def _row(item: dict[str, object], lang: str, tz: str) -> list[object]:
    def word(value: object) -> str:
        return _(str(value), lang) if value else ""

    first = item.get("first_response_seconds")
    created = item.get("created_at")
    return [
        local(created if isinstance(created, datetime) else None, tz),
        i18n.platform_name(str(item["platform"]), lang), word(item.get("kind")),
        item.get("author_name") or item.get("author_handle") or "", item.get("lang") or "",
        word(item.get("sentiment")), item.get("priority"),
        ", ".join(reasons.describe(str(r), lang) for r in item.get("reasons") or []),  # type: ignore[attr-defined]
        word(item.get("status")), item.get("assignee_name") or "", ", ".join(item.get("tags") or []),  # type: ignore[arg-type]
        round(float(first) / 60, 1) if isinstance(first, int | float) else None,
        item.get("body") or "", item.get("url") or "",
    ]


async def items_csv(request: Request) -> Response:
    """GET /items.csv?from=2026-11-01&to=2026-11-30&platform=…: the filtered items (every status
    unless `status` is given), newest first."""
    member = await require_member(request)
    lang = i18n.pick(member.ui_lang)
    sep = separator(request, lang)
    # A report holds every status unless one is asked (the inbox's default is "to do").
    f = filters_from({"status": "all", **request.query_params}, member)
    found: list[dict[str, object]] = []
    after = None
    async with request.app.state.pool.acquire() as db:
        while len(found) < MAX_ROWS:
            page, after = await queries.list_items(db, member.brand_id, f, after=after, limit=_PAGE, user_id=member.user_id)
            found += page
            if after is None:
                break
    # Newest first, as a report reads (the inbox pages by priority).
    found.sort(key=lambda it: (it["created_at"], it["id"]), reverse=True)
    rows = [_header(lang)] + [_row(it, lang, member.timezone) for it in found[:MAX_ROWS]]
    return attachment(encode(rows, sep), "jasette-items.csv")


routes = [Route("/items.csv", items_csv, methods=["GET"])]
