"""The installable app: the web app manifest, the service worker, and versioned static URLs.

Static files are addressed as /static/NAME?v=HASH, HASH being a digest of the whole static
folder: a new release changes every URL at once, so neither the browser's cache nor the
service worker's can pair a new page with an old script.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from web import i18n

STATIC = Path(__file__).parent / "static"
# What the service worker keeps from its first start: enough to draw any page offline-fast.
_CORE = ("style.css", "app.js", "banner.js", "presence.js", "chime.js", "bulk.js", "rows.js", "stream.js", "pane.js",
         "live.js", "inbox.js", "favicon.svg", "icon-192.png")


def _digest() -> str:
    h = hashlib.sha256()
    for path in sorted(p for p in STATIC.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(STATIC)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:12]


VERSION = _digest()


def asset(name: str) -> str:
    """The URL of a static file, versioned with the release's static files."""
    return f"/static/{name}?v={VERSION}"


def _worker_source() -> bytes:
    source = (STATIC / "sw.js").read_text(encoding="utf-8")
    source = source.replace("__VERSION__", VERSION).replace("__CORE__", json.dumps([asset(n) for n in _CORE]))
    return source.encode("utf-8")


_WORKER = _worker_source()


async def service_worker(request: Request) -> Response:
    """GET /sw.js: served from the root so its scope is the whole app; always revalidated."""
    return Response(_WORKER, media_type="text/javascript", headers={
        "cache-control": "no-cache", "service-worker-allowed": "/"})


async def manifest(request: Request) -> Response:
    """GET /manifest.webmanifest: what a phone needs to put Jasette on its home screen."""
    lang = i18n.current_lang.get()
    body = {
        "name": "Jasette",
        "short_name": "Jasette",
        "description": i18n.gettext("Every comment about your business, in one inbox.", lang),
        "lang": lang,
        "id": "/",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#f4f6f9",
        "theme_color": "#1f4fa8",
        "icons": [
            {"src": "/static/icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": "/static/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {"src": "/static/icon-maskable-512.png", "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
            {"src": "/static/icon.svg", "sizes": "any", "type": "image/svg+xml", "purpose": "any"},
        ],
    }
    return JSONResponse(body, media_type="application/manifest+json", headers={"cache-control": "no-cache"})


routes = [
    Route("/sw.js", service_worker, methods=["GET"]),
    Route("/manifest.webmanifest", manifest, methods=["GET"]),
]
