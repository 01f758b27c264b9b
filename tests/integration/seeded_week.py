"""A seeded week of known items (2026-W47 in Montreal) and the figures it must give."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # Tuesday of the week after
EST = timezone(timedelta(hours=-5))


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A Montreal wall-clock time in November 2026 (EST, UTC-5)."""
    return datetime(2026, 11, day, hour, minute, tzinfo=EST)


async def add(pool: Any, brand_id: int, external_id: str, created_at: datetime, *, platform: str = "facebook",
              lang: str = "fr", sentiment: str = "neutral", polarity: float = 0.0, priority: int = 0,
              reasons: list[str] | None = None, body: str = "", status: str = "new", frs: int | None = None,
              spam: bool = False, business: bool = False, analyzed: bool = True) -> int:
    """Insert one item exactly as described (figures must be predictable to the unit)."""
    return await pool.fetchval(
        """
        insert into items (brand_id, platform, external_id, kind, body, created_at, lang, sentiment, polarity,
                           priority, reasons, status, first_response_seconds, first_response_at, spam,
                           from_business, analyzed_at)
        values ($1, $2, $3, 'comment', $4, $5::timestamptz, $6, $7, $8, $9, $10, $11, $12,
                case when $12::int is null then null else $5::timestamptz + make_interval(secs => $12::int) end, $13, $14,
                case when $15 then $5::timestamptz end)
        returning id
        """,
        brand_id, platform, external_id, body, created_at, lang, sentiment, polarity, priority,
        reasons or [], status, frs, spam, business, analyzed,
    )


async def seed_week(pool: Any, brand_id: int) -> dict[str, int]:
    """Items of 2026-W47 and W46, with spam, our own reply, an unanalysed item and boundaries."""
    ids = {}
    a = lambda key, at, **kw: add(pool, brand_id, key, at, **kw)
    ids["fb-1"] = await a("fb-1", local(16, 10), sentiment="negative", polarity=-0.5, priority=90,
                          reasons=["negative", "urgent:refund"], body="Remboursement refusé, service lamentable",
                          status="done", frs=1800)
    ids["fb-2"] = await a("fb-2", local(16, 11), sentiment="negative", polarity=-0.3, priority=60,
                          reasons=["negative"], body="Attente interminable, service lent", status="open")
    ids["fb-3"] = await a("fb-3", local(17, 9), lang="en", sentiment="positive", polarity=0.8, priority=10,
                          body="Great coffee and friendly staff", status="done", frs=600)
    ids["ig-1"] = await a("ig-1", local(18, 12), platform="instagram", lang="en", sentiment="positive",
                          polarity=0.6, priority=5, body="Great croissants, great coffee", status="done", frs=300)
    ids["ig-2"] = await a("ig-2", local(19, 18), platform="instagram", priority=20, reasons=["question"],
                          body="Vous ouvrez à quelle heure dimanche ?", status="pending", frs=7200)
    ids["gg-1"] = await a("gg-1", local(21, 14), platform="google", sentiment="negative", polarity=-0.8,
                          priority=95, reasons=["negative", "urgent:safety"],
                          body="Allergie non respectée, service dangereux <script>x</script>")
    ids["gg-2"] = await a("gg-2", local(22, 23, 30), platform="google", sentiment="positive", polarity=0.4,
                          priority=5, body="Café excellent")
    await a("spam-1", local(17, 8), spam=True, body="Gagnez un iPhone", priority=0)
    await a("ours-1", local(17, 9, 30), business=True, body="Merci beaucoup !")
    ids["raw-1"] = await a("raw-1", local(20, 9), lang="und", analyzed=False, body="???")
    await a("next-week", local(23, 0), sentiment="negative", polarity=-1.0, priority=99, body="Semaine suivante")
    # The week before (W46): 4 analysed items, average 0.15.
    await a("prev-1", local(10, 12), sentiment="positive", polarity=0.5, body="Super")
    await a("prev-2", local(12, 12), sentiment="positive", polarity=0.3, body="Bien")
    await a("prev-3", local(13, 12), platform="google", lang="en", sentiment="negative", polarity=-0.2, body="Meh")
    await a("prev-4", local(15, 23, 59), body="Dimanche soir")
    for kind, at in (("negative_mention", local(16, 10, 5)), ("volume_spike", local(19, 18, 30)),
                     ("test", local(18, 9)), ("sentiment_dip", local(23, 1))):
        await pool.execute(
            "insert into alerts (brand_id, kind, dedupe_key, title, created_at) values ($1, $2, $3, $4, $5)",
            brand_id, kind, f"seed:{kind}", f"Alerte {kind}", at)
    return ids


def expected(ids: dict[str, int]) -> dict[str, Any]:
    """The figures seed_week must give for 2026-W47, worked out by hand."""
    return {
        "volume": {
            "total": 8, "previous_total": 4, "change": 4, "spam": 1,
            "by_platform": {"facebook": 4, "google": 2, "instagram": 2},
            "by_lang": {"fr": 5, "en": 2, "und": 1},
            "by_day": [
                {"date": "2026-11-16", "negative": 2, "neutral": 0, "positive": 0, "unanalyzed": 0},
                {"date": "2026-11-17", "negative": 0, "neutral": 0, "positive": 1, "unanalyzed": 0},
                {"date": "2026-11-18", "negative": 0, "neutral": 0, "positive": 1, "unanalyzed": 0},
                {"date": "2026-11-19", "negative": 0, "neutral": 1, "positive": 0, "unanalyzed": 0},
                {"date": "2026-11-20", "negative": 0, "neutral": 0, "positive": 0, "unanalyzed": 1},
                {"date": "2026-11-21", "negative": 1, "neutral": 0, "positive": 0, "unanalyzed": 0},
                {"date": "2026-11-22", "negative": 0, "neutral": 0, "positive": 1, "unanalyzed": 0},
            ],
        },
        "sentiment": {
            "analyzed": 7, "counts": {"negative": 3, "neutral": 1, "positive": 3},
            "shares": {"negative": 0.4286, "neutral": 0.1429, "positive": 0.4286}, "average": 0.0286,
            "previous": {"analyzed": 4, "counts": {"negative": 1, "neutral": 1, "positive": 2},
                         "shares": {"negative": 0.25, "neutral": 0.25, "positive": 0.5}, "average": 0.15},
            "change": {"average": -0.1214, "shares": {"negative": 0.1786, "neutral": -0.1071, "positive": -0.0714}},
        },
        "terms": {
            "negative": [{"term": "service", "count": 3}] + [{"term": t, "count": 1} for t in (
                "allergie", "attente", "dangereux", "interminable", "lamentable", "lent", "refusé",
                "remboursement", "respectée")],
            "positive": [{"term": "coffee", "count": 2}, {"term": "great", "count": 2}] + [
                {"term": t, "count": 1} for t in ("café", "croissants", "excellent", "friendly", "staff")],
        },
        "urgent_ids": [ids[k] for k in ("gg-1", "fb-1", "fb-2", "ig-2", "fb-3", "ig-1", "gg-2")],
        "response": {"answered": 4, "median_seconds": 1200.0, "p90_seconds": 5580.0, "unanswered": 4},
        "alerts": {"total": 2, "by_kind": {"negative_mention": 1, "volume_spike": 1}},
    }
