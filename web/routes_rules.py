"""Settings → Règles: the brand's automation rules; owners write them, agents read them.

A rule is written in plain words in one form ("when a message ... then ..."); the same form
previews how many of the brand's recent messages the rule would have matched, keeping what was
typed. Applying the rules is inbox/rules.py's, at ingest and when a reading changes.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from collector import registry
from inbox import rules, users
from inbox.workflow import SENTIMENTS, STATUSES
from nlp import reasons as nlp_reasons
from web import i18n
from web import input as web_input
from web.api_items import can
from web.auth import Member, require_member
from web.pages import render

_ = i18n.gettext
DONE = {"saved": "The rule is saved: it applies to messages from now on.", "deleted": "The rule is deleted.",
        "moved": "The order is changed.", "enabled": "The rule is on.", "disabled": "The rule is off."}
# "urgent" stands for every urgent reason (inbox/rule_match.py reads it as a prefix).
REASONS = ("urgent", *nlp_reasons.CODES)


def _empty() -> dict[str, Any]:
    return {"name": "", "platforms": [], "langs": [], "sentiments": [], "reasons": [], "min_priority": "",
            "keywords": "", "author": "", "spam": "", "assign": "", "tag": "", "status": "", "mark_spam": False,
            "hide": False, "alert": ""}


def typed_of(rule: dict[str, Any]) -> dict[str, Any]:
    """A stored rule as the form shows it."""
    c, a = rule["conditions"], rule["actions"]
    return {**_empty(), "name": rule["name"], "platforms": c.get("platforms", []), "langs": c.get("langs", []),
            "sentiments": c.get("sentiments", []), "reasons": c.get("reasons", []),
            "min_priority": str(c.get("min_priority", "")), "keywords": ", ".join(c.get("keywords", [])),
            "author": c.get("author", ""), "spam": {True: "yes", False: "no"}.get(c.get("spam"), ""),
            "assign": str(a.get("assign", "")), "tag": a.get("tag", ""), "status": a.get("status", ""),
            "mark_spam": bool(a.get("spam")), "hide": bool(a.get("hide")), "alert": _alert_choice(a)}


def _alert_choice(actions: dict[str, Any]) -> str:
    # The form's one "alert" menu: "" (none), "brand" (its alert channels) or a member's id.
    if not actions.get("alert"):
        return ""
    return str(actions["alert_person"]) if "alert_person" in actions else "brand"


def broken(rule: dict[str, Any], names: dict[int, str]) -> str | None:
    """What no longer works in a rule (its alert goes to someone removed from the team), or None."""
    person = rule["actions"].get("alert_person")
    if person is not None and person not in names:
        return _("Broken action: the alert goes to a person removed from the team; nothing is sent to them."
                 " Choose someone else.")
    return None


def summary(rule: dict[str, Any], names: dict[int, str], lang: str) -> tuple[str, str]:
    """A rule in plain words for the list: (when, then)."""
    c, a = rule["conditions"], rule["actions"]

    def words(values: list[str]) -> str:
        return ", ".join(values)

    when: list[str] = []
    if c.get("keywords"):
        when.append(_("contains {words}", words=words([f"« {k} »" for k in c["keywords"]])))
    if c.get("platforms"):
        when.append(_("from {platforms}", platforms=words([i18n.platform_name(p) for p in c["platforms"]])))
    if c.get("langs"):
        when.append(_("in {langs}", langs=words([{"fr": "français", "en": "English"}.get(x, x) for x in c["langs"]])))
    if c.get("sentiments"):
        when.append(_("tone: {tones}", tones=words([_(x) for x in c["sentiments"]])))
    if c.get("min_priority") is not None:
        when.append(_("priority at least {n}", n=c["min_priority"]))
    if c.get("reasons"):
        when.append(_("reasons: {reasons}", reasons=words(
            [_("Any urgent reason") if r == "urgent" else nlp_reasons.describe(r, lang) for r in c["reasons"]])))
    if c.get("author"):
        when.append(_("written by {author}", author=c["author"]))
    if "spam" in c:
        when.append(_("only spam") if c["spam"] else _("no spam"))
    then: list[str] = []
    if "assign" in a:
        then.append(_("give to {name}", name=names.get(a["assign"], "?")))
    if "tag" in a:
        then.append(_("tag “{tag}”", tag=a["tag"]))
    if "status" in a:
        then.append(_("status “{status}”", status=_(a["status"])))
    if a.get("spam"):
        then.append(_("mark as spam"))
    if a.get("hide"):
        then.append(_("hide on the platform"))
    if a.get("alert") and "alert_person" in a:
        person = a["alert_person"]
        then.append(_("alert {name}", name=names[person]) if person in names
                    else _("alert: person removed from the team"))
    elif a.get("alert"):
        then.append(_("send an alert"))
    return " · ".join(when) or _("every message"), " · ".join(then)


def _hide_platforms() -> list[str]:
    return [p for p in registry.platforms() if can(p, "hide")]


def parse(form: FormData, member_ids: set[int]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], str | None, str | None]:
    """The typed form, the rule's conditions and actions, and the first error with its field (or None)."""
    typed = _empty()
    typed["name"] = str(form.get("name", "")).strip()[:200]
    for key, known in (("platforms", registry.platforms()), ("langs", i18n.LANGS), ("sentiments", SENTIMENTS),
                       ("reasons", REASONS)):
        typed[key] = [str(v) for v in form.getlist(key) if str(v) in known]
    for key in ("min_priority", "keywords", "author", "spam", "assign", "tag", "status", "alert"):
        typed[key] = str(form.get(key, "")).strip()[:500]
    for key in ("mark_spam", "hide"):
        typed[key] = form.get(key) == "on"
    if typed["alert"] == "on":
        typed["alert"] = "brand"  # the checkbox of earlier versions
    conditions: dict[str, Any] = {k: typed[k] for k in ("platforms", "langs", "sentiments", "reasons") if typed[k]}
    keywords = [" ".join(k.split()) for k in typed["keywords"].replace(";", ",").split(",") if k.strip()]
    if keywords:
        conditions["keywords"] = keywords
    if typed["author"]:
        conditions["author"] = typed["author"]
    if typed["spam"] in ("yes", "no"):
        conditions["spam"] = typed["spam"] == "yes"
    actions: dict[str, Any] = {}
    if typed["tag"]:
        actions["tag"] = typed["tag"]
    if typed["status"] in STATUSES:
        actions["status"] = typed["status"]
    if typed["mark_spam"]:
        actions["spam"] = True
    if typed["alert"] == "brand":
        actions["alert"] = True
    if typed["hide"]:
        actions.update(hide=True, hide_platforms=_hide_platforms())

    def fail(message: str, field: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], str, str]:
        return typed, conditions, actions, message, field

    if not typed["name"] or len(typed["name"]) > 80:
        return fail(_("Give the rule a name of 1 to 80 characters (say what it is for)."), "name")
    if typed["min_priority"]:
        value = web_input.parse_id(typed["min_priority"]) if typed["min_priority"] != "0" else 0
        if value is None or value > 100:
            return fail(_("The priority is a whole number from 0 to 100."), "min_priority")
        conditions["min_priority"] = value
    if any(len(k) > 80 for k in keywords) or len(keywords) > 50:
        return fail(_("Keep to 50 keywords of at most 80 characters each, separated by commas."), "keywords")
    if len(typed["tag"]) > 40:
        return fail(_("A tag has at most 40 characters."), "tag")
    if typed["status"] and typed["status"] not in STATUSES:
        return fail(_("Choose a status from the list."), "status")
    if typed["assign"]:
        who = web_input.parse_id(typed["assign"])
        if who is None or who not in member_ids:
            return fail(_("Choose someone who works on this brand."), "assign")
        actions["assign"] = who
    if typed["alert"] and typed["alert"] != "brand":
        # Checked here, on the server: a member of another brand is never a recipient.
        whom = web_input.parse_id(typed["alert"])
        if whom is None or whom not in member_ids:
            return fail(_("Choose someone who works on this brand to alert."), "alert")
        actions.update(alert=True, alert_person=whom)
    if not actions:
        return fail(_("Choose at least one thing for the rule to do."), "actions")
    return typed, conditions, actions, None, None


