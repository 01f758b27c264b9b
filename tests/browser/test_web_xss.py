"""Hostile platform text in Chromium: over 100 XSS payloads as comment text, author names, comment
URLs and profile URLs, in the server-rendered list, live over the websocket and in the item pane.
None may run: no dialog, no marker set, no injected element or event-handler attribute."""

from __future__ import annotations

from datetime import UTC, datetime

from browser_steps import log_in
from playwright.async_api import expect
from web_app import LiveServer, seed

from inbox.ingest import ingest_batch
from inbox.types import Analysis, Author, NewItem

_RUN = "window.__xss=(window.__xss||0)+1;alert(1)"
BASE = [
    f"<script>{_RUN}</script>",
    f"<img src=x onerror=\"{_RUN}\">",
    f"<svg onload=\"{_RUN}\"></svg>",
    f"<svg><script>{_RUN}</script></svg>",
    f"<body onload=\"{_RUN}\">",
    f"<iframe src=\"javascript:{_RUN}\"></iframe>",
    f"<a href=\"javascript:{_RUN}\">click</a>",
    f"javascript:{_RUN}",
    f"JaVaScRiPt:{_RUN}",
    f" javascript:{_RUN}",
    f"java\tscript:{_RUN}",
    f"data:text/html,<script>{_RUN}</script>",
    f"vbscript:{_RUN}",
    f"\"><script>{_RUN}</script>",
    f"'><img src=x onerror={_RUN}>",
    f"</textarea><script>{_RUN}</script>",
    f"</title><script>{_RUN}</script>",
    f"</script><script>{_RUN}</script>",
    f"<details open ontoggle=\"{_RUN}\">",
    f"<input autofocus onfocus=\"{_RUN}\">",
    f"<video><source onerror=\"{_RUN}\"></video>",
    f"<math><mtext><table><mglyph><style><img src=x onerror=\"{_RUN}\">",
    f"<object data=\"javascript:{_RUN}\"></object>",
    f"<embed src=\"javascript:{_RUN}\">",
    f"<form><button formaction=\"javascript:{_RUN}\">x</button></form>",
    f"<meta http-equiv=\"refresh\" content=\"0;url=javascript:{_RUN}\">",
    f"<style>@import 'javascript:{_RUN}';</style>",
    f"<div style=\"background:url(javascript:{_RUN})\">",
    f"<<script>{_RUN}//<</script>",
    f"<scr<script>ipt>{_RUN}</scr</script>ipt>",
    f"<img src=\"x` `<script>{_RUN}</script>\"` `>",
    f"\u003cscript\u003e{_RUN}\u003c/script\u003e",
    f"＜script＞{_RUN}＜/script＞",
    f"<script\x0b>{_RUN}</script>",
    f"\u202e<script>{_RUN}</script>",
    f"<img src=x oneRRor={_RUN}>",
    f"{{{{constructor.constructor('{_RUN}')()}}}}",
    f"${{{_RUN}}}",
    f"<!--<img src=\"--><img src=x onerror={_RUN}//\">",
    f"<noscript><p title=\"</noscript><img src=x onerror={_RUN}>\">",
    f"<template><script>{_RUN}</script></template>",
    f"<isindex type=image src=1 onerror={_RUN}>",
    f"<marquee onstart=\"{_RUN}\">",
    f"<base href=\"javascript:{_RUN}//\">",
    f"<link rel=import href=\"data:text/html,<script>{_RUN}</script>\">",
    f"%3Cscript%3E{_RUN}%3C/script%3E",
    f"&lt;script&gt;{_RUN}&lt;/script&gt;",
    f"<svg><animate onbegin=\"{_RUN}\" attributeName=x dur=1s>",
    f"<svg><a xlink:href=\"javascript:{_RUN}\"><text x=20 y=20>x</text></a></svg>",
    f"https://example.com/\"onmouseover=\"{_RUN}",
    f"https://example.com/<script>{_RUN}</script>",
    f"http://example.com/' onclick='{_RUN}",
]
# Each payload also wrapped in ordinary text, broken markup around it.
PAYLOADS = BASE + [f"Bonjour {p} merci" for p in BASE]
assert len(PAYLOADS) >= 100


def _items(payloads: list[str], start: int) -> list[NewItem]:
    out = []
    for n, p in enumerate(payloads):
        out.append(NewItem(
            platform="wordpress", external_id=f"xss-{start + n}", kind="comment", body=p, url=p,
            created_at=datetime.now(UTC),
            author=Author(external_id=f"x{(start + n) % 7}", name=p[:200], handle=p[:60], followers=n, url=p, avatar_url=p),
            thread_external_id="xss-thread", parent_external_id=f"xss-{start}" if n else None,
            analysis=Analysis(lang="fr", sentiment="negative", priority=50 + n % 40, reasons=["negative"]),
        ))
    return out


async def test_no_payload_executes(pool, db_dsn, browser) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        await ingest_batch(conn, brand_id=ids["brand_a"], account_id=ids["account_a"], items=_items(PAYLOADS[:60], 0))
    with LiveServer(db_dsn) as server:
        page = await (await browser.new_context()).new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        await log_in(page, server.url, "agent@a.test")
        await page.goto(server.url + "/?status=all")
        await page.wait_for_selector("#live-state[data-state=live]")
        # The rest arrive live over the websocket.
        async with pool.acquire() as conn:
            await ingest_batch(conn, brand_id=ids["brand_a"], account_id=ids["account_a"], items=_items(PAYLOADS[60:], 60))
        await expect(page.locator("#stream li.item")).to_have_count(len(PAYLOADS))
        # The pane renders text, author, parent, thread, history and links for several of them.
        for index in (0, 5, 7, 13, 50, 70, 99):
            row = page.locator("#stream li.item").nth(index)
            await row.click()
            await page.wait_for_selector('#pane h2 .author')
        shown = await page.locator("#stream li.item .body").all_text_contents()
        assert set(shown) == set(PAYLOADS)  # shown as text, exactly as written
        found = await page.evaluate("""() => {
            const scope = [...document.querySelectorAll('#stream *, #pane *')];
            return {
                marker: window.__xss || 0,
                handlers: scope.filter(e => [...e.attributes].some(a => a.name.toLowerCase().startsWith('on'))).length,
                elements: scope.filter(e => ['SCRIPT','IFRAME','SVG','IMG','OBJECT','EMBED','STYLE','BASE','META','LINK','VIDEO','MATH','TEMPLATE','DETAILS','MARQUEE']
                                              .includes(e.tagName.toUpperCase())).length,
                // http(s), same-site paths, and the page's own anchors (the skip link: #main).
                badLinks: [...document.querySelectorAll('a[href]')].filter(a => !/^(https?:|\\/|#[a-z][a-z-]*$)/.test(a.getAttribute('href'))).length,
            };
        }""")
        assert found == {"marker": 0, "handlers": 0, "elements": 0, "badLinks": 0}
        assert dialogs == []
