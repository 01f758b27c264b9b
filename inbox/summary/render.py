"""The weekly summary as an HTML page fragment, an HTML e-mail, plain text and CSV.

Jinja2 autoescape escapes every value; only our own SVG strings (whose labels svg.py already
escaped) are inserted as markup.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from inbox.summary import svg
from inbox.summary.words import duration, number, percent, signed, words

_ENV = Environment(loader=PackageLoader("inbox.summary", "templates"), autoescape=select_autoescape(["html"]),
                   trim_blocks=True, lstrip_blocks=True)


def charts(summary: dict[str, Any], lang: str) -> dict[str, Markup]:
    """The page's SVG charts keyed by name."""
    w = words(lang)
    series = [(k, w[k]) for k in ("negative", "neutral", "positive", "unanalyzed")]
    vol = summary["volume"]
    sent = summary["sentiment"]
    rows = [(w["this_week"], sent["shares"])]
    if sent["previous"]["analyzed"]:
        rows.append((w["previous"], sent["previous"]["shares"]))
    return {
        "by_day": Markup(svg.daily_columns(vol["by_day"], w["days"], series, w["by_day"])),
        "by_platform": Markup(svg.horizontal_bars(list(vol["by_platform"].items()), w["by_platform"])),
        "by_lang": Markup(svg.horizontal_bars(list(vol["by_lang"].items()), w["by_lang"])),
        "sentiment": Markup(svg.share_bars(rows, {k: w[k] for k in ("negative", "neutral", "positive")}, w["sentiment"])),
    }


def _context(summary: dict[str, Any], lang: str, base_url: str) -> dict[str, Any]:
    base = base_url.rstrip("/")
    return {
        "s": summary, "w": words(lang), "lang": lang, "base_url": base,
        "item_url": lambda i: f"{base}/items/{i}",
        "csv_url": f"{base}/summaries.csv?week={summary['week']}",
        "duration": lambda v: duration(v, lang), "number": lambda v, d=0: number(v, lang, d),
        "signed": lambda v, d=0: signed(v, lang, d), "percent": lambda v: percent(v, lang),
    }


def page_fragment(summary: dict[str, Any], lang: str, base_url: str = "") -> Markup:
    """The summary section of the web page, charts included (the web template wraps it)."""
    template = _ENV.get_template("page.html")
    return Markup(template.render(**_context(summary, lang, base_url), charts=charts(summary, lang)))


def email_html(summary: dict[str, Any], lang: str, base_url: str) -> str:
    """A self-contained HTML e-mail (inline styles, table bars: mail clients drop SVG)."""
    return _ENV.get_template("email.html").render(**_context(summary, lang, base_url))


def email_subject(summary: dict[str, Any], lang: str) -> str:
    """'Résumé de la semaine 2026-W47 · Café Test'."""
    return f"{words(lang)['title']} {summary['week']} · {summary['brand_name']}"


