"""The X collector against its emulator on loopback: paging, restarts, faults, replies."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from collecting import FAULTS, Running, drain, fails_once, serving, times_out

from collector.base import Account, RateLimited, Refused
from collector.x import XCollector
from emulators.x import USER_ID, create_app


@pytest.fixture
async def running() -> AsyncIterator[Running]:
    async with serving(create_app()) as r:
        yield r


def collector(url: str, session: aiohttp.ClientSession, query: str = "", token: str = "demo-token") -> XCollector:
    account = Account(3, "x", USER_ID, url, {"access_token": token}, {"username": "cafe_demo", "query": query})
    return XCollector(account, session)


async def test_pages_through_mentions_with_authors(running: Running) -> None:
    url, control, session = running
    ids = await control.inject_many(
        250,
        kind="mention",
        text="allo {i}",
        author_name="Ari P",
        author_handle="ari_p",
        author_id="4200000001",
        followers=120,
    )
    items, cursor, calls = await drain(collector(url, session), {})
    assert sorted(i.external_id for i in items) == sorted(ids)
    assert calls == 3
    author = items[0].author
    assert author is not None and (author.name, author.handle, author.followers) == ("Ari P", "ari_p", 120)
    assert cursor["marks"]["mentions"]["since_id"] == max(ids, key=int)


async def test_restart_mid_scan_then_new_mentions_no_gap_no_duplicate(running: Running) -> None:
    url, control, session = running
    before = set(await control.inject_many(250, kind="mention", text="avant {i}"))
    batch = await collector(url, session).fetch({})
    seen = [i.external_id for i in batch.items]
    assert batch.more and batch.cursor["scan"]["token"]
    during = await control.inject(kind="mention", text="pendant la panne")
    restarted = collector(url, session)
    items, cursor, _ = await drain(restarted, batch.cursor)
    seen += [i.external_id for i in items]
    after = await control.inject(kind="mention", text="après")
    items, cursor, _ = await drain(restarted, cursor)
    seen += [i.external_id for i in items]
    assert len(seen) == len(set(seen))
    assert set(seen) == before | {during, after}


async def test_search_query_adds_posts_without_duplicating_mentions(running: Running) -> None:
    url, control, session = running
    source = collector(url, session, query='"cafe demo" OR #cafedemo -is:retweet')
    _, cursor, _ = await drain(source, {})
    talk = await control.inject(kind="post", text="Le cafe demo de Rosemont est top", author_handle="lea")
    both = await control.inject(kind="mention", text="#cafedemo merci!", author_handle="max")
    unrelated = await control.inject(kind="post", text="Il pleut à Montréal", author_handle="sam")
    items, cursor, _ = await drain(source, cursor)
    ids = [i.external_id for i in items]
    assert sorted(ids) == sorted([talk, both]) and unrelated not in ids


@pytest.mark.parametrize("mode, error", FAULTS + [("quota", RateLimited)])
async def test_faults_then_complete(running: Running, mode: str, error: type[Exception]) -> None:
    url, control, session = running
    ids = set(await control.inject_many(3, kind="mention", text="m{i}"))
    source = collector(url, session)
    await fails_once(control, source, mode, error)
    items, _, _ = await drain(source, {})
    assert {i.external_id for i in items} == ids


async def test_rate_limit_waits_until_the_window_resets(running: Running) -> None:
    url, control, session = running
    caught = await fails_once(control, collector(url, session), "rate_limit", RateLimited, retry_after=30)
    assert caught.retry_after is not None and 28 <= caught.retry_after <= 31


async def test_timeout_is_a_fetch_failure(running: Running) -> None:
    url, control, _ = running
    await times_out(control, url, collector)


async def test_usage_headers_are_reported(running: Running) -> None:
    url, _, session = running
    batch = await collector(url, session).fetch({})
    assert batch.usage["rate_limit_limit"] == 450 and batch.usage["rate_limit_remaining"] == 449


async def test_reply_to_a_mention_once_and_find_it_again(running: Running) -> None:
    url, control, session = running
    mention = await control.inject(kind="mention", text="vous livrez?", author_handle="ari_p", author_id="4200000001")
    source = collector(url, session)
    assert await source.find_reply(mention, "k", "Oui, dans un rayon de 3 km!") is None
    sent = await source.reply(mention, "Oui, dans un rayon de 3 km!", "k")
    assert sent.url == f"https://x.com/cafe_demo/status/{sent.external_id}"
    found = await source.find_reply(mention, "k", "Oui, dans un rayon de 3 km!")
    assert found is not None and found.external_id == sent.external_id
    assert [r["parent"] for r in (await control.state())["replies"]] == [mention]


async def test_unsummoned_reply_is_refused_once_with_the_platform_words(running: Running) -> None:
    url, control, session = running
    stranger = await control.inject(kind="post", text="Meilleur café? Des idées?", author_handle="sam")
    source = collector(url, session)
    requests_before = (await control.state())["requests"]
    with pytest.raises(Refused, match="have not been mentioned or otherwise engaged"):
        await source.reply(stranger, "Essayez le nôtre!", "k")
    state = await control.state()
    assert state["requests"] == requests_before + 1 and state["replies"] == []
    with pytest.raises(Refused):
        await source.hide(stranger, True)  # X hiding is not offered


async def test_edited_mention_updates_the_same_item_and_deleted_ones_never_show(running: Running) -> None:
    url, control, session = running
    edited = await control.inject(kind="mention", text="service lent")
    source = collector(url, session)
    _, cursor, _ = await drain(source, {})
    await control.edit(edited, "@cafe_demo service lent... mais excellent café")
    vanished = await control.inject(kind="mention", text="oups")
    await control.delete(vanished)
    items, _, _ = await drain(source, cursor)
    assert [(i.external_id, i.body) for i in items] == [(edited, "@cafe_demo service lent... mais excellent café")]


async def test_emoji_and_right_to_left_text_survive(running: Running) -> None:
    url, control, session = running
    texts = ["שלום 🌸", "مرحبا 👋🏽 كم السعر؟", "🇨🇦🍁☕️", "<img src=x onerror=alert(1)>"]
    for text in texts:
        await control.inject(kind="mention", text=text, author_name="نور", author_handle="nour")
    items, _, _ = await drain(collector(url, session), {})
    assert sorted(i.body for i in items) == sorted(f"@cafe_demo {t}" for t in texts)


async def test_ten_thousand_search_results_page_through(running: Running) -> None:
    url, control, session = running
    made = await control.inject_many(10_000, kind="post", text="#cafedemo n°{i}")
    items, _, calls = await drain(collector(url, session, query="#cafedemo"), {})
    assert {i.external_id for i in items} >= set(made) and len(items) == len({i.external_id for i in items})
    assert calls >= 100


async def test_text_with_ampersands_and_brackets_reads_as_written_and_our_reply_is_found(running: Running) -> None:
    """X sends &, < and > as HTML entities: the inbox shows what the customer typed, and the look
    for a reply in doubt recognises our own text (else the outbox would post it a second time)."""
    url, control, session = running
    await control.inject(kind="mention", text="@cafe_demo Q&A <ce soir>?", author_handle="ari_p", author_id="4200000001")
    items, _, _ = await drain(collector(url, session), {})
    assert [i.body for i in items] == ["@cafe_demo Q&A <ce soir>?"]
    source = collector(url, session)
    sent = await source.reply(items[0].external_id, "Oui: café & croissant <3", "k")
    found = await source.find_reply(items[0].external_id, "k", "Oui: café & croissant <3")
    assert found is not None and found.external_id == sent.external_id


async def test_our_reply_with_a_link_is_found_although_x_shows_the_link_shortened(running: Running) -> None:
    """X shows every link of a post as https://t.co/… (recorded fixtures): our reply with the
    shop's address must still be recognised, else the outbox would post it a second time."""
    url, control, session = running
    mention = await control.inject(kind="mention", text="@cafe_demo vos heures?", author_handle="ari_p", author_id="4200000001")
    source = collector(url, session)
    text = "Tout est ici: https://boulangerie.example/heures?jour=lundi à bientôt"
    sent = await source.reply(mention, text, "k")
    found = await source.find_reply(mention, "k", text)
    assert found is not None and found.external_id == sent.external_id
    assert await source.find_reply(mention, "k", "Tout est ici: https://ailleurs.example à demain") is None


async def test_hiding_with_a_malformed_body_is_a_400_problem_and_hides_nothing(running: Running) -> None:
    url, control, session = running
    mention = await control.inject(kind="mention", text="allo")
    headers = {"authorization": "Bearer demo-token"}
    for body in (b"{not json", b'{"hidden": "yes"}', b"[]"):
        async with session.put(f"{url}/2/tweets/{mention}/hidden", data=body, headers=headers) as resp:
            assert resp.status == 400 and (await resp.json())["title"] == "Invalid Request"
    async with session.put(f"{url}/2/tweets/{mention}/hidden", json={"hidden": True}, headers=headers) as resp:
        assert resp.status == 200 and (await resp.json()) == {"data": {"hidden": True}}
