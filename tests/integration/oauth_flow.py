"""Going through an emulator's consent page as a browser would, without one: read the form,
tick or untick, press a button, and read where the platform redirects."""

from __future__ import annotations

import base64
import hashlib
import secrets
from html.parser import HTMLParser
from typing import Any

import aiohttp
from yarl import URL

REDIRECT = "http://127.0.0.1:9/oauth/callback"  # never followed: tests read the Location


class ConsentForm(HTMLParser):
    """The consent page's form: its action and every input with its type and ticked state."""

    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.inputs: list[dict[str, Any]] = []
        self.buttons: dict[str, tuple[str, str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.action = a.get("action", "")
        elif tag == "input":
            self.inputs.append({**a, "checked": "checked" in dict(attrs)})
        elif tag == "button":
            self.buttons[a.get("id", "")] = (a.get("name", ""), a.get("value", ""))

    def scopes(self) -> list[str]:
        """The scopes the page offers, in order."""
        return [i["value"] for i in self.inputs if i.get("name") == "scope"]

    def fields(self, button: str, untick: tuple[str, ...] = (), accounts: tuple[str, ...] | None = None) -> list[tuple[str, str]]:
        """What the browser posts when `button` is pressed with these boxes unticked / accounts picked."""
        out = []
        for i in self.inputs:
            kind, name, value = i.get("type"), i.get("name", ""), i.get("value", "")
            if kind in ("checkbox", "radio"):
                chosen = value in accounts if (name == "account" and accounts is not None) else i["checked"]
                if not chosen or (name == "scope" and value in untick):
                    continue
            out.append((name, value))
        out.append(self.buttons[button])
        return out


def pkce() -> tuple[str, str]:
    """A PKCE verifier and its S256 challenge."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


async def open_consent(session: aiohttp.ClientSession, url: str) -> ConsentForm:
    """GET the authorize URL; the parsed page (asserting it is one)."""
    async with session.get(url, allow_redirects=False) as resp:
        text = await resp.text()
        assert resp.status == 200, (resp.status, text)
        assert "script" not in text.lower()
        assert "default-src 'none'" in resp.headers["Content-Security-Policy"]
    page = ConsentForm()
    page.feed(text)
    return page


async def consent(
    session: aiohttp.ClientSession, base: str, path: str, params: dict[str, str], *,
    button: str = "allow", untick: tuple[str, ...] = (), accounts: tuple[str, ...] | None = None,
) -> dict[str, str]:
    """Open the consent page, press `button`; the query of the redirect to redirect_uri."""
    url = str(URL(base + path).with_query(params))
    page = await open_consent(session, url)
    fields = page.fields(button, untick, accounts)
    async with session.post(base + page.action, data=aiohttp.FormData(fields), allow_redirects=False) as resp:
        assert resp.status == 302, (resp.status, await resp.text())
        location = URL(resp.headers["Location"])
    assert str(location.with_query(None)) == params["redirect_uri"]
    return dict(location.query)
