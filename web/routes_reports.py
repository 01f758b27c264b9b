"""Reports (« Rapports »): any date range in the brand's time zone, items received per platform
and sentiment, replies sent, first-response times per staff member; the same as CSV."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from inbox import reports
from inbox.summary import query as summary_query
from inbox.zones import zone
from web import export, i18n
from web import input as web_input
from web.auth import Member, require_member
from web.pages import render
from web.report_range import Range, RangeError, in_words, parse, quick_picks

_ = i18n.gettext
_COLUMNS = ("negative", "neutral", "positive", "unanalyzed")


def _now() -> datetime:
    return datetime.now(UTC)


async def _brand(request: Request, member: Member) -> Any:
    async with request.app.state.pool.acquire() as db:
        brand = await summary_query.brand_by_id(db, member.brand_id)
    if brand is None:  # the brand was deleted while the page was open
        raise HTTPException(404)
    return brand


async def _report(request: Request, member: Member) -> tuple[Any, Range | None, str | None, date]:
    """The brand, the range asked (None when it is wrong), the error in words, today there."""
    brand = await _brand(request, member)
    tz = zone(brand["timezone"])
    today = _now().astimezone(tz).date()
    raw_from = web_input.query_text(request, "from") or ""
    raw_to = web_input.query_text(request, "to") or ""
    try:
        return brand, parse(raw_from, raw_to, tz, today), None, today
    except RangeError as exc:
        return brand, None, str(exc), today


def _named_staff(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [{**s, "name": s["name"] or _("Former member")} for s in report["staff"]]


async def reports_page(request: Request) -> Response:
    """GET /reports?from=2026-11-01&to=2026-11-30: the report, or the form with what was typed and why not."""
    member = await require_member(request)
    lang = i18n.pick(member.ui_lang)
    brand, chosen, error, today = await _report(request, member)
    report = None
    if chosen is not None:
        async with request.app.state.pool.acquire() as db:
            report = await reports.compute(db, member.brand_id, chosen.start, chosen.end)
    typed = {"from": request.query_params.get("from", ""), "to": request.query_params.get("to", "")}
    if chosen is not None and not (typed["from"] or typed["to"]):
        typed = {"from": chosen.first.isoformat(), "to": chosen.last.isoformat()}
    return await render(request, "reports.html", {
        "report": report, "range": chosen, "error": error, "typed": typed, "timezone": str(brand["timezone"]),
        "picks": [(label, first.isoformat(), last.isoformat()) for label, first, last in quick_picks(today)],
        "staff": _named_staff(report) if report else [], "columns": _COLUMNS,
        "period": i18n.day_span(chosen.first, chosen.last, lang) if chosen else "",
        "duration": lambda seconds: in_words(seconds, lang), "number": lambda n: i18n.number(n, lang),
    }, member=member, status_code=200 if error is None else 400)


def _minutes(seconds: float | None) -> float | None:
    return round(seconds / 60, 1) if seconds is not None else None


def rows(report: dict[str, Any], brand_name: str, chosen: Range, lang: str) -> list[list[object]]:
    """The report as spreadsheet rows in the reader's language: one small table per section,
    numbers left as numbers (the writer gives them the reader's decimal sign)."""
    def w(text: str) -> str:
        return _(text, lang)

    received = report["received"]
    out: list[list[object]] = [
        [w("Report"), brand_name, chosen.first.isoformat(), chosen.last.isoformat()], [],
        [w("Platform"), *(w(c) for c in ("negative", "neutral", "positive", "not analysed")), w("Total")],
    ]
    for p in received["by_platform"]:
        out.append([i18n.platform_name(p["platform"], lang), *(p[c] for c in _COLUMNS), p["total"]])
    out.append([w("Total"), *(received["totals"][c] for c in _COLUMNS), received["totals"]["total"]])
    out += [[], [w("Spam (not counted)"), received["spam"]], [w("Replies sent"), report["replies_sent"]],
            [w("Unanswered"), report["overall"]["unanswered"]], [],
            [w("Staff member"), w("Replies sent"), w("First responses"), w("Median first response (minutes)"),
             w("90th percentile (minutes)")]]
    for s in report["staff"]:
        out.append([s["name"] or w("Former member"), s["replies_sent"], s["first_responses"],
                    _minutes(s["median_seconds"]), _minutes(s["p90_seconds"])])
    overall = report["overall"]
    out.append([w("Whole brand"), report["replies_sent"], overall["first_responses"],
                _minutes(overall["median_seconds"]), _minutes(overall["p90_seconds"])])
    return out


async def reports_csv(request: Request) -> Response:
    """GET /reports.csv?from=…&to=…[&sep=;]: the report for Excel (web/export.py: BOM, `;` and decimal commas in French)."""
    member = await require_member(request)
    lang = i18n.pick(member.ui_lang)
    sep = export.separator(request, lang)
    brand, chosen, error, _today = await _report(request, member)
    if chosen is None:
        raise HTTPException(400, error or "")
    async with request.app.state.pool.acquire() as db:
        report = await reports.compute(db, member.brand_id, chosen.start, chosen.end)
    name = f"report-{brand['slug']}-{chosen.first.isoformat()}-{chosen.last.isoformat()}.csv"
    return export.attachment(export.encode(rows(report, brand["name"], chosen, lang), sep), name)


routes = [
    Route("/reports", reports_page, methods=["GET"]),
    Route("/reports.csv", reports_csv, methods=["GET"]),
]
