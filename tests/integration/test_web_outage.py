"""While PostgreSQL restarts, staff get 'reconnecting' and a retry, never a 500; once it is back
the same requests work again, with nothing to redo."""

from __future__ import annotations

from outage import PgProxy
from web_app import client_for, ingest, login, make_app, seed

from inbox import db


async def test_api_and_pages_answer_503_with_retry_after_while_the_database_is_away(pool, db_dsn):
    async with pool.acquire() as conn:
        ids = await seed(conn)
        item = await ingest(conn, ids["brand_a"], ids["account_a"], "Où est ma commande?")
    proxy = PgProxy(db_dsn)
    await proxy.start()
    app_pool = await db.create_pool(proxy.dsn, min_size=1, max_size=3)
    try:
        async with client_for(make_app(app_pool, proxy.dsn)) as client:
            await login(client, "agent@a.test")
            assert (await client.get("/api/items")).status_code == 200
            await proxy.cut()
            for _ in range(2):  # an open connection reset, then a new one refused
                api = await client.get("/api/items")
                assert api.status_code == 503, api.text
                assert api.headers["Retry-After"] == "5"
                assert api.json()["error"] == ("Jasette ne joint pas sa base de données pour l'instant; "
                                               "réessayez dans quelques secondes.")
            page = await client.get("/", headers={"Accept": "text/html"})
            assert page.status_code == 503 and "Reconnexion…" in page.text
            assert '<meta http-equiv="refresh" content="5">' in page.text  # the page comes back by itself
            await proxy.start()
            again = await client.get(f"/api/items/{item}")
            assert again.status_code == 200 and again.json()["body"] == "Où est ma commande?"
    finally:
        await proxy.cut()
        app_pool.terminate()
