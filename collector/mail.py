"""Reading one RFC 822 / MIME message as a person wrote it: headers decoded, the text part
chosen (or HTML turned into text), the quoted original and the signature cut off.

Everything here is pure and forgiving: mail is hostile and often malformed, so nothing raises
on bad input; what could not be read well comes back as plain-words problems instead.
The compat32 parser is used on purpose: it never raises on broken headers (the newer
policy's header parser does, on some hostile inputs), and we decode what we need ourselves.
"""

from __future__ import annotations

import email
import email.errors
import email.header
import email.message
import email.utils
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from collector.html_text import html_lines

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")  # RFC 5322 / 3501
MSG_ID = re.compile(r"<[^<>\s]+>")

# Attribution lines that open the quoted original, as the common clients write them (Gmail,
# Apple Mail, Thunderbird, Outlook web) in French and English. Gmail wraps long ones over two
# lines, so they are matched on a line joined with the next two.
_ATTRIBUTION = re.compile(
    r"^\s*(?:"
    r"On\s.{4,300}?\swrote\s*:"  # On Tue, Nov 18, 2026 at 10:02 AM Café <a@b> wrote:
    r"|Le\s.{4,300}?\sa\s+écrit\s*:"  # Le mar. 18 nov. 2026, à 10 h 02, Café <a@b> a écrit :
    r"|-{2,}\s*(?:Original Message|Message d'origine|Message original|Forwarded message|Message transféré)\s*-{2,}"
    r")\s*$",
    re.IGNORECASE | re.DOTALL,
)
_ATTRIBUTION_START = re.compile(r"^\s*(?:On\s|Le\s|-{2,})", re.IGNORECASE)
# Outlook's header block: "From: …" then "Sent: …" / "Envoyé : …" / "Date: …" just below.
_OUTLOOK_FROM = re.compile(r"^\s*\**(?:From|De)\s*\**\s*:\s*\S", re.IGNORECASE)
_OUTLOOK_NEXT = re.compile(r"^\s*\**(?:Sent|Envoyé|Date|To|À)\s*\**\s*:", re.IGNORECASE)
_SEPARATOR = re.compile(r"^\s*_{10,}\s*$")  # Outlook's rule above its header block
_SIGNATURE = re.compile(r"^(?:-- ?|--)$")  # RFC 3676 section 4.3 says "-- "; many trim the space
_DEVICE_LINE = re.compile(
    r"^\s*(?:Sent from my|Envoyé de mon|Envoyé à partir de|Get Outlook for|Obtenir Outlook pour|Provenance\s*:)",
    re.IGNORECASE,
)


@dataclass(slots=True)
class Sender:
    """Who a message says it is from."""

    name: str
    address: str


@dataclass(slots=True)
class Reading:
    """What one message says, as far as it could be read."""

    message_id: str | None
    in_reply_to: str | None
    references: list[str]
    subject: str
    sender: Sender | None
    date: datetime | None
    text: str  # the whole text of the message (HTML turned into text), quotes included
    automatic: bool  # an out-of-office answer, a bounce or a delivery report
    problems: list[str] = field(default_factory=list)


def decode_header(value: str | None) -> str:
    """A header's text with RFC 2047 encoded-words decoded; undecodable pieces kept readable."""
    if not value:
        return ""
    try:
        parts = email.header.decode_header(value)
    except (ValueError, LookupError, AssertionError, email.errors.HeaderParseError):
        return " ".join(value.split())
    out = []
    for chunk, charset in parts:
        if isinstance(chunk, str):
            out.append(chunk)
        else:
            out.append(decode_bytes(chunk, charset)[0])
    return " ".join("".join(out).split())


def decode_bytes(data: bytes, charset: str | None) -> tuple[str, str | None]:
    """Text of `data` in its declared charset, else UTF-8, else windows-1252; and a problem if any."""
    declared = (charset or "us-ascii").strip().strip('"').lower()
    try:
        return data.decode(declared), None
    except LookupError:
        problem = f"unknown charset {declared!r}"
    except (UnicodeError, ValueError):  # idna and a few others raise plain UnicodeError
        problem = f"text is not valid {declared}"
    # Mislabelled mail is common: 8-bit French text declared as us-ascii, or UTF-8 declared as
    # latin-1 by old list software. UTF-8 is strict enough to try first; cp1252 reads anything.
    try:
        return data.decode("utf-8"), f"{problem}; read as utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), f"{problem}; read as windows-1252"


def text_of_html(html: str) -> str:
    """Plain text of an HTML mail body: scripts and styles dropped, blockquotes as "> " lines."""
    return _squeeze("\n".join(html_lines(html, quotes=True)))


def _squeeze(text: str) -> str:
    text = re.sub(r"\n{3,}", "\n\n", text.replace("\r\n", "\n").replace("\r", "\n"))
    return text.strip()


