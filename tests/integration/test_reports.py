"""Reports (« Rapports ») over any date range: items received, replies sent and first-response
times per person, where only replies the platform accepted count and spam never does; bad
ranges are explained in the form (400, what was typed kept); the CSV opens right in Excel."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from seeded_replies import FIRST, LAST, seed_october
from web_app import client_for, login, make_app, seed

from inbox import reports
from web.report_range import of_days

MONTREAL = ZoneInfo("America/Montreal")


def cells(html: str, person: str) -> list[str]:
    """The text of a row of the staff table, by the person's name."""
    row = re.search(rf'<tr data-person="{re.escape(person)}"[^>]*>(.*?)</tr>', html, re.S)
    assert row, f"no row for {person}"
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row.group(1), re.S)]


async def test_response_times_per_person_count_only_accepted_replies_and_never_spam(pool, db_dsn):
    async with pool.acquire() as conn:
        ids = await seed(conn)
        await seed_october(conn, ids)
        chosen = of_days(datetime(2026, 10, 5).date(), datetime(2026, 10, 11).date(), MONTREAL)
        report = await reports.compute(conn, ids["brand_a"], chosen.start, chosen.end)
    staff = {s["name"]: s for s in report["staff"]}
    assert set(staff) == {"Odile Owner", "Alain Agent"}
    odile, alain = staff["Odile Owner"], staff["Alain Agent"]
    assert (odile["first_responses"], odile["median_seconds"], odile["p90_seconds"]) == (2, 3750.0, 5310.0)
    # The failed attempt at 10 minutes does not count: his first accepted reply came at 2 hours.
    assert (alain["first_responses"], alain["median_seconds"], alain["p90_seconds"]) == (1, 7200.0, 7200.0)
    # Replies sent: his second answer to « Café froid » counts, his answer to spam does not.
    assert (odile["replies_sent"], alain["replies_sent"], report["replies_sent"]) == (2, 2, 4)
    assert report["overall"] == {"first_responses": 3, "median_seconds": 5700.0, "p90_seconds": 6900.0, "unanswered": 1}
    received = report["received"]
    assert received["totals"] == {"negative": 2, "neutral": 1, "positive": 1, "unanalyzed": 0, "total": 4}
    assert received["spam"] == 1 and [p["platform"] for p in received["by_platform"]] == ["wordpress"]


async def test_reports_page_shows_a_custom_range_in_words(pool, db_dsn):
    async with pool.acquire() as conn:
        ids = await seed(conn)
        await seed_october(conn, ids)
    async with client_for(make_app(pool, db_dsn)) as client:
        await login(client, "owner@a.test")
        page = await client.get(f"/reports?from={FIRST}&to={LAST}")
        assert page.status_code == 200
        html = page.text
        assert "<h1>Rapports</h1>" in html and re.search(r'href="/reports" aria-current="page">.*?<span>Rapports</span>', html, re.S)
        assert cells(html, "Odile Owner") == ["Odile Owner", "2", "2", "1 h 2 min", "1 h 28 min"]
        assert cells(html, "Alain Agent") == ["Alain Agent", "2", "1", "2 h", "2 h"]
        assert cells(html, "overall") == ["Toute la marque", "4", "3", "1 h 35 min", "1 h 55 min"]
        assert 'id="report-received">4<' in html and "Indésirables (non comptés) : 1" in html
        # The range in words, in the reader's language (their locale's month names and order).
        assert '<p id="report-period" class="report-period">Du 5 au 11 octobre 2026 (7 jours)</p>' in html
        assert f'href="/reports.csv?from={FIRST}&amp;to={LAST}"' in html
        # Quick picks are links with their dates; the default is the last 30 days.
        default = await client.get("/reports")
        assert default.status_code == 200 and "30 derniers jours" in default.text and "Le mois dernier" in default.text
        assert re.search(r'href="/reports\?from=\d{4}-\d\d-01&amp;to=\d{4}-\d\d-\d\d">Ce mois-ci<', default.text)
        # Brand B's owner sees none of it.
        await client.post("/logout", data={"csrf": re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)})
        await login(client, "owner@b.test")
        other = await client.get(f"/reports?from={FIRST}&to={LAST}")
        assert "Odile Owner" not in other.text and "Replies sent" in other.text
        assert '<p id="report-period" class="report-period">October 5 to 11, 2026 (7 days)</p>' in other.text