def text(summary: dict[str, Any], lang: str, base_url: str = "") -> str:
    """The plain-text part of the e-mail (and the `--format text` output)."""
    w, s = words(lang), summary
    vol, sent, resp = s["volume"], s["sentiment"], s["response"]
    out = [f"{w['title']} {s['week']} · {s['brand_name']}"]
    if s["partial"]:
        out.append(f"({w['partial']})")
    out += ["", f"{w['volume']}: {vol['total']} ({w['previous']}: {vol['previous_total']}, {w['change']} {signed(vol['change'], lang)})"]
    out.append(f"  {w['by_platform']}: " + (", ".join(f"{k} {v}" for k, v in vol["by_platform"].items()) or w["none"]))
    out.append(f"  {w['by_lang']}: " + (", ".join(f"{k} {v}" for k, v in vol["by_lang"].items()) or w["none"]))
    out += ["", f"{w['sentiment']}: " + ", ".join(
        f"{w[k]} {sent['counts'][k]} ({percent(sent['shares'][k], lang)})" for k in ("negative", "neutral", "positive"))]
    change = sent["change"]["average"]
    out.append(f"  {w['average']}: {number(sent['average'], lang, 2)} ({w['change']} {signed(change, lang, 2)})")
    for key in ("negative", "positive"):
        terms = ", ".join(t["term"] for t in s["terms"][key]) or w["none"]
        out.append(f"{w['terms_' + key]}: {terms}")
    out += ["", f"{w['urgent']}:"]
    for it in s["urgent"] or []:
        fate = (f"{w['answered_in']} {duration(it['first_response_seconds'], lang)}"
                if it["first_response_seconds"] is not None else w["not_answered"])
        out.append(f"  - [{it['priority']}] {it['platform']} · {it['author'] or '?'}: {it['excerpt'][:120]}")
        if it.get("reasons_text"):
            out.append(f"    {', '.join(it['reasons_text'])}")
        out.append(f"    {w['status_' + it['status']]}, {fate} — {base_url.rstrip('/')}/items/{it['id']}")
    if not s["urgent"]:
        out.append(f"  {w['none']}")
    out += ["", f"{w['response']}: {w['median']} {duration(resp['median_seconds'], lang)}, "
                f"{w['p90']} {duration(resp['p90_seconds'], lang)}; {w['unanswered']}: {resp['unanswered']}"]
    out.append(f"{w['alerts']}: {s['alerts']['total']}" + (
        " (" + ", ".join(f"{k} {v}" for k, v in s["alerts"]["by_kind"].items()) + ")" if s["alerts"]["by_kind"] else ""))
    if base_url:
        out += ["", f"{w['open_inbox']}: {base_url.rstrip('/')}/summaries?week={s['week']}"]
    return "\n".join(out) + "\n"


def rows(summary: dict[str, Any]) -> list[list[Any]]:
    """Long-format rows: section, key, value (one figure per line, easy to pivot); numbers stay
    numbers and text stays raw, for the writer to format (see to_csv, web/export.py)."""
    s = summary
    out: list[list[Any]] = [["section", "key", "value"]]
    out.append(["week", "label", s["week"]])
    out.append(["week", "start", s["start"]])
    out.append(["week", "end", s["end"]])
    vol = s["volume"]
    for key in ("total", "previous_total", "change", "spam"):
        out.append(["volume", key, vol[key]])
    for k, v in vol["by_platform"].items():
        out.append(["volume_by_platform", k, v])
    for k, v in vol["by_lang"].items():
        out.append(["volume_by_lang", k, v])
    for day in vol["by_day"]:
        for k in ("negative", "neutral", "positive", "unanalyzed"):
            out.append(["volume_by_day", f"{day['date']} {k}", day[k]])
    sent = s["sentiment"]
    for k, v in sent["counts"].items():
        out.append(["sentiment_count", k, v])
    for k, v in sent["shares"].items():
        out.append(["sentiment_share", k, v])
    out.append(["sentiment", "average", sent["average"]])
    out.append(["sentiment", "previous_average", sent["previous"]["average"]])
    out.append(["sentiment", "average_change", sent["change"]["average"]])
    for key in ("negative", "positive"):
        for t in s["terms"][key]:
            out.append([f"terms_{key}", t["term"], t["count"]])
    for it in s["urgent"]:
        out.append(["urgent", it["id"], f"{it['priority']} {it['status']} {it['excerpt']}"])
    for k, v in s["response"].items():
        out.append(["response", k, v])
    for k, v in s["alerts"]["by_kind"].items():
        out.append(["alerts", k, v])
    return out


def to_csv(summary: dict[str, Any]) -> str:
    """Plain CSV of `rows` (the `jasette summary --format csv` output; the web adds Excel's BOM)."""
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\r\n")
    for row in rows(summary):
        out.writerow([_csv_text(v) if isinstance(v, str) else v for v in row])
    return buf.getvalue()


def _csv_text(value: str) -> str:
    # A cell starting with = + - @ runs as a formula in spreadsheets: platform text is hostile.
    value = value.replace("\r", " ").replace("\n", " ")
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t") else value
