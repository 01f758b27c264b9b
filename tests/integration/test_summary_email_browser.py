"""The summary e-mail renders in Chromium: figures visible, no request to anywhere, platform text
inert. JASETTE_WRITE_SCREENSHOTS=1 also saves docs/screenshots/summary-email.png for the README."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from seeded_week import NOW, seed_week

from inbox.summary import labels, query, render
from web.i18n import platform_name

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "summary-email.png"


@pytest.fixture
async def page():
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium is not installed: apt-get install -y chromium")
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = await browser.new_context(viewport={"width": 700, "height": 900}, java_script_enabled=True)
        yield await context.new_page()
        await browser.close()


async def test_summary_email_renders_in_chromium(pool, brand, page, tmp_path):
    await seed_week(pool, brand["brand_id"])
    async with pool.acquire() as conn:
        summary = await query.compute(conn, await query.brand_row(conn, "cafe-test"), "2026-W47", NOW)
    # As the Monday e-mail is sent: platform and language names, not codes.
    html = render.email_html(labels.named(summary, "fr", platform_name), "fr", "https://inbox.cafe.test")
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    await page.set_content(html, wait_until="load")
    text = await page.inner_text("body")
    for expected in ("Résumé de la semaine · 2026-W47", "Café Test", "Volume", "semaine précédente : 4 (+4)",
                     "Mots fréquents (négatif)", "service (3)", "Les plus urgents", "Médiane : 20 min",
                     "Sans réponse : 4", "Alertes déclenchées"):
        assert expected in text, expected
    assert "<script>x</script>" in text  # shown as text, never run
    assert await page.evaluate("document.querySelectorAll('script').length") == 0
    assert [u for u in requests if not u.startswith(("about:", "data:"))] == []
    width = await page.evaluate("document.querySelector('table table').getBoundingClientRect().width")
    assert 560 <= width <= 620  # the 600 px e-mail column, as mail clients show it
    target = SCREENSHOT if os.environ.get("JASETTE_WRITE_SCREENSHOTS") == "1" else tmp_path / "summary-email.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 10_000