async def test_bad_ranges_are_explained_in_the_form_with_what_was_typed(pool, db_dsn):
    async with pool.acquire() as conn:
        await seed(conn)
    async with client_for(make_app(pool, db_dsn)) as client:
        await login(client, "owner@a.test")
        backwards = await client.get("/reports?from=2026-10-11&to=2026-10-05")
        assert backwards.status_code == 400
        assert "La date de début (2026-10-11) vient après la date de fin (2026-10-05)." in backwards.text
        assert 'name="from" value="2026-10-11"' in backwards.text and 'name="to" value="2026-10-05"' in backwards.text
        typed = await client.get("/reports", params={"from": "31/10/2026", "to": "2026-10-31"})
        assert typed.status_code == 400 and "« 31/10/2026 » n&#39;est pas une date" in typed.text
        # Not a date: the field becomes a text box holding what was typed, to be corrected.
        assert re.search(r'name="from" value="31/10/2026"\s+type="text"', typed.text)
        too_long = await client.get("/reports?from=2020-01-01&to=2026-10-31")
        assert too_long.status_code == 400 and "au plus deux ans (731 jours)" in too_long.text
        for params in ({"from": "2026-02-30", "to": "2026-03-01"}, {"from": "2026-10-01"}, {"from": "0001-01-01", "to": "0001-01-02"},
                       {"from": "2026-10-01\x00", "to": "2026-10-02"}, {"from": "99999-01-01", "to": "2026-01-01"}):
            response = await client.get("/reports", params=params)
            assert response.status_code == 400, params
        missing_end = await client.get("/reports?from=2026-10-01")
        assert "Choisissez une date de fin." in missing_end.text
        csv_bad = await client.get("/reports.csv?from=2026-10-11&to=2026-10-05")
        assert csv_bad.status_code == 400 and "vient après" in csv_bad.text
        await client.post("/lang", data={"lang": "en", "csrf": re.search(r'name="csrf-token" content="([^"]+)"', typed.text).group(1),
                                         "next": "/reports"})
        english = await client.get("/reports?from=2026-10-11&to=2026-10-05")
        assert english.status_code == 400 and "The start date (2026-10-11) comes after the end date (2026-10-05)." in english.text


def table(text: str, sep: str) -> list[list[str]]:
    assert text.startswith("\ufeff"), "Excel needs the byte-order mark to read UTF-8"
    return list(csv.reader(io.StringIO(text[1:]), delimiter=sep))


async def test_report_csv_for_french_and_english_excel(pool, db_dsn):
    async with pool.acquire() as conn:
        ids = await seed(conn)
        await seed_october(conn, ids)
        await conn.execute("update users set name = '=HYPERLINK(\"http://evil.test\")' where id = $1", ids["agent_a"])
    async with client_for(make_app(pool, db_dsn)) as client:
        await login(client, "owner@a.test")
        french = await client.get(f"/reports.csv?from={FIRST}&to={LAST}")
        assert french.status_code == 200 and french.headers["content-type"].startswith("text/csv")
        assert f'filename="report-cafe-a-{FIRST}-{LAST}.csv"' in french.headers["content-disposition"]
        rows = table(french.text, ";")
        assert rows[0] == ["Rapport", "Café A", FIRST, LAST]
        assert ["Plateforme", "négatif", "neutre", "positif", "non analysé", "Total"] in rows
        assert ["WordPress", "2", "1", "1", "0", "4"] in rows
        assert ["Indésirables (non comptés)", "1"] in rows and ["Réponses envoyées", "4"] in rows
        header = rows.index(["Membre de l'équipe", "Réponses envoyées", "Premières réponses",
                             "Première réponse, médiane (minutes)", "90e centile (minutes)"])
        # Minutes with a decimal comma, read as numbers by French Excel; a name never runs as a formula.
        assert rows[header + 1] == ["Odile Owner", "2", "2", "62,5", "88,5"]
        assert rows[header + 2] == ["'=HYPERLINK(\"http://evil.test\")", "2", "1", "120,0", "120,0"]
        assert rows[header + 3] == ["Toute la marque", "4", "3", "95,0", "115,0"]
        english = await client.get(f"/reports.csv?from={FIRST}&to={LAST}&sep=comma")
        assert ["Odile Owner", "2", "2", "62.5", "88.5"] in table(english.text, ",")
