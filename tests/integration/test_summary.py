"""The weekly summary of a seeded week gives exactly the expected figures; bad input is clear."""

from __future__ import annotations

import argparse
import csv
import io
import json

import pytest
from seeded_week import NOW, expected, seed_week

from inbox.summary import cli, query, render
from inbox.summary.period import SummaryError


async def summary_of(pool, week: str = "2026-W47", slug: str = "cafe-test", now=NOW) -> dict:
    async with pool.acquire() as conn:
        return await query.compute(conn, await query.brand_row(conn, slug), week, now)


async def test_seeded_week_gives_exactly_the_expected_figures(pool, brand):
    ids = await seed_week(pool, brand["brand_id"])
    s = await summary_of(pool)
    want = expected(ids)
    assert s["week"] == "2026-W47" and s["partial"] is False
    assert s["start"] == "2026-11-16T00:00:00-05:00" and s["end"] == "2026-11-23T00:00:00-05:00"
    assert s["volume"] == want["volume"]
    assert s["sentiment"] == want["sentiment"]
    assert s["terms"] == want["terms"]
    assert [u["id"] for u in s["urgent"]] == want["urgent_ids"]
    top = s["urgent"][0]
    assert top["status"] == "new" and top["first_response_seconds"] is None and top["reasons"] == ["negative", "urgent:safety"]
    assert s["response"] == want["response"]
    assert {k: s["alerts"][k] for k in ("total", "by_kind")} == want["alerts"]


async def test_renderings_escape_platform_text_and_carry_the_figures(pool, brand):
    await seed_week(pool, brand["brand_id"])
    s = await summary_of(pool)
    for lang in ("fr", "en"):
        page = str(render.page_fragment(s, lang, "http://inbox.test"))
        mail = render.email_html(s, lang, "http://inbox.test")
        for html in (page, mail):
            assert "<script>x</script>" not in html and "&lt;script&gt;" in html
            assert "http://inbox.test/items/" in html
        assert page.count("<svg") == 4 and "http" not in page.split("<svg", 1)[1].split("</svg>")[0].replace(
            "http://www.w3.org/2000/svg", "")  # nothing fetched from elsewhere
    text = render.text(s, "fr", "http://inbox.test")
    assert "Médiane 20 min, 90e centile 1 h 33" in text and "Sans réponse : 4" not in text
    assert "Sans réponse: 4" in text
    assert "Résumé de la semaine 2026-W47" in render.email_subject(s, "fr")
    assert "Weekly summary 2026-W47" in render.email_subject(s, "en")
    rows = list(csv.reader(io.StringIO(render.to_csv(s))))
    assert rows[0] == ["section", "key", "value"]
    assert ["volume", "total", "8"] in rows and ["terms_negative", "service", "3"] in rows
    assert ["response", "p90_seconds", "5580.0"] in rows


async def test_empty_brand_future_week_and_bad_labels(pool, brand):
    s = await summary_of(pool)
    assert s["volume"]["total"] == 0 and s["sentiment"]["average"] is None and s["response"]["median_seconds"] is None
    assert s["sentiment"]["change"] == {"average": None, "shares": None}
    for lang in ("fr", "en"):
        render.page_fragment(s, lang)
        render.email_html(s, lang, "http://x")
        render.text(s, lang)
    render.to_csv(s)
    current = await summary_of(pool, "2026-W48")
    assert current["partial"] is True
    with pytest.raises(SummaryError, match="2026-W49 has not started yet"):
        await summary_of(pool, "2026-W49")
    with pytest.raises(SummaryError, match="must look like 2026-W47"):
        await summary_of(pool, "2026-47")
    with pytest.raises(SummaryError, match="does not exist"):
        await summary_of(pool, "2025-W53")
    with pytest.raises(SummaryError, match="no brand with slug 'nope'"):
        await summary_of(pool, slug="nope")


async def test_cli_prints_json_csv_html_and_clear_errors(pool, brand, capsys):
    ids = await seed_week(pool, brand["brand_id"])
    args = argparse.Namespace(brand="cafe-test", week="2026-W47", format="json", lang=None)
    assert await cli.run(args, pool, now=NOW) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["volume"] == expected(ids)["volume"]
    for fmt, marker in (("csv", "section,key,value"), ("html", "<!doctype html>"), ("text", "Résumé de la semaine")):
        args.format = fmt
        assert await cli.run(args, pool, now=NOW) == 0
        assert marker in capsys.readouterr().out
    # As the `jasette summary` command calls it: reasons and platforms in words, as in the e-mail.
    from nlp.reasons import describe
    from web.i18n import platform_name
    args.format = "text"
    assert await cli.run(args, pool, now=NOW, describe=describe, platform_name=platform_name) == 0
    text = capsys.readouterr().out
    assert "Demande de remboursement" in text and "urgent:refund" not in text and "Commentaire négatif 1" in text
    args.week = "2030-W01"
    assert await cli.run(args, pool, now=NOW) == 2
    assert "2030-W01 has not started yet" in capsys.readouterr().err
    # Without --week: the last complete week.
    args.week, args.format = None, "json"
    assert await cli.run(args, pool, now=NOW) == 0
    assert json.loads(capsys.readouterr().out)["week"] == "2026-W47"
