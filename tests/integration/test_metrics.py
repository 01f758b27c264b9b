"""/metrics as Prometheus scrapes it: off without a token, refused with a wrong one, and figures an
operator can act on (items per platform, the NLP queue, each account's health and backoff,
replies per state and the oldest waiting, collection lag)."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families
from web_app import client_for, ingest, make_app, seed

from inbox import outbox

TOKEN = "scrape-secret-123"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


async def test_metrics_need_the_token_and_tell_what_an_operator_watches(pool, db_dsn):
    async with pool.acquire() as conn:
        ids = await seed(conn)
        item = await ingest(conn, ids["brand_a"], ids["account_a"], "Toujours pas de réponse à mon courriel")
        await conn.execute("update items set analyzed_at = null where id = $1", item)
        await conn.execute(
            "update accounts set health = 'failing', consecutive_failures = 3, next_poll_at = now() + interval '120 seconds'"
            " where id = $1", ids["account_b"])
        await outbox.enqueue(conn, brand_id=ids["brand_a"], item_id=item, user_id=ids["agent_a"], action="reply",
                             body="Bonjour, on regarde ça tout de suite.", idempotency_key="k-1")
    async with client_for(make_app(pool, db_dsn)) as off:
        assert (await off.get("/metrics")).status_code == 404  # no token set: the route does not exist
    async with client_for(make_app(pool, db_dsn, metrics_token=TOKEN)) as client:
        assert (await client.get("/metrics")).status_code == 401
        assert (await client.get("/metrics", headers={"Authorization": "Bearer nope"})).status_code == 401
        response = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    got = samples(response.text)
    assert got[("jasette_items", (("platform", "wordpress"),))] == 1
    assert got[("jasette_items_awaiting_analysis", ())] == 1
    b = (("account", str(ids["account_b"])), ("brand", "boutique-b"), ("platform", "wordpress"))
    assert got[("jasette_account_health", tuple(sorted((*b, ("health", "failing")))))] == 1
    assert got[("jasette_account_health", tuple(sorted((*b, ("health", "ok")))))] == 0
    assert got[("jasette_account_consecutive_failures", b)] == 3
    assert 100 < got[("jasette_account_next_poll_seconds", b)] <= 120
    assert got[("jasette_replies", (("state", "queued"),))] == 1
    assert got[("jasette_replies", (("state", "sent"),))] == 0
    assert got[("jasette_reply_oldest_waiting_seconds", ())] >= 0
    assert ("jasette_collect_lag_seconds", (("platform", "wordpress"), ("quantile", "0.5"))) in got
