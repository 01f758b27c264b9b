"""A local feed server: a Google-Alerts-style Atom feed and a news-search RSS 2.0 feed
(platform-apis.md section 8), with ETag/If-None-Match, Last-Modified/If-Modified-Since -> 304,
a 301 from an old address, and 429/503 with Retry-After.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode
from xml.etree.ElementTree import Element, SubElement, register_namespace, tostring

from aiohttp import web

from emulators.base import Emulator, Fault
from emulators.bulk import inject_many

ALERTS_PATH = "/alerts/feeds/06848252119316407226/1740573820136402839"
NEWS_PATH = "/news/rss"
OLD_PATH = "/alerts/feeds/old"  # answers 301 to ALERTS_PATH
ATOM_NS = "http://www.w3.org/2005/Atom"
DC_NS = "http://purl.org/dc/elements/1.1/"
register_namespace("dc", DC_NS)

DEMO_ACCOUNT: dict[str, Any] = {
    "name": "Alertes web: Café Saint-Laurent",
    "external_id": ALERTS_PATH,
    "settings": {},
    "credentials": {},  # feeds are public: the alert's secret is its address
}


@dataclass
class _Entry:
    id: str
    title: str
    text: str
    link: str
    source: str
    published: datetime
    updated: datetime


class RssEmulator(Emulator):
    """One stream of web mentions, served as Atom (alerts) and RSS 2.0 (news search)."""

    platform = "rss"

    def __init__(
        self, token: str = "", window: int = 100, max_age: int = 300, chunk_bytes: int = 0, **options: Any
    ) -> None:
        super().__init__(token=token, **options)
        self.token = ""  # feeds carry no token whatever the caller passed
        self.window = window  # a feed shows only its newest entries, like a real one
        self.max_age = max_age
        # A slow or far feed server: the body leaves in pieces of this size, one per loop turn
        # (0: in one write), as a reader sees a big feed arrive over a real network.
        self.chunk_bytes = chunk_bytes
        self.entries: dict[str, _Entry] = {}
        self.conditional_hits = 0
        self._last = datetime(2000, 1, 1, tzinfo=UTC)

    def _now(self) -> datetime:
        # HTTP dates have one-second resolution: keep every change on a later second so a
        # Last-Modified comparison never hides it.
        now = datetime.now(UTC).replace(microsecond=0)
        if now <= self._last:
            now = self._last + timedelta(seconds=1)
        self._last = now
        return now

    # -- faults --------------------------------------------------------------------------------
    def auth_error(self) -> web.StreamResponse:
        """A private feed's answer without credentials."""
        return web.Response(status=401, text="Unauthorized", headers={"WWW-Authenticate": 'Basic realm="feed"'})

    def fault_response(self, fault: Fault) -> web.StreamResponse:
        """Faults as feed servers show them: HTML error pages, Retry-After on 429 and 503."""
        if fault.mode in ("rate_limit", "quota"):
            return web.Response(status=429, text="<html><body>Too Many Requests</body></html>", content_type="text/html",
                                headers={"Retry-After": str(fault.retry_after)})
        if fault.mode == "expired_token":
            return self.auth_error()
        return web.Response(status=500, text="<html><body>Internal Server Error</body></html>", content_type="text/html")

    # -- control -------------------------------------------------------------------------------
    def inject(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Inject one item, or `count` of them (see emulators.bulk)."""
        if int(payload.get("count") or 1) > 1:
            return inject_many(self._inject_one, payload, datetime.now(UTC))
        return self._inject_one(payload)

    def _inject_one(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Publish, edit or withdraw an entry."""
        if "delete" in payload:
            self.entries.pop(str(payload["delete"]), None)
            self._now()
            return {"external_id": str(payload["delete"])}
        if "edit" in payload:
            entry = self.entries[str(payload["edit"])]
            entry.text = str(payload.get("text", entry.text))
            entry.title = str(payload.get("title", entry.title))
            entry.updated = self._now()
            return {"external_id": entry.id}
        if payload.get("kind", "entry") not in ("entry", "mention"):
            raise web.HTTPBadRequest(text="kinds: entry, mention")
        number = self.next_id()
        text = str(payload.get("text", ""))
        title = str(payload.get("title") or " ".join(text.split()[:8]) or f"Article {number}")
        # `site` is the publication's host; people's handles are not hosts, so they never are.
        source = str(payload.get("site") or "forum.example")
        when = datetime.fromisoformat(payload["created_at"]).astimezone(UTC) if payload.get("created_at") else self._now()
        entry = _Entry(
            id=f"tag:google.com,2013:googlealerts/feed:{number}",
            title=title, text=text,
            link=str(payload.get("link") or f"https://{source}/article/{number}"),
            source=str(payload.get("author_name") or source),  # the writer, else the site
            published=when, updated=when,
        )
        self.entries[entry.id] = entry
        self._last = max(self._last, when.replace(microsecond=0))
        return {"external_id": entry.id}

    def reset(self) -> None:
        """Empty the feed."""
        super().reset()
        self.entries.clear()

    def state(self) -> dict[str, Any]:
        """Kinds this emulator injects, entry count and conditional-GET hits."""
        return {"kinds": ["entry"], "entries": len(self.entries), "not_modified": self.conditional_hits}

    # -- feeds ---------------------------------------------------------------------------------
    def add_routes(self, app: web.Application) -> None:
        """The Atom alerts feed, the RSS news feed and a moved address."""
        app.router.add_get(ALERTS_PATH, self.atom)
        app.router.add_get(NEWS_PATH, self.rss)
        app.router.add_get(OLD_PATH, self.moved)

    def _newest(self) -> list[_Entry]:
        return sorted(self.entries.values(), key=lambda e: (e.updated, e.id), reverse=True)[: self.window]

    def render_atom(self) -> bytes:
        """The feed as Google Alerts shapes it (links wrapped in google.com/url redirects)."""
        feed = Element("feed", {"xmlns": ATOM_NS})
        SubElement(feed, "id").text = "tag:google.com,2013:googlealerts/feed:1740573820136402839"
        SubElement(feed, "title").text = "Alerte Google - Café Saint-Laurent"
        SubElement(feed, "link", {"href": "https://www.google.com/alerts/feeds/06848252119316407226/1740573820136402839", "rel": "self"})
        entries = self._newest()
        SubElement(feed, "updated").text = _rfc3339(entries[0].updated if entries else self._last)
        for e in entries:
            node = SubElement(feed, "entry")
            SubElement(node, "id").text = e.id
            SubElement(node, "title", {"type": "html"}).text = _escape(e.title)
            wrapped = "https://www.google.com/url?" + urlencode({"rct": "j", "sa": "t", "url": e.link, "ct": "ga", "usg": "AOvVaw0"})
            SubElement(node, "link", {"href": wrapped})
            SubElement(node, "published").text = _rfc3339(e.published)
            SubElement(node, "updated").text = _rfc3339(e.updated)
            SubElement(node, "content", {"type": "html"}).text = f"<b>{_escape(e.source)}</b>: {_escape(e.text)}"
            author = SubElement(node, "author")
            SubElement(author, "name").text = e.source
        return b'<?xml version="1.0" encoding="utf-8"?>\n' + tostring(feed, encoding="utf-8", xml_declaration=False)

    def render_rss(self) -> bytes:
        """The feed as a news search's RSS 2.0."""
        rss = Element("rss", {"version": "2.0"})
        channel = SubElement(rss, "channel")
        SubElement(channel, "title").text = "Nouvelles - Café Saint-Laurent"
        SubElement(channel, "link").text = "https://nouvelles.example/recherche?q=caf%C3%A9"
        SubElement(channel, "description").text = "Résultats de recherche"
        for e in self._newest():
            item = SubElement(channel, "item")
            SubElement(item, "title").text = e.title
            SubElement(item, "link").text = e.link
            SubElement(item, "guid", {"isPermaLink": "false"}).text = e.id
            SubElement(item, "pubDate").text = format_datetime(e.published, usegmt=True)
            SubElement(item, "description").text = f"<p>{_escape(e.text)}</p>"
            SubElement(item, f"{{{DC_NS}}}creator").text = e.source
        return b'<?xml version="1.0" encoding="utf-8"?>\n' + tostring(rss, encoding="utf-8", xml_declaration=False)

    def _conditional(self, request: web.Request, body: bytes, content_type: str) -> web.StreamResponse:
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        modified = max((e.updated for e in self.entries.values()), default=self._last)
        modified = max(modified, self._last).replace(microsecond=0)
        headers = {"ETag": etag, "Last-Modified": format_datetime(modified, usegmt=True), "Cache-Control": f"max-age={self.max_age}"}
        # RFC 9110 13.2.2: If-None-Match decides when present; If-Modified-Since only without it.
        match = request.headers.get("If-None-Match")
        since = request.headers.get("If-Modified-Since")
        not_modified = False
        if match is not None:
            not_modified = etag in [m.strip() for m in match.split(",")] or match.strip() == "*"
        elif since:
            try:
                not_modified = modified <= parsedate_to_datetime(since)
            except (TypeError, ValueError):
                not_modified = False
        if not_modified:
            self.conditional_hits += 1
            return web.Response(status=304, headers=headers)
        return web.Response(body=body, headers=headers, content_type=content_type, charset="utf-8")

    async def _send(self, request: web.Request, body: bytes, content_type: str) -> web.StreamResponse:
        answer = self._conditional(request, body, content_type)
        if not self.chunk_bytes or answer.status != 200:
            return answer
        streamed = web.StreamResponse(headers=answer.headers)
        streamed.content_length = len(body)
        await streamed.prepare(request)
        for start in range(0, len(body), self.chunk_bytes):
            await streamed.write(body[start : start + self.chunk_bytes])
            await asyncio.sleep(0.01)  # let the reader see a partial body, as over a real network
        await streamed.write_eof()
        return streamed

    async def atom(self, request: web.Request) -> web.StreamResponse:
        """GET the Atom alerts feed."""
        return await self._send(request, self.render_atom(), "application/atom+xml")

    async def rss(self, request: web.Request) -> web.StreamResponse:
        """GET the RSS 2.0 news feed."""
        return await self._send(request, self.render_rss(), "application/rss+xml")

    async def moved(self, request: web.Request) -> web.StreamResponse:
        """The feed's old address, moved for good."""
        raise web.HTTPMovedPermanently(location=ALERTS_PATH)


def _rfc3339(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _escape(text: str) -> str:
    # The feed's HTML content is itself text inside XML: escape once for HTML here, ElementTree
    # escapes again for XML, as real feeds double-encode.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def create_app(**options: Any) -> web.Application:
    """The emulator's aiohttp application."""
    return RssEmulator(**options).create_app()
