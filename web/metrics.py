"""`GET /metrics` in the Prometheus text format (prometheus_client), behind a bearer token.

Off unless JASETTE_METRICS_TOKEN is set: the figures name brands and accounts, so they are not
for anyone who can reach the port.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from inbox import metrics
from inbox.metrics import Snapshot

HEALTHS = ("ok", "failing", "reauth")


class _Figures(Collector):
    """One scrape's snapshot as metric families."""

    def __init__(self, snap: Snapshot) -> None:
        self.snap = snap

    def collect(self) -> Iterator[Metric]:
        snap = self.snap
        items = GaugeMetricFamily("jasette_items", "Items stored, per platform", labels=["platform"])
        for platform, n in sorted(snap.items_by_platform.items()):
            items.add_metric([platform], n)
        yield items
        yield GaugeMetricFamily("jasette_items_awaiting_analysis", "Items the NLP stage has not read yet",
                                value=snap.awaiting_analysis)
        labels = ["account", "platform", "brand"]
        health = GaugeMetricFamily("jasette_account_health", "1 for the account's health state", labels=[*labels, "health"])
        failures = GaugeMetricFamily("jasette_account_consecutive_failures", "Failed polls in a row", labels=labels)
        since = GaugeMetricFamily("jasette_account_seconds_since_success", "Seconds since the last complete poll",
                                  labels=labels)
        next_poll = GaugeMetricFamily("jasette_account_next_poll_seconds",
                                      "Seconds until the next poll (the backoff, when failing)", labels=labels)
        gaps = GaugeMetricFamily("jasette_account_feed_gaps",
                                 "Reads of a feed that found none of the entries read before (some may be lost)",
                                 labels=labels)
        for acct in snap.accounts:
            key = [str(acct["id"]), acct["platform"], acct["brand"]]
            for state in HEALTHS:
                health.add_metric([*key, state], 1.0 if acct["health"] == state else 0.0)
            failures.add_metric(key, acct["consecutive_failures"])
            if acct["since_success"] is not None:
                since.add_metric(key, acct["since_success"])
            next_poll.add_metric(key, acct["next_poll_in"])
            gaps.add_metric(key, acct["feed_gaps"])
        yield from (health, failures, since, next_poll, gaps)
        replies = GaugeMetricFamily("jasette_replies", "Replies and moderation actions, per outbox state", labels=["state"])
        for state in ("queued", "sending", "sent", "failed"):
            replies.add_metric([state], snap.replies_by_state.get(state, 0))
        yield replies
        yield GaugeMetricFamily("jasette_reply_oldest_waiting_seconds", "Age of the oldest queued or sending reply",
                                value=snap.oldest_waiting_reply_seconds)
        lag = GaugeMetricFamily("jasette_collect_lag_seconds",
                                f"Platform time to inbox over the last {metrics.LAG_WINDOW_MINUTES} minutes",
                                labels=["platform", "quantile"])
        for platform, (p50, p95) in sorted(snap.lag_by_platform.items()):
            lag.add_metric([platform, "0.5"], p50)
            lag.add_metric([platform, "0.95"], p95)
        yield lag


async def scrape(request: Request) -> Response:
    """The figures, for a scraper that presents the token."""
    token = request.app.state.settings.metrics_token
    if not token:
        raise HTTPException(404)
    given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), token.encode()):
        # A plain 401, not the app's redirect to the log-in page: a scraper is no browser.
        return Response("a Bearer token is required\n", status_code=401, headers={"WWW-Authenticate": "Bearer"})
    async with request.app.state.pool.acquire() as conn:
        snap = await metrics.snapshot(conn)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Figures(snap))
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


routes = [Route("/metrics", scrape, methods=["GET"])]