async def _page(request: Request, member: Member, *, typed: dict[str, Any] | None = None, editing: int | None = None,
                error: str | None = None, field: str | None = None, preview: tuple[int, int] | None = None,
                status_code: int = 200) -> Response:
    async with request.app.state.pool.acquire() as db:
        found = await rules.list_rules(db, member.brand_id)
        counts, looked = await rules.preview_many(db, member.brand_id, [r["conditions"] for r in found])
        members = [dict(m) for m in await users.members_of(db, member.brand_id)]
    done = DONE.get(request.query_params.get("done", ""))
    names = {m["id"]: m["name"] or m["email"] for m in members}
    return await render(request, "rules.html", {
        "rules": [{**r, "matched": n, "summary": summary(r, names, i18n.current_lang.get()), "broken": broken(r, names)}
                  for r, n in zip(found, counts)], "looked": looked, "members": members,
        "names": names, "typed": typed or _empty(), "editing": editing, "error": error, "field": field,
        "preview": preview, "done": _(done) if done else None, "platforms": registry.platforms(),
        "hide_platforms": _hide_platforms(), "reasons": REASONS, "sentiments": SENTIMENTS, "statuses": STATUSES,
        "langs": i18n.LANGS, "describe": nlp_reasons.describe,
    }, member=member, status_code=status_code)


