"""The catch-up API, /api/items/changes: a client paging through it gets every changed item
exactly once, even when one bulk action stamped more items with one time than a page holds."""

from __future__ import annotations

from datetime import UTC, datetime

from web_app import client_for, login, make_app, seed

from inbox import workflow
from inbox.ingest import ingest_batch
from inbox.queries import ChangeCursor
from inbox.types import NewItem

PAGE = 500  # the API's page size


async def _stored(conn, brand_id: int, account_id: int, count: int) -> list[int]:
    now = datetime.now(UTC)
    items = [NewItem(platform="wordpress", external_id=f"bulk-{n}", kind="comment", body=f"Commentaire {n}", created_at=now)
             for n in range(count)]
    return (await ingest_batch(conn, brand_id=brand_id, account_id=account_id, items=items)).new_ids


async def test_changes_pages_through_a_bulk_action_larger_than_a_page(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        since = (await conn.fetchval("select now()")).isoformat()
        made = await _stored(conn, ids["brand_a"], ids["account_a"], PAGE + 20)
        # One bulk action, one transaction: every item gets the same updated_at.
        await workflow.set_status(conn, ids["brand_a"], made, "done", ids["owner_a"])
        assert await conn.fetchval("select count(distinct updated_at) from items where id = any($1::bigint[])", made) == 1
    async with client_for(make_app(pool, db_dsn)) as client:
        await login(client, "owner@a.test")
        seen: list[int] = []
        params = {"since": since}
        for _ in range(5):
            page = (await client.get("/api/items/changes", params=params)).json()
            seen += [i["id"] for i in page["items"]]
            if len(page["items"]) < PAGE:
                break
            # A full page: more are waiting. Follow the cursor when the API gives one; a
            # client of a time-only API can only ask again from the last time it saw.
            params = {"after": page["next"]} if page.get("next") else {"since": page["items"][-1]["updated_at"]}
        assert len(seen) == len(set(seen)), "an item came twice"
        assert sorted(seen) == sorted(made), f"{len(set(made) - set(seen))} items never came"
        # Asked again from the last page's cursor: nothing new, and no cursor (keep the old one).
        again = (await client.get("/api/items/changes", params={"after": page["next"]})).json()
        assert again == {"items": [], "next": None}
        assert (await client.get("/api/items/changes", params={"after": "garbage"})).status_code == 400


def test_the_cursor_keeps_the_exact_microsecond() -> None:
    moment = datetime(2026, 5, 31, 17, 0, 0, 999_999, tzinfo=UTC)
    assert ChangeCursor.decode(ChangeCursor(moment, 42).encode()) == ChangeCursor(moment, 42)
    for bad in ("", "12", "a_b", "1_2_3", f"1_{2**63}", "99999999999999999999_1"):
        try:
            ChangeCursor.decode(bad)
            raise AssertionError(f"{bad!r} should not decode")
        except ValueError:
            pass
