"""Helpers of the look-and-layout browser tests: a brand with varied comments and an alert,
the viewports people use, the overflow measure and the axe-core check."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from web_app import ingest, seed

from inbox import saved_replies
from inbox.alerts.evaluate import evaluate_brands

# A laptop, a tablet held upright, a common phone; 360 px is the narrowest phone still sold.
VIEWPORTS = {"desktop": (1366, 768), "tablet": (768, 1024), "phone": (390, 844)}
NARROWEST = (360, 740)


async def shop(pool: Any) -> dict[str, Any]:
    """Café A with comments from several platforms, long text, an urgent one and a raised alert."""
    async with pool.acquire() as conn:
        ids = await seed(conn)
        a, acc = ids["brand_a"], ids["account_a"]
        last_week = datetime.now(UTC) - timedelta(days=7)
        ids["urgent"] = await ingest(conn, a, acc, "Mon enfant a fait une réaction allergique après votre muffin. Je vais appeler un avocat.",
                                     author="Geneviève Lefebvre-Tremblay", sentiment="negative", priority=95,
                                     reasons=["very_negative", "urgent:allergy", "urgent:legal"], platform="facebook")
        await ingest(conn, a, acc, "Est-ce que vous êtes ouverts le 24 décembre? On voudrait réserver pour 12 personnes.",
                     author="Luc Bouchard", priority=55, reasons=["question"], platform="google")
        await ingest(conn, a, acc, "Service lent ce matin, 25 minutes pour un café…", author="Sophie", sentiment="negative",
                     priority=62, reasons=["negative"], platform="instagram")
        await ingest(conn, a, acc, "Best croissants in town, thank you!", author="@john_doe_mtl", lang="en", sentiment="positive",
                     priority=12, reasons=[], platform="x")
        await ingest(conn, a, acc, "Unmotpluslongquel'écranduntéléphonesansaucuneespacepourvoirsilapagedébordesurlecôté" * 2,
                     author="Anonyme", priority=30, reasons=[], platform="youtube")
        for n in range(6):
            await ingest(conn, a, acc, f"Commentaire de la semaine dernière numéro {n}", author=f"Client {n}",
                         sentiment=("negative", "neutral", "positive")[n % 3], priority=(58, 35, 15)[n % 3] + n, created_at=last_week,
                         reasons=["negative"] if n % 3 == 0 else [])
        await saved_replies.create(conn, a, "fr", "Désolé", "Bonjour {first_name}, désolés! L'équipe {business}")
    await evaluate_brands(pool, None, datetime.now(UTC))
    return ids


async def overflow(page: Any) -> int:
    """How many CSS pixels the page is wider than its viewport (0: no horizontal scroll)."""
    width: int = await page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    return width


async def wider_elements(page: Any) -> list[str]:
    """The elements sticking out past the viewport's right edge (to say what overflows)."""
    found: list[str] = await page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && e.getClientRects().length)
        .slice(0, 8).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : ''))""")
    return found


async def serious_violations(page: Any) -> list[str]:
    """axe-core's serious and critical WCAG 2.1 A/AA violations on the page, one line each."""
    from axe_playwright_python.async_playwright import Axe

    results = await Axe().run(page, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
                                             "resultTypes": ["violations"]})
    out = []
    for v in results.response["violations"]:
        if v["impact"] in ("serious", "critical"):
            targets = [" ".join(n["target"]) for n in v["nodes"][:3]]
            out.append(f"{v['id']} ({v['impact']}): {v['help']} at {targets}")
    return out


async def top_bar_rows(page: Any) -> list[str]:
    """What in the top bar sits off the logo's row (empty: the bar is one row)."""
    off: list[str] = await page.evaluate("""() => {
        const logo = document.querySelector('header.top .logo').getBoundingClientRect();
        const middle = logo.top + logo.height / 2;
        return [...document.querySelectorAll('header.top > *')].filter(e => e.getClientRects().length)
            .filter(e => { const r = e.getBoundingClientRect(); return r.top > middle || r.bottom < middle; })
            .map(e => e.tagName.toLowerCase() + '.' + e.className + ' at y=' + Math.round(e.getBoundingClientRect().top));
    }""")
    return off
