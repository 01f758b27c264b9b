"""The OpenAPI document of the JSON API (the page itself uses these same endpoints)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

# Row ids are PostgreSQL bigints; anything else is answered 404 (web/input.py parse_id).
_ID = {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}
_ITEM_ID = {"name": "item", "in": "path", "required": True, "schema": _ID}
_OBJECT = {"content": {"application/json": {"schema": {"type": "object"}}}}
_ERROR = {"content": {"application/json": {"schema": {
    "type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}}}}
# Every operation may answer these; 400 and 413 for bad input (text with NUL or a lone
# surrogate, ids out of range, dates out of years 1000-9000, JSON over 1 MB or 20 levels deep).
_JSON_OK = {"200": {"description": "OK", **_OBJECT},
            "400": {"description": "Bad input: `error` says what", **_ERROR},
            "401": {"description": "Not logged in", **_ERROR},
            "403": {"description": "Missing or wrong X-CSRF-Token, or not allowed"},
            "404": {"description": "Not this brand's, or absent", **_ERROR},
            "413": {"description": "Body over 1 MB", **_ERROR}}
_CREATED = {"201": {"description": "Created", **_OBJECT}}
# One outbox row as every answer that carries replies shows it (web/api_json.reply).
REPLY_SCHEMA: dict[str, Any] = {"type": "object", "properties": {
    "id": _ID, "item": _ID, "action": {"type": "string", "enum": ["reply", "hide", "unhide"]},
    "body": {"type": "string"},
    "state": {"type": "string", "enum": ["queued", "sending", "sent", "failed"],
              "description": "The outbox's machine state"},
    "phase": {"type": "string", "enum": ["queued", "retrying", "in_doubt", "sending", "sent", "done", "found", "failed"],
              "description": "What happened, for programs: retrying = waiting to try again after a transient failure; "
                             "in_doubt = the outcome of a send is unknown and it is being looked for on the platform "
                             "before any resend; found = found on the platform after a crash or timeout, not sent "
                             "again; done = a hide or unhide carried out"},
    "state_text": {"type": "string", "description": "The same in the user's language, with the reason, e.g. "
                                                    "\"envoi incertain — vérification sur la plateforme\""},
    "reason": {"type": ["string", "null"], "description": "Why it waits or failed, in the user's language "
                                                          "(the platform's own words kept as it gave them)"},
    "error": {"type": ["string", "null"], "description": "The same reason in English, as stored"},
    "user": {"type": "string"}, "created_local": {"type": "string"}}}
_REPLY = {"content": {"application/json": {"schema": {"type": "object", "properties": {
    "reply": {"$ref": "#/components/schemas/Reply"}}}}}}
_CONFLICT = {"409": {"description": "Conflict: `error` says with what", **_ERROR}}
_GONE = {"410": {"description": "Too late: `error` says what to do instead", **_ERROR}}


def _body(props: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        schema["required"] = required
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _op(summary: str, *, params: list | None = None, body: dict | None = None, more: dict | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "responses": {**_JSON_OK, **(more or {})}}
    if params:
        op["parameters"] = params
    if body:
        op["requestBody"] = body
    return op


def _q(name: str, desc: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": {"type": "string"}, "description": desc}


PATHS: dict[str, dict[str, Any]] = {
    "/api/items": {"get": _op("A page of the inbox stream, by priority then time", params=[
        _q("platform", "platform name"), _q("lang", "fr or en"), _q("sentiment", "negative, neutral, positive"),
        _q("status", "new, open, pending, done, snoozed, all (default: not done, not snoozed)"),
        _q("assignee", "user id, me, none"), _q("tag", "tag name"),
        _q("stars", "reviews rated 1-5 stars: `1-2` or `5`"), _q("from", "date"), _q("to", "date"),
        _q("q", "full-text search (French and English stemming)"), _q("view", "`spam`: the Spam view"), _q("after", "cursor from `next`"), _q("limit", "1-200")])},
    "/api/items/changes": {"get": _op("Items created or changed since a time or a cursor (catch-up); `next` is the cursor to ask again with",
        params=[_q("since", "ISO time"), _q("after", "cursor from `next` (pages on updated_at and id)")])},
    "/api/items/{item}": {"get": _op("One item with parent, the business's post of the thread, thread, author history, replies, notes", params=[_ITEM_ID])},
    "/api/items/{item}/replies": {"post": _op("Queue a reply (409 when someone else answered since opened_at)", params=[_ITEM_ID],
        body=_body({"body": {"type": "string"}, "idempotency_key": {"type": "string"}, "opened_at": {"type": "string"}}, ["body", "idempotency_key"]),
        more={"201": {"description": "Queued", **_REPLY}, **_CONFLICT})},
    "/api/items/{item}/hide": {"post": _op("Hide the comment on its platform", params=[_ITEM_ID], body=_body({"idempotency_key": {"type": "string"}}, ["idempotency_key"]), more=_CREATED)},
    "/api/items/{item}/unhide": {"post": _op("Show a hidden comment again", params=[_ITEM_ID], body=_body({"idempotency_key": {"type": "string"}}, ["idempotency_key"]), more=_CREATED)},
    "/api/items/{item}/saved-replies": {"get": _op("Saved replies filled in for the item, its language first", params=[_ITEM_ID])},
    "/api/items/{item}/notes": {"post": _op("Add an internal note", params=[_ITEM_ID], body=_body({"body": {"type": "string"}}, ["body"]), more=_CREATED)},
    "/api/items/{item}/correction": {"post": _op("Correct the detected language and/or sentiment", params=[_ITEM_ID],
        body=_body({"lang": {"type": "string", "enum": ["fr", "en"]}, "sentiment": {"type": "string", "enum": ["negative", "neutral", "positive"]}}))},
    "/api/items/{item}/{action}": {"post": _op("Workflow action: status, snooze, unsnooze (409 when not snoozed), assign, tag, untag, spam", params=[
        _ITEM_ID, {"name": "action", "in": "path", "required": True, "schema": {"type": "string", "enum": ["status", "snooze", "unsnooze", "assign", "tag", "untag", "spam"]}}],
        body=_body({"status": {"type": "string"}, "until": {"type": "string"}, "user_id": {"type": ["integer", "null"], "minimum": 1, "maximum": 2**63 - 1}, "name": {"type": "string"},
                    "spam": {"type": "boolean"}}), more=_CONFLICT)},
    "/api/bulk/undo": {"post": _op("Undo a bulk action with its token (404 not yours or not this brand's, 410 expired, 409 already undone);"
                                   " items changed by someone else since are skipped", body=_body({"token": {"type": "string"}}, ["token"]),
                                   more={**_CONFLICT, **_GONE})},
    "/api/bulk": {"post": _op("One workflow action on a selection of items; `undo` is a token for /api/bulk/undo (kept 30 s)", body=_body(
        {"ids": {"type": "array", "items": _ID, "minItems": 1, "maxItems": 500}, "action": {"type": "string"},
         "status": {"type": "string"}, "until": {"type": "string"}, "user_id": {"type": ["integer", "null"]}, "name": {"type": "string"},
         "spam": {"type": "boolean"}},
        ["ids", "action"]))},
    "/api/replies/{reply}/retry": {"post": _op("Send a failed reply again", params=[
        {"name": "reply", "in": "path", "required": True, "schema": _ID}],
        more={"200": {"description": "Queued again", **_REPLY}, **_CONFLICT})},
    "/api/members": {"get": _op("People who work on the brand")},
    "/api/push/key": {"get": _op("The install's Web Push public key (VAPID applicationServerKey, base64url)")},
    "/api/push/subscriptions": {"post": _op("This browser asks for the brand's alerts as notifications (a PushSubscription's JSON)", body=_body(
        {"endpoint": {"type": "string"}, "keys": {"type": "object", "properties": {"p256dh": {"type": "string"}, "auth": {"type": "string"}},
                                                  "required": ["p256dh", "auth"]}}, ["endpoint", "keys"]), more=_CREATED)},
    "/api/push/unsubscribe": {"post": _op("This browser stops its notifications", body=_body({"endpoint": {"type": "string"}}, ["endpoint"]))},
    "/api/openapi.json": {"get": _op("This document")},
}


def document() -> dict[str, Any]:
    """The OpenAPI 3.1 document."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Jasette inbox API", "version": "1",
                 "description": "Session cookie authentication; unsafe methods need the X-CSRF-Token header. "
                                "Live updates: websocket /ws?since=ISO (JSON arrays of messages)."},
        "paths": PATHS,
        "components": {"schemas": {"Reply": REPLY_SCHEMA}},
    }


async def openapi_json(request: Request) -> Response:
    """GET /api/openapi.json."""
    return JSONResponse(document())


routes = [Route("/api/openapi.json", openapi_json, methods=["GET"])]
