"""Web mentions from an RSS 2.0 or Atom feed (platform-apis.md section 8): read-only.

One conditional GET per poll (ETag / Last-Modified, 304 = nothing changed). Feeds have no
paging and reorder or backdate entries, so the cursor keeps the ids (and `updated` stamps) of
recent entries instead of a time mark. XML is parsed with defusedxml: a feed is hostile input.

Account: external_id is the feed's path under base_url (or its full URL on that same site: an
id never moves the feed to another host, since the host is what the owner's address check covers). No settings, no credentials
(an alert feed's secret is its address). The cursor's "url" follows permanent redirects.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import partial
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from collector.base import AuthFailed, Batch, Collector, FetchFailed, RateLimited, Refused
from collector.html_text import one_line_of_html
from collector.wire import Response, request, retry_after_seconds
from inbox.types import Author, NewItem

PLATFORM = "rss"
ATOM = "{http://www.w3.org/2005/Atom}"
DC = "{http://purl.org/dc/elements/1.1/}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
# Enough to recognise every entry a feed still shows (feeds hold tens, rarely hundreds).
SEEN_LIMIT = 1000
# A feed bigger than this is not a news feed (documented in docs/platform-accounts.md); the body
# is read whole up to it however many pieces it arrives in (wire.request).
MAX_BYTES = 5 * 2**20


def unwrap(link: str) -> str:
    """The real address behind a Google Alerts redirect link (google.com/url?…&url=<real>)."""
    parts = urlsplit(link)
    if parts.hostname and parts.hostname.endswith("google.com") and parts.path == "/url":
        real = parse_qs(parts.query).get("url") or parse_qs(parts.query).get("q")
        if real and real[0].startswith(("http://", "https://")):
            return real[0]
    return link


def parse_date(value: str | None) -> datetime | None:
    """RFC 822 (RSS pubDate) or RFC 3339 (Atom) as aware UTC; None when absent or unreadable."""
    if not value or not value.strip():
        return None
    value = value.strip()
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
    # A date without a zone ("-0000" in RFC 822) is UTC by convention.
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _text(el: Element | None) -> str:
    return "".join(el.itertext()).strip() if el is not None else ""


def _atom_text(el: Element | None) -> str:
    # Atom text constructs: type="html" carries escaped markup, "xhtml" a div, "text" plain text.
    if el is None:
        return ""
    if el.get("type") in ("html", "xhtml"):
        return one_line_of_html(_text(el)) if el.get("type") == "html" else " ".join(_text(el).split())
    return " ".join(_text(el).split())


def _body(title: str, summary: str) -> str:
    """The text staff read: title and summary, once each (alert feeds cut the title from the
    summary's own first words, "Worst experience ever. Chloé was rude and the …")."""
    if not summary or summary == title:
        return title
    if not title:
        return summary
    stem = title.rstrip(" .…").strip()
    if stem and stem in summary:
        return summary
    return f"{title}\n\n{summary}"


def _entry(ident: str, title: str, summary: str, link: str, when: datetime | None, version: str, author: str, raw: dict[str, Any]) -> NewItem:
    link = unwrap(link)
    if not ident:
        if not (link or title):
            raise ValueError("entry has neither id, link nor title")
        # No guid/id: the link, or a hash of the title, says which story it is (section 8).
        ident = link or "sha1:" + hashlib.sha1(title.encode()).hexdigest()
    site = urlsplit(link).hostname or ""
    body = _body(title, summary)
    return NewItem(
        platform=PLATFORM,
        external_id=ident,
        kind="mention",
        body=body,
        created_at=when,
        author=Author(external_id=site or author, name=author or site, url=f"https://{site}/" if site else None),
        url=link or None,
        raw={**raw, "version": version},
    )


def _atom_entries(root: Element) -> list[Callable[[], NewItem]]:
    def build(e: Element) -> NewItem:
        links = e.findall(f"{ATOM}link")
        alternate = next((ln for ln in links if ln.get("rel", "alternate") == "alternate"), links[0] if links else None)
        link = alternate.get("href", "") if alternate is not None else ""
        updated = _text(e.find(f"{ATOM}updated"))
        published = _text(e.find(f"{ATOM}published"))
        summary = _atom_text(e.find(f"{ATOM}content")) or _atom_text(e.find(f"{ATOM}summary"))
        title = _atom_text(e.find(f"{ATOM}title"))
        author = _text(e.find(f"{ATOM}author/{ATOM}name"))
        raw = {"id": _text(e.find(f"{ATOM}id")), "title": title, "link": link, "published": published, "updated": updated, "summary": summary}
        return _entry(raw["id"], title, summary, link, parse_date(published) or parse_date(updated), updated or published, author, raw)

    return [partial(build, e) for e in root.findall(f"{ATOM}entry")]


def _rss_entries(root: Element) -> list[Callable[[], NewItem]]:
    channel = root.find("channel")
    if channel is None:
        raise ValueError("an <rss> document without <channel>")

    def build(e: Element) -> NewItem:
        link = _text(e.find("link"))
        guid = _text(e.find("guid"))
        title = one_line_of_html(_text(e.find("title")))
        summary = one_line_of_html(_text(e.find(f"{CONTENT}encoded")) or _text(e.find("description")))
        pub = _text(e.find("pubDate")) or _text(e.find(f"{DC}date"))
        author = _text(e.find(f"{DC}creator")) or _text(e.find("source")) or _text(e.find("author"))
        raw = {"guid": guid, "title": title, "link": link, "pubDate": pub, "description": summary}
        return _entry(guid, title, summary, link, parse_date(pub), pub, author, raw)

    return [partial(build, e) for e in channel.findall("item")]


def parse_feed(body: bytes | str) -> tuple[list[NewItem], list[str]]:
    """Items of an RSS 2.0 or Atom document, and the entries skipped (in words)."""
    try:
        root = fromstring(body.encode("utf-8") if isinstance(body, str) else body)
    except (ParseError, DefusedXmlException) as exc:
        raise ValueError(f"not well-formed or unsafe XML: {exc}") from exc
    if root.tag == f"{ATOM}feed":
        entries = _atom_entries(root)
    elif root.tag == "rss":
        entries = _rss_entries(root)
    else:
        raise ValueError(f"root element {root.tag!r} is neither <rss> nor Atom <feed>")
    items, problems = [], []
    for number, build in enumerate(entries, 1):
        try:
            items.append(build())
        except (ValueError, TypeError) as exc:
            problems.append(f"skipped entry #{number}: {exc}")
    return items, problems


def parse(body: bytes | str) -> list[NewItem]:
    """Map one raw feed document to mention items."""
    items, problems = parse_feed(body)
    if problems and not items:
        raise ValueError("no entry could be read: " + "; ".join(problems[:3]))
    return items


class RssCollector(Collector):
    """One feed of web mentions (news search, alerts); read-only."""

    platform = PLATFORM
    display_name = "RSS"
    can_reply = False
    can_hide = False
    base_url_hint = "RSS: the address of the site that publishes the feed (required); the feed's path goes in the id."

    def feed_url(self, cursor: dict[str, Any]) -> str:
        """The feed's address: a permanent redirect seen earlier wins over the account's."""
        if cursor.get("url"):
            return str(cursor["url"])
        base = self.account.base_url.rstrip("/") + "/"
        url = urljoin(base, self.account.external_id)
        if _origin(url) != _origin(base):
            raise Refused("the feed's id must be a path on the account's API address, not another site")
        return url

    async def fetch(self, cursor: dict[str, Any]) -> Batch:
        """The feed's entries not seen before (nothing when the server answers 304)."""
        url = self.feed_url(cursor)
        headers = {"Accept": "application/atom+xml, application/rss+xml, application/xml;q=0.9, */*;q=0.1"}
        if cursor.get("etag"):
            headers["If-None-Match"] = cursor["etag"]
        if cursor.get("last_modified"):
            headers["If-Modified-Since"] = cursor["last_modified"]
        resp = await request(self.session, "GET", url, headers=headers, raw=True, max_bytes=MAX_BYTES)
        usage = _usage(resp.headers)
        new_cursor = dict(cursor)
        if any(status in (301, 308) for status in resp.redirects):
            new_cursor["url"] = resp.url  # a permanent move: poll the new address from now on
        if resp.status == 304:
            return Batch(items=[], cursor=new_cursor, usage=usage)
        raise_for_error(resp, self.clock())
        body = resp.body
        if len(body) > MAX_BYTES:
            raise FetchFailed(
                f"feed larger than {MAX_BYTES} bytes",
                plain=f"sent a feed larger than {MAX_BYTES // 2**20} MB, the most Jasette reads of one feed: "
                "check the feed's address or ask its site for a shorter feed",
            )
        try:
            items, problems = parse_feed(body)
        except ValueError as exc:
            raise FetchFailed(f"malformed feed: {exc}") from exc
        seen = {key: version for key, version in cursor.get("seen", [])}
        listed: dict[str, Any] = {}
        fresh = []
        for item in items:
            if item.external_id in listed:
                continue  # one story listed twice (two alerts, one link): the first counts
            version = listed[item.external_id] = item.raw.get("version")
            if item.external_id not in seen or seen[item.external_id] != version:
                fresh.append(item)
        # None of the entries read before is listed any more: the feed moved a whole window since
        # the last read, so entries may have come and gone unread. Nothing brings them back; the
        # account counts it, so the owner learns to poll this feed more often.
        gap = bool(seen) and bool(listed) and not listed.keys() & seen.keys()
        if gap:
            problems.append(f"none of the {len(listed)} entries listed was read before: entries may have scrolled off unread")
        current = [[key, version] for key, version in listed.items()]
        older = [[k, v] for k, v in cursor.get("seen", []) if k not in listed]
        new_cursor["seen"] = (current + older)[:SEEN_LIMIT]
        new_cursor["etag"] = resp.headers.get("ETag")
        new_cursor["last_modified"] = resp.headers.get("Last-Modified")
        return Batch(items=fresh, cursor=new_cursor, usage=usage, problems=problems, gap=gap)


def raise_for_error(resp: Response, now: datetime) -> None:
    """Turn a feed server's status into the collector errors (200 is the only good answer)."""
    if resp.status == 200:
        return
    what = f"HTTP {resp.status} from the feed"
    if resp.status in (401, 403):
        raise AuthFailed(what)
    if resp.status == 429 or (resp.status == 503 and "Retry-After" in resp.headers):
        raise RateLimited(what, retry_after_seconds(resp.headers, now))
    if resp.status == 410:
        raise Refused(what + ": the feed is gone for good")
    raise FetchFailed(what)


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = -1
    return parts.scheme.lower(), (parts.hostname or "").lower(), port or {"http": 80, "https": 443}.get(parts.scheme.lower())


def _usage(headers: Any) -> dict[str, Any]:
    # Cache-Control: max-age tells the poller how often the feed is worth asking for.
    for part in headers.get("Cache-Control", "").split(","):
        name, _, value = part.strip().partition("=")
        if name == "max-age" and value.isdigit():
            return {"max_age": int(value)}
    return {}