def strip_quoted(text: str) -> str:
    """The reply's own words: without the quoted original, "> " lines and the signature."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        if _is_attribution(lines, index):
            break
        if _OUTLOOK_FROM.match(line) and any(_OUTLOOK_NEXT.match(n) for n in lines[index + 1 : index + 4]):
            break
        if _SEPARATOR.match(line) and any(_OUTLOOK_FROM.match(n) for n in lines[index + 1 : index + 3]):
            break
        if _SIGNATURE.match(line.rstrip("\n")) or _DEVICE_LINE.match(line):
            break
        if line.lstrip().startswith(">"):
            continue  # inline quoting: keep the answers between the quoted lines
        kept.append(line.rstrip())
    own = _squeeze("\n".join(kept))
    # A message that is all quote (a forward, a bare "reply") keeps its text rather than vanish.
    return own or _squeeze(text)


def _is_attribution(lines: list[str], index: int) -> bool:
    # Clients wrap a long attribution over two or three lines (even before "wrote:" itself).
    if not _ATTRIBUTION_START.match(lines[index]):
        return False
    for size in (1, 2, 3):
        piece = lines[index : index + size]
        # A continuation is never blank, quoted or an attribution of its own: else a customer's
        # "Le menu est-il offert le 24?" would join the real attribution below it.
        if size > 1:
            last = piece[-1] if len(piece) == size else ""
            if not last.strip() or last.lstrip().startswith(">") or _ATTRIBUTION_START.match(last):
                return False
        if _ATTRIBUTION.match(" ".join(part.strip() for part in piece)):
            return True
    return False


def _text_parts(msg: email.message.Message, problems: list[str]) -> tuple[str | None, str | None]:
    plain: str | None = None
    html: str | None = None
    for part in msg.walk():
        if part.is_multipart():
            continue
        disposition = str(part.get("Content-Disposition") or "").split(";")[0].strip().lower()
        ctype = part.get_content_type()
        if disposition == "attachment" or ctype not in ("text/plain", "text/html"):
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        text, problem = decode_bytes(payload, part.get_content_charset())
        if problem:
            problems.append(f"{ctype} part: {problem}")
        # The first of each kind is the message; later ones are forwarded or attached messages.
        if ctype == "text/plain" and plain is None:
            plain = text
        elif ctype == "text/html" and html is None:
            html = text
    return plain, html


def header_text(msg: email.message.Message, name: str) -> str | None:
    """A header's raw value as text; 8-bit bytes (no encoded-words) read as UTF-8, else cp1252."""
    for key, value in msg.raw_items():
        if key.lower() == name.lower():
            # compat32 keeps undecoded bytes as surrogates; its Header view would turn them into "?".
            return decode_bytes(str(value).encode("ascii", "surrogateescape"), "utf-8")[0]
    return None


def _date(value: str | None, problems: list[str]) -> datetime | None:
    if not value:
        problems.append("no Date header")
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        problems.append(f"unreadable Date header {value[:60]!r}")
        return None
    # "-0000" (RFC 5322 section 3.3: zone unknown) comes back naive: read it as UTC.
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def _sender(msg: email.message.Message) -> Sender | None:
    raw = header_text(msg, "From")
    if raw is None:
        return None
    pairs = email.utils.getaddresses([raw])
    name, address = pairs[0] if pairs else ("", "")
    if "@" not in address:
        return None
    return Sender(name=decode_header(name), address=address.strip().lower())


def _ids(value: str | None) -> list[str]:
    # An id longer than the store keeps (512) is junk or an attack: leave it out.
    return [found for found in MSG_ID.findall(value or "") if len(found) <= 500]


def _automatic(msg: email.message.Message) -> bool:
    # RFC 3834 (Auto-Submitted), bounces (RFC 3464 multipart/report) and the headers that
    # Exchange and vacation programs add without Auto-Submitted.
    auto = (header_text(msg, "Auto-Submitted") or "no").strip().lower()
    return (
        auto != "no"
        or msg.get_content_type() == "multipart/report"
        or msg.get("X-Autoreply") is not None
        or msg.get("X-Autorespond") is not None
        or (header_text(msg, "Precedence") or "").strip().lower() == "auto_reply"
    )


def read_message(raw: bytes) -> Reading:
    """Read one RFC 822 message, however broken; what went wrong is in `problems`."""
    msg = email.message_from_bytes(raw)
    problems: list[str] = []
    defects = {type(d).__name__ for part in msg.walk() for d in part.defects}
    if defects:
        problems.append("MIME defects: " + ", ".join(sorted(defects)))
    plain, html = _text_parts(msg, problems)
    if plain is not None and plain.strip():
        text = _squeeze(plain)
    elif html is not None:
        text = text_of_html(html)
    else:
        text = ""
        problems.append("no text part")
    ids = _ids(header_text(msg, "Message-ID"))
    reply_to = _ids(header_text(msg, "In-Reply-To"))
    return Reading(
        message_id=ids[0] if ids else None,
        in_reply_to=reply_to[0] if reply_to else None,
        references=_ids(header_text(msg, "References")),
        subject=decode_header(header_text(msg, "Subject")),
        sender=_sender(msg),
        date=_date(header_text(msg, "Date"), problems),
        text=text,
        automatic=_automatic(msg),
        problems=problems,
    )


def split_mbox(data: bytes) -> list[bytes]:
    """The messages of an mbox file ("From " separator lines, >From unquoted); [data] if not one."""
    if not data.startswith(b"From "):
        return [data]
    messages = []
    for chunk in re.split(rb"(?m)^From [^\n]*\n", data):
        if chunk.strip():
            # mboxrd: ">From " (any depth) at a line start was quoted on the way in.
            messages.append(re.sub(rb"(?m)^>(>*From )", rb"\1", chunk))
    return messages
