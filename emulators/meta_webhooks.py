"""Meta's side of webhooks for the Facebook and Instagram emulators: app subscriptions
(`/{id}/subscribed_apps`) and the sender that POSTs changes to the app's callback, signed as Meta
signs them (X-Hub-Signature-256: sha256=HMAC of the raw body with the app secret).

A change is delivered only when the Page or account subscribed the app to that field and a
callback is known (option webhook_url, or POST /_control/webhook {"url", "app_secret"?}).
Deliveries run in the background like Meta's; the control API's inject waits for them (five
seconds at most) so a test sees the push before it polls.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from typing import Any

import aiohttp
from aiohttp import web

from emulators.oauth import OAuthServer

DELIVERY_TIMEOUT = 5.0
# The fields an app may subscribe a Page or an Instagram account to (the ones Jasette can use and a few more).
FIELDS = {
    "page": ("feed", "mention", "messages", "ratings", "name", "picture", "live_videos"),
    "instagram": ("comments", "mentions", "live_comments", "messages", "story_insights"),
}


def feed_comment(comment: dict[str, Any], verb: str = "add") -> dict[str, Any]:
    """The `feed` change of a Page comment added, edited, removed, hidden or unhidden
    (parent_id: the post for a top-level comment)."""
    return {
        "from": comment["from"], "post": {"id": comment["post_id"], "status_type": "mobile_status_update",
                                          "is_published": True},
        "message": comment["message"], "post_id": comment["post_id"], "comment_id": comment["id"],
        "created_time": int(comment["created"].timestamp()), "item": "comment",
        "parent_id": comment["parent_id"] or comment["post_id"], "verb": verb,
    }


def page_post(post: dict[str, Any], field: str) -> dict[str, Any]:
    """The `feed` change of a visitor post, or the `mention` change of a post tagging the Page."""
    if field == "mention":
        return {"post_id": post["id"], "sender_id": post["from"]["id"], "sender_name": post["from"]["name"],
                "item": "post", "verb": "add"}
    return {"from": post["from"], "message": post["message"], "post_id": post["id"],
            "created_time": int(post["created"].timestamp()), "item": "status", "verb": "add", "published": 1}


def signature(secret: str, body: bytes, digest: Any = hashlib.sha256) -> str:
    """The value of X-Hub-Signature-256 (or X-Hub-Signature with sha1)."""
    name = "sha256" if digest is hashlib.sha256 else "sha1"
    return f"{name}=" + hmac.new(secret.encode(), body, digest).hexdigest()


def unknown_field(obj: str, fields: list[str]) -> str | None:
    """Graph's (#100) message when `fields` is empty or names a field the object has not, else None."""
    if not fields:
        return "(#100) The parameter subscribed_fields is required"
    unknown = [f for f in fields if f not in FIELDS[obj]]
    if unknown:
        return f"(#100) Param subscribed_fields must be one of {{{', '.join(FIELDS[obj])}}} - got \"{unknown[0]}\""
    return None


def subscribe(server: OAuthServer, obj: str, object_id: str, fields: list[str]) -> None:
    """Subscribe the app to `fields` of a Page or account (replacing the previous list, as Meta does)."""
    unsubscribe(server, obj, object_id)
    server.subscriptions.append({"object": obj, "id": object_id, "fields": fields})


def unsubscribe(server: OAuthServer, obj: str, object_id: str) -> None:
    """Remove the app from a Page or account."""
    server.subscriptions[:] = [s for s in server.subscriptions if (s["object"], s["id"]) != (obj, object_id)]


def subscribed_fields(server: OAuthServer, obj: str, object_id: str) -> list[str]:
    """The fields the app receives for this Page or account ([] when not subscribed)."""
    for sub in server.subscriptions:
        if (sub["object"], sub["id"]) == (obj, object_id):
            return list(sub["fields"])
    return []


class WebhookSender:
    """Signed deliveries of one emulator's changes to the app's callback."""

    def __init__(self, obj: str, server: OAuthServer, url: str | None = None) -> None:
        self.object = obj
        self.server = server
        self.url = url
        self.app_secret: str | None = None  # None: the OAuth client's secret, as Meta signs with the app secret
        self.deliveries: list[dict[str, Any]] = []
        self.pending: set[asyncio.Task[None]] = set()

    def change(self, object_id: str, field: str, value: dict[str, Any]) -> bool:
        """Queue one change of `object_id`; False when nobody would receive it."""
        if not self.url or field not in subscribed_fields(self.server, self.object, object_id):
            return False
        body = json.dumps({"object": self.object, "entry": [
            {"id": object_id, "time": int(self.server.now().timestamp()), "changes": [{"field": field, "value": value}]}
        ]}, ensure_ascii=False).encode()
        try:
            task = asyncio.get_running_loop().create_task(self._post(self.url, body, field))
        except RuntimeError:  # no loop: injected from plain code, nothing can be sent
            return False
        self.pending.add(task)
        task.add_done_callback(self.pending.discard)
        return True

    async def _post(self, url: str, body: bytes, field: str) -> None:
        secret = self.app_secret or self.server.client_secret
        headers = {"Content-Type": "application/json", "User-Agent": "facebookexternalua",
                   "X-Hub-Signature-256": signature(secret, body),
                   "X-Hub-Signature": signature(secret, body, hashlib.sha1)}
        record: dict[str, Any] = {"field": field, "at": time.time()}
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=DELIVERY_TIMEOUT)) as session:
                async with session.post(url, data=body, headers=headers) as resp:
                    record["status"] = resp.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            record["error"] = type(exc).__name__
        self.deliveries.append(record)

    async def settle(self) -> None:
        """Wait for deliveries under way (bounded by their own timeout)."""
        if self.pending:
            await asyncio.wait(list(self.pending), timeout=DELIVERY_TIMEOUT + 1)

    def state(self) -> dict[str, Any]:
        """The callback and what was delivered, for GET /_control/state."""
        return {"url": self.url, "deliveries": list(self.deliveries)}

    async def control(self, request: web.Request) -> web.Response:
        """POST /_control/webhook {"url": ..., "app_secret"?: ...}: where to deliver (null url: stop)."""
        try:
            payload = await request.json()
            url = payload.get("url")
            secret = payload.get("app_secret")
            if (url is not None and not (isinstance(url, str) and url.startswith(("http://", "https://")))) or (
                secret is not None and not isinstance(secret, str)
            ):
                raise ValueError("url must be an http(s) URL or null, app_secret a string")
        except (ValueError, AttributeError) as exc:
            return web.json_response({"error": f"a JSON object {{\"url\", \"app_secret\"}}: {exc}"}, status=400)
        self.url, self.app_secret = url, secret
        return web.json_response({"url": self.url, "signed_with": "app_secret" if secret else "client_secret"})
