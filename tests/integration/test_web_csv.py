"""CSV exports open right in French and English Excel: UTF-8 with a BOM, `;` and decimal commas
for French readers (`,` for English ones, `?sep=` to choose), dates in the reader's zone, and
cells that a customer wrote never run as formulas."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

from web_app import client_for, ingest, login, make_app, seed

BOM = "\ufeff"


def table(text: str, sep: str) -> list[list[str]]:
    assert text.startswith(BOM), "Excel needs the byte-order mark to read UTF-8"
    return list(csv.reader(io.StringIO(text[1:]), delimiter=sep))


async def test_items_csv_for_french_excel(pool, db_dsn):
    async with pool.acquire() as conn:
        ids = await seed(conn)
        await conn.execute("update users set timezone = 'America/Vancouver' where id = $1", ids["owner_a"])
        at = datetime(2026, 11, 18, 19, 5, tzinfo=UTC)  # 11:05 in Vancouver
        await ingest(conn, ids["brand_a"], ids["account_a"], '=HYPERLINK("http://evil.test","Cliquez")', created_at=at,
                     sentiment="negative", reasons=["negative", "urgent:allergy"], author="@Zoé Côté")
        await ingest(conn, ids["brand_a"], ids["account_a"], "Café déçu, très long", created_at=at - timedelta(days=1))
        await ingest(conn, ids["brand_a"], ids["account_a"], "Trop vieux", created_at=at - timedelta(days=40))
        done = await ingest(conn, ids["brand_a"], ids["account_a"], "Déjà traité", created_at=at - timedelta(days=2), priority=90)
        await conn.execute("update items set status = 'done' where id = $1", done)
        await ingest(conn, ids["brand_b"], ids["account_b"], "Secret de la marque B", created_at=at)
    async with client_for(make_app(pool, db_dsn)) as client:
        await login(client, "owner@a.test")
        response = await client.get("/items.csv?from=2026-11-01&to=2026-11-30")
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
        assert "attachment" in response.headers["content-disposition"]
        assert response.content.startswith(b"\xef\xbb\xbf")
        rows = table(response.text, ";")
        header, body = rows[0], rows[1:]
        assert header[:3] == ["Date", "Plateforme", "Type"] and "Raisons" in header and "Texte" in header
        # Every status (a report, not the to-do list), newest first; the date range keeps the
        # old one out; brand B's never shows.
        assert [dict(zip(header, r))["Texte"] for r in body][1:] == ["Café déçu, très long", "Déjà traité"]
        assert dict(zip(header, body[2]))["Statut"] == "traité"
        first = dict(zip(header, body[0]))
        assert first["Texte"] == "'=HYPERLINK(\"http://evil.test\",\"Cliquez\")"  # inert text, not a formula
        assert first["Auteur"] == "'@Zoé Côté"
        assert first["Date"] == "2026-11-18 11:05"  # the reader's zone, not UTC
        assert first["Raisons"] == "Commentaire négatif, Allergie mentionnée"
        assert first["Sentiment"] == "négatif" and first["Type"] == "commentaire" and first["Statut"] == "nouveau"
        assert "Secret de la marque B" not in response.text
        # A comma-separated file on request, a clear refusal for an unknown separator.
        comma = await client.get("/items.csv?sep=,&from=2026-11-01")
        assert table(comma.text, ",")[0][:2] == ["Date", "Plateforme"]
        bad = await client.get("/items.csv?sep=pipe")
        assert bad.status_code == 400 and "sep" in bad.text


async def test_items_csv_in_english_uses_commas(pool, db_dsn):
    async with pool.acquire() as conn:
        ids = await seed(conn)
        await ingest(conn, ids["brand_b"], ids["account_b"], "Great coffee, slow service", sentiment="positive",
                     reasons=["positive"])
    async with client_for(make_app(pool, db_dsn)) as client:
        await login(client, "owner@b.test")
        rows = table((await client.get("/items.csv")).text, ",")
    assert rows[0][:3] == ["Date", "Platform", "Type"]
    assert dict(zip(rows[0], rows[1]))["Text"] == "Great coffee, slow service"


async def test_summary_csv_for_french_and_english_excel(pool, db_dsn):
    async with pool.acquire() as conn:
        ids = await seed(conn)
        now = datetime.now(UTC)
        for n, sentiment in enumerate(("negative", "negative", "positive")):
            await ingest(conn, ids["brand_a"], ids["account_a"], f"=1+{n} service", sentiment=sentiment,
                         reasons=["negative"], created_at=now - timedelta(days=7))
    async with client_for(make_app(pool, db_dsn)) as client:
        await login(client, "owner@a.test")
        page = await client.get("/summaries")
        week = re.search(r'name="week" value="(\d{4}-W\d\d)"', page.text).group(1)
        assert "/items.csv?from=" in page.text  # the week's messages, one click away
        french = await client.get(f"/summaries.csv?week={week}")
        rows = table(french.text, ";")
        assert rows[0] == ["section", "key", "value"] and ["volume", "total", "3"] in rows
        shares = {r[1]: r[2] for r in rows if r[0] == "sentiment_share"}
        assert shares["negative"] == "0,6667"  # French Excel reads a decimal comma as a number
        english = await client.get(f"/summaries.csv?week={week}&sep=comma")
        shares = {r[1]: r[2] for r in table(english.text, ",") if r[0] == "sentiment_share"}
        assert shares["negative"] == "0.6667"
