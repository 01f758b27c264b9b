"""X (API v2): mentions of the account and one recent-search query; reply.

Each source is scanned newest first with `since_id` held for the whole scan and
`pagination_token` between pages; the new `since_id` is saved only when the scan ends
(platform-apis.md 3.1, 3.2, 3.6). Since 2026 X refuses (403) a reply to a post whose author did
not summon the account: that becomes `Refused` with X's own words, never a retry (3.3).
Credentials: {"access_token": OAuth 2 user token}. Settings: "username", "query" (search).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

from collector.base import AuthFailed, FetchFailed, RateLimited, Refused, SentReply, SettingField
from collector.scan import Page, ScanningCollector
from collector.wire import Response, as_dict, as_list, check_json, decode_json_body, parse_time, request, retry_after_seconds
from inbox.types import Author, NewItem

PLATFORM = "x"
DEFAULT_BASE_URL = "https://api.x.com"
TWEET_FIELDS = (
    "created_at,author_id,conversation_id,in_reply_to_user_id,referenced_tweets,public_metrics,"
    "edit_history_tweet_ids,lang"
)
USER_FIELDS = "username,name,public_metrics,profile_image_url,verified"
PAGE_SIZE = "100"


class XCollector(ScanningCollector):
    """One X account: its mentions and, when set, one search query."""

    platform = PLATFORM
    display_name = "X"
    can_reply = True
    default_base_url = DEFAULT_BASE_URL
    setting_fields: ClassVar[tuple[SettingField, ...]] = (
        SettingField("username", "X username", max_length=15, pattern=r"[A-Za-z0-9_]{1,15}",
                     hint="The account's @name, without the @: used to link to the replies Jasette posts."),
        SettingField("query", "Search query", max_length=512,
                     hint="Optional: posts matching this X search are collected too, e.g. \"Café Chez Nous\" OR #cafecheznous."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.base_url = (self.account.base_url or DEFAULT_BASE_URL).rstrip("/")
        creds = self.account.credentials
        self.token = str(creds.get("access_token") or creds.get("bearer_token") or "")
        self.user_id = self.account.external_id
        self.username = str(self.account.settings.get("username") or "")
        self.query = str(self.account.settings.get("query") or "").strip()

    def round_sources(self, cursor: dict[str, Any]) -> list[str]:
        """Mentions, then the search query when the account has one."""
        return ["mentions", "search"] if self.query else ["mentions"]

    def rereads_window(self, source: str) -> bool:
        """`since_id` asks only for newer posts: a deletion cannot be seen by polling."""
        return False

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
        writing: bool = False,
    ) -> tuple[Any, dict[str, Any]]:
        resp = await request(
            self.session,
            method,
            f"{self.base_url}{path}",
            params=params,
            json_body=json_body,
            headers={"Authorization": f"Bearer {self.token}"},
        )
        usage = usage_of(resp.headers)
        raise_for_problem(resp, self.clock(), writing=writing)
        return resp.body, usage

    async def fetch_page(self, source: str, scan: dict[str, Any], cursor: dict[str, Any]) -> Page:
        """One page of mentions or search results after the source's since_id."""
        mark = cursor["marks"][source]
        params = {
            "max_results": PAGE_SIZE,
            "tweet.fields": TWEET_FIELDS,
            "expansions": "author_id",
            "user.fields": USER_FIELDS,
        }
        if mark.get("since_id"):
            params["since_id"] = mark["since_id"]
        if source == "mentions":
            path = f"/2/users/{self.user_id}/mentions"
            if scan["token"]:
                params["pagination_token"] = scan["token"]
        else:
            path = "/2/tweets/search/recent"
            params["query"] = self.query
            if scan["token"]:
                params["next_token"] = scan["token"]
        body, usage = await self._call("GET", path, params=params)
        problems: list[str] = []
        items = map_tweets(body, problems, self.user_id)
        ids = [int(t["id"]) for t in body.get("data") or [] if isinstance(t, dict) and str(t.get("id", "")).isdigit()]
        if ids:
            scan["max_id"] = str(max(ids + [int(scan.get("max_id") or 0)]))
        if source == "search":
            # A post both mentions us and matches the query: the mentions scan already has it.
            # Our own posts match our brand query too; they are not for the inbox.
            known = cursor["marks"].get("mentions", {}).get("seen", {})
            items = [item for item in items if item.external_id not in known and not item.from_business]
        meta = as_dict(body.get("meta"))
        return Page(items, meta.get("next_token"), usage, problems)

    def finish_scan(self, source: str, mark: dict[str, Any], scan: dict[str, Any], cursor: dict[str, Any]) -> None:
        """Keep the newest id seen: the next scan asks only for what is newer (3.6 step 3)."""
        if scan.get("max_id") and int(scan["max_id"]) > int(mark.get("since_id") or 0):
            mark["since_id"] = scan["max_id"]

    async def reply(self, parent_external_id: str, text: str, idempotency_key: str) -> SentReply:
        """Post `text` in reply to a post (3.3); X's 403 for unsummoned replies is Refused."""
        payload = {"text": text, "reply": {"in_reply_to_tweet_id": parent_external_id}}
        body, _ = await self._call("POST", "/2/tweets", json_body=payload, writing=True)
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict) or not data.get("id"):
            raise Refused(f"X answered the post without an id: {body!r:.200}")
        return SentReply(str(data["id"]), status_url(self.username, str(data["id"])))

    async def find_reply(self, parent_external_id: str, idempotency_key: str, text: str) -> SentReply | None:
        """Look through the account's recent posts for a reply to the parent with this text."""
        params = {"max_results": PAGE_SIZE, "tweet.fields": "referenced_tweets,created_at,edit_history_tweet_ids"}
        for _ in range(3):  # the reply is among our latest posts if it left at all
            body, _ = await self._call("GET", f"/2/users/{self.user_id}/tweets", params=params)
            for tweet in body.get("data") or []:
                refs = tweet.get("referenced_tweets") or [] if isinstance(tweet, dict) else []
                answers = any(
                    r.get("type") == "replied_to" and r.get("id") == parent_external_id
                    for r in refs
                    if isinstance(r, dict)
                )
                if answers and _same_text(html.unescape(str(tweet.get("text", ""))), text):
                    return SentReply(str(tweet["id"]), status_url(self.username, str(tweet["id"])))
            token = (body.get("meta") or {}).get("next_token")
            if not token:
                return None
            params = {**params, "pagination_token": token}
        return None


