"""What the web app accepts from a request: ids, text PostgreSQL can store, dates, forms and JSON
bodies within limits. Every route reads its input through here, so bad input is a 4xx with a
clear message in the user's language, never a 500 from deep inside a query."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request

from web import i18n

_ = i18n.gettext
MAX_ID = 2**63 - 1  # PostgreSQL's bigint
MAX_JSON = 1_000_000  # bytes: the longest reply is 5,000 characters
MAX_DEPTH = 20  # our bodies are flat objects with at most a list inside
# PostgreSQL text holds neither NUL nor a lone surrogate (UTF-8 cannot encode one).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# Years Python and PostgreSQL both handle, with room for time zones and "+1 day".
_YEARS = (1000, 9000)


def parse_id(raw: object) -> int | None:
    """A row id: an int, or ASCII digits, from 1 to bigint's maximum; None for anything else."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, str):
        # str.isdigit() accepts '١٢' and '²'; ids are ASCII digits only.
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 19):
            return None
        raw = int(raw)
    if isinstance(raw, int) and 1 <= raw <= MAX_ID:
        return raw
    return None


def path_id(request: Request, name: str, missing: str) -> int:
    """The path parameter `name` as a row id; 404 with the message `missing` otherwise."""
    found = parse_id(request.path_params.get(name))
    if found is None:
        raise HTTPException(404, missing)
    return found


def storable(value: str) -> bool:
    """True when PostgreSQL can store the text (no NUL, no lone surrogate)."""
    return _UNSTORABLE.search(value) is None


def check_text(value: str) -> str:
    """The text unchanged; 400 when PostgreSQL could not store it."""
    if not storable(value):
        raise HTTPException(400, _("The text holds a character that cannot be stored (a NUL or a broken character)."))
    return value


def parse_moment(text: str, tz: str, *, end_of_day: bool = False) -> datetime:
    """An ISO date or date and time (the member's zone when none is given); 400 otherwise."""
    try:
        moment = datetime.fromisoformat(check_text(text))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=ZoneInfo(tz))
        if end_of_day and len(text) <= 10:
            moment += timedelta(days=1)
        in_range = _YEARS[0] <= moment.astimezone(UTC).year <= _YEARS[1]
    except (ValueError, OverflowError):
        in_range = False
    if not in_range:
        raise HTTPException(400, _("Dates look like 2026-05-31 or 2026-05-31T17:00 (years 1000 to 9000)."))
    return moment


def query_text(request: Request, name: str) -> str | None:
    """A query parameter, None when empty; 400 when it holds unstorable characters."""
    value = request.query_params.get(name)
    return check_text(value) if value else None


async def form(request: Request) -> FormData:
    """The request's form, every field checked as storable text (400 otherwise)."""
    data = await request.form()
    for _key, value in data.multi_items():
        if isinstance(value, str):
            check_text(value)
    return data


def nesting(body: bytes) -> int:
    """How deeply arrays and objects nest in a JSON text (without parsing it)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # NaN and Infinity: Python accepts them, JSON does not


def _check_strings(value: Any) -> None:
    if isinstance(value, str):
        check_text(value)
    elif isinstance(value, list):
        for part in value:
            _check_strings(part)
    elif isinstance(value, dict):
        for key, part in value.items():
            check_text(key)
            _check_strings(part)


async def json_body(request: Request, *, limit: int = MAX_JSON) -> dict[str, Any]:
    """The request's JSON object, read up to `limit` bytes; 413 past it, 400 for anything else."""
    length = request.headers.get("content-length", "")
    if length.isascii() and length.isdigit() and int(length) > limit:
        raise HTTPException(413, _("The request is too large."))
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HTTPException(413, _("The request is too large."))
    if nesting(body) > MAX_DEPTH:
        raise HTTPException(400, _("The request body nests too deeply."))
    try:
        data = json.loads(body, parse_constant=_no_constant)
    except ValueError:  # UnicodeDecodeError and JSONDecodeError included
        raise HTTPException(400, _("The request body must be JSON.")) from None
    if not isinstance(data, dict):
        raise HTTPException(400, _("The request body must be a JSON object."))
    _check_strings(data)
    return data