def _rule_id(request: Request) -> int:
    return web_input.path_id(request, "rule", _("No such rule."))


async def _owned(request: Request, member: Member) -> dict[str, Any]:
    """The session brand's rule named in the path; 404 for another brand's (never a hint it exists)."""
    async with request.app.state.pool.acquire() as db:
        rule = await rules.get_rule(db, member.brand_id, _rule_id(request))
    if rule is None:
        raise HTTPException(404, _("No such rule."))
    return rule


async def rules_page(request: Request) -> Response:
    """GET /settings/rules: the brand's rules in order, with what each would have matched lately."""
    return await _page(request, await require_member(request))


async def edit_page(request: Request) -> Response:
    """GET /settings/rules/{rule}: the rule in the form, to change it (owners)."""
    member = await require_member(request)
    rule = await _owned(request, member)
    return await _page(request, member, typed=typed_of(rule), editing=rule["id"])


async def _save(request: Request, member: Member, editing: int | None) -> Response:
    form = await web_input.form(request)
    async with request.app.state.pool.acquire() as db:
        member_ids = {m["id"] for m in await users.members_of(db, member.brand_id)}
    typed, conditions, actions, error, field = parse(form, member_ids)
    # A preview needs only the conditions: no name or action yet is fine, a bad priority is not.
    if form.get("preview") is not None and field in (None, "name", "actions"):
        async with request.app.state.pool.acquire() as db:
            counts, looked = await rules.preview_many(db, member.brand_id, [conditions])
        return await _page(request, member, typed=typed, editing=editing, preview=(counts[0], looked))
    if error is not None:
        return await _page(request, member, typed=typed, editing=editing, error=error, field=field, status_code=400)
    async with request.app.state.pool.acquire() as db:
        try:
            if editing is None:
                await rules.create(db, member.brand_id, typed["name"], conditions, actions, member.user_id)
            elif not await rules.update(db, member.brand_id, editing, typed["name"], conditions, actions):
                raise HTTPException(404, _("No such rule."))
        except rules.RuleError:
            return await _page(request, member, typed=typed, editing=editing, status_code=400,
                               error=_("A brand keeps at most {n} rules: delete one first.", n=rules.MAX_RULES), field="name")
    return RedirectResponse("/settings/rules?done=saved", status_code=303)


async def create(request: Request) -> Response:
    """POST /settings/rules: add a rule at the end (or preview it with the `preview` button)."""
    member = await require_member(request, role="owner")
    return await _save(request, member, None)


async def save(request: Request) -> Response:
    """POST /settings/rules/{rule}: change a rule (or preview the change)."""
    member = await require_member(request, role="owner")
    rule = await _owned(request, member)
    return await _save(request, member, rule["id"])


async def move(request: Request) -> Response:
    """POST /settings/rules/{rule}/move {direction: up|down}: run it earlier or later."""
    member = await require_member(request, role="owner")
    rule = await _owned(request, member)
    step = -1 if (await web_input.form(request)).get("direction") == "up" else 1
    async with request.app.state.pool.acquire() as db:
        await rules.move(db, member.brand_id, rule["id"], step)
    return RedirectResponse("/settings/rules?done=moved", status_code=303)


async def enable(request: Request) -> Response:
    """POST /settings/rules/{rule}/enabled {enabled: on|off}."""
    member = await require_member(request, role="owner")
    rule = await _owned(request, member)
    on = (await web_input.form(request)).get("enabled") == "on"
    async with request.app.state.pool.acquire() as db:
        await rules.set_enabled(db, member.brand_id, rule["id"], on)
    return RedirectResponse(f"/settings/rules?done={'enabled' if on else 'disabled'}", status_code=303)


async def delete(request: Request) -> Response:
    """POST /settings/rules/{rule}/delete: what it did stays in the items' history."""
    member = await require_member(request, role="owner")
    rule = await _owned(request, member)
    async with request.app.state.pool.acquire() as db:
        await rules.delete(db, member.brand_id, rule["id"])
    return RedirectResponse("/settings/rules?done=deleted", status_code=303)


routes = [
    Route("/settings/rules", rules_page, methods=["GET"]),
    Route("/settings/rules", create, methods=["POST"]),
    Route("/settings/rules/{rule}", edit_page, methods=["GET"]),
    Route("/settings/rules/{rule}", save, methods=["POST"]),
    Route("/settings/rules/{rule}/move", move, methods=["POST"]),
    Route("/settings/rules/{rule}/enabled", enable, methods=["POST"]),
    Route("/settings/rules/{rule}/delete", delete, methods=["POST"]),
]