_LINK = re.compile(r"https?://\S+")


def _same_text(posted: str, wanted: str) -> bool:
    # X may prefix a reply with the @handles it answers: compare what follows them. X shows
    # every link as https://t.co/… (recorded fixtures): a link matches any link.
    posted, wanted = _LINK.sub("<link>", posted), _LINK.sub("<link>", wanted)
    words = posted.split(" ")
    while words and words[0].startswith("@") and " ".join(words) != wanted:
        words.pop(0)
    return " ".join(words) == wanted


def status_url(username: str, tweet_id: str) -> str:
    """The public address of a post."""
    return f"https://x.com/{username}/status/{tweet_id}" if username else f"https://x.com/i/web/status/{tweet_id}"


def usage_of(headers: Mapping[str, str]) -> dict[str, Any]:
    """The x-rate-limit-* headers of a response (3.4), as numbers."""
    usage: dict[str, Any] = {}
    for header, key in (
        ("x-rate-limit-limit", "rate_limit_limit"),
        ("x-rate-limit-remaining", "rate_limit_remaining"),
        ("x-rate-limit-reset", "rate_limit_reset"),
    ):
        value = headers.get(header)
        if value is not None and value.strip().isdigit():
            usage[key] = int(value)
    return usage


def reset_wait(headers: Mapping[str, str], now: datetime) -> float | None:
    """Seconds until the rate-limit window resets: Retry-After, else x-rate-limit-reset."""
    after = retry_after_seconds(headers, now)
    if after is not None:
        return after
    for header in ("x-rate-limit-reset", "x-user-limit-24hour-reset", "x-app-limit-24hour-reset"):
        value = headers.get(header)
        if value and value.strip().isdigit():
            return max(0.0, int(value) - now.timestamp())
    return None


def raise_for_problem(resp: Response, now: datetime, *, writing: bool = False) -> None:
    """Turn X's problem+json answers into the collector errors (3.5)."""
    check_json(resp)
    body = resp.body
    if resp.status < 400:
        if not isinstance(body, dict):
            raise FetchFailed(f"X answered HTTP {resp.status} without a JSON object")
        return
    problem = body if isinstance(body, dict) else {}
    detail = str(problem.get("detail") or problem.get("title") or f"HTTP {resp.status}")
    kind = str(problem.get("type") or "")
    message = f"X API {resp.status}: {detail}"
    if resp.status == 401:
        raise AuthFailed(message)
    if resp.status == 429 or kind.endswith(("/usage-capped", "/rate-limit-exceeded")):
        raise RateLimited(message, reset_wait(resp.headers, now))
    if resp.status >= 500:
        raise FetchFailed(message)
    if writing:
        # 403 reply-not-allowed, 400 invalid text, 404 gone: final for this target (3.3).
        raise Refused(detail)
    if resp.status == 403:
        raise AuthFailed(message)
    raise FetchFailed(message)


def _author(tweet: dict[str, Any], users: dict[str, dict[str, Any]], problems: list[str]) -> Author:
    author_id = tweet.get("author_id")
    if not author_id:
        problems.append(
            f"post {tweet.get('id')} has no author_id (ask expansions=author_id); kept with an empty author"
        )
        return Author(external_id="", name="")
    user = users.get(str(author_id))
    if user is None:
        # Suspended or deleted accounts are left out of `includes`.
        return Author(external_id=str(author_id), name="")
    metrics = as_dict(user.get("public_metrics"))
    handle = str(user.get("username") or "")
    followers = metrics.get("followers_count")
    return Author(
        external_id=str(author_id),
        name=str(user.get("name") or ""),
        handle=handle,
        followers=followers if isinstance(followers, int) else None,
        url=f"https://x.com/{handle}" if handle else None,
        avatar_url=user.get("profile_image_url"),
    )


def map_tweet(
    tweet: Any, users: dict[str, dict[str, Any]], problems: list[str], account_id: str | None = None
) -> NewItem | None:
    """One post; an edited post keeps the id of its first version, so edits update one item."""
    if not isinstance(tweet, dict) or not str(tweet.get("id", "")).isdigit():
        problems.append(f"post skipped: no numeric id in {str(tweet)[:80]}")
        return None
    history = tweet.get("edit_history_tweet_ids")
    first_id = str(history[0]) if isinstance(history, list) and history else str(tweet["id"])
    try:
        created = parse_time(tweet.get("created_at"))
    except ValueError:
        created = None
    if created is None:
        problems.append(f"post {tweet['id']} has no readable created_at (ask tweet.fields=created_at)")
    refs = as_list(tweet.get("referenced_tweets"))
    parent = next((str(r.get("id")) for r in refs if isinstance(r, dict) and r.get("type") == "replied_to"), None)
    author = _author(tweet, users, problems)
    to_us = account_id is not None and tweet.get("in_reply_to_user_id") == account_id
    return NewItem(
        platform=PLATFORM,
        external_id=first_id,
        kind="reply" if to_us and parent else "mention",
        # v2 sends &, < and > as HTML entities (recorded fixtures: "Q&amp;A"): store what was typed.
        body=html.unescape(str(tweet.get("text") or "")),
        created_at=created,
        author=author,
        parent_external_id=parent,
        thread_external_id=str(tweet.get("conversation_id") or first_id),
        url=status_url(author.handle, str(tweet["id"])),
        from_business=account_id is not None and author.external_id == account_id,
        raw=tweet,
    )


def map_tweets(body: dict[str, Any], problems: list[str], account_id: str | None = None) -> list[NewItem]:
    """Posts of a v2 answer (a list or a single `data`), authors from `includes.users`."""
    includes = as_dict(body.get("includes"))
    users = {str(u.get("id")): u for u in as_list(includes.get("users")) if isinstance(u, dict)}
    data = body.get("data")
    tweets = data if isinstance(data, list) else [data] if isinstance(data, dict) else []
    for error in as_list(body.get("errors")):
        if isinstance(error, dict):
            problems.append(f"partial error: {error.get('detail') or error.get('title')}")
    return [item for tweet in tweets if (item := map_tweet(tweet, users, problems, account_id)) is not None]


def _bodies(data: Any) -> list[dict[str, Any]]:
    # Recorded cassettes (a list of request/response pairs) hold several bodies: read each.
    if isinstance(data, list) and all(isinstance(e, dict) and "response" in e for e in data):
        responses = [as_dict(e["response"]) for e in data]
        return [r["body"] for r in responses if isinstance(r.get("body"), dict)]
    return [data] if isinstance(data, dict) else []


def parse(body: bytes | str) -> list[NewItem]:
    """Items of one X API v2 body: mentions, search results or post lookups."""
    data = decode_json_body(body)
    bodies = _bodies(data)
    if not bodies:
        raise ValueError("not an X API v2 body: expected a JSON object with data or meta")
    items: list[NewItem] = []
    understood = False
    for one in bodies:
        if "data" in one or "meta" in one:
            understood = True
            items.extend(map_tweets(one, []))
        elif "status" in one and ("detail" in one or "title" in one):
            if len(bodies) == 1:
                raise ValueError(f"the body is an X API error, not posts: {one.get('detail') or one.get('title')}")
    if not understood:
        raise ValueError("not an X API v2 body of posts (no data, no meta)")
    return items
