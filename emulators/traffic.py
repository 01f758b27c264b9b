"""Bilingual demo traffic: customers of fictional Montreal businesses comment, ask, complain,
spam and answer each other, on every emulator, through the control API only.

No platform is named here: each emulator says which kinds it takes (`GET /_control/state` ->
"kinds", the first being its usual top-level kind); one that does not say gets its own default
kind, and replies as {"kind": "reply", "parent": …}, which every emulator accepts.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import unicodedata
import zlib
from collections import deque
from datetime import datetime, timedelta
from typing import Any

import aiohttp

from emulators import traffic_phrases as words

log = logging.getLogger(__name__)

# What an emulator's inject reads; the rest of make_comment's dict (lang, tone, business) is
# for tests and logs.
INJECT_FIELDS = ("text", "author_name", "author_handle", "author_id", "followers", "rating")
REPLY_SHARE = 0.25  # how often a customer answers an earlier comment rather than starting anew
OTHER_KIND_SHARE = 0.15  # how often a secondary top-level kind (a mention...) is used
RECENT = 50  # earlier comments per emulator that a reply may answer


def _slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "", folded.lower())


def _person(rng: random.Random, lang: str, spam: bool) -> dict[str, Any]:
    if spam:
        name = rng.choice(words.SPAM_NAMES)
    else:
        # One in ten writes in the language other than their name suggests: this is Montreal.
        names = words.FIRST_NAMES["en" if lang == "fr" else "fr"] if rng.random() < 0.1 else words.FIRST_NAMES[lang]
        name = f"{rng.choice(names)} {rng.choice(words.LAST_NAMES)}"
    handle = ".".join(_slug(part) for part in name.split() if _slug(part))
    # The same person always has the same id and audience, so regulars recur across comments.
    seed = zlib.crc32(handle.encode())
    followers = 40 + seed % 900
    if seed % 23 == 0:
        followers = 10_000 + seed % 70_000  # a local influencer now and then
    if spam:
        followers = seed % 30
    return {"author_name": name, "author_handle": handle, "author_id": str(seed), "followers": followers}


def make_comment(rng: random.Random, reply_to: dict[str, Any] | None = None) -> dict[str, Any]:
    """One customer comment (or answer to `reply_to`) with its author; pure given `rng`."""
    business = rng.choice(words.BUSINESSES)
    lang = "fr" if rng.random() < 0.62 else "en"
    if reply_to is not None:
        tone = "reply"
        text = rng.choice(words.REPLIES[lang]).format(to=reply_to.get("author_handle") or "toi")
    else:
        tone = rng.choices([t for t, _ in words.TONES], weights=[w for _, w in words.TONES])[0]
        slots = {
            "business": business["name"], "street": business["street"], "area": business["area"],
            "product": rng.choice(business[lang]),  # type: ignore[arg-type]
            "staff": rng.choice(business["staff"]),  # type: ignore[arg-type]
            "hour": rng.choice(words.HOURS if lang == "fr" else words.HOURS_EN),
            "emoji": rng.choice(words.EMOJI),
        }
        text = rng.choice(words.PHRASES[lang][tone]).format(**slots)
        text = text[0].upper() + text[1:]
    comment = _person(rng, lang, tone == "spam")
    comment.update(
        text=text,
        rating=rng.choice(words.RATINGS.get(tone, (4, 5))),
        lang=lang,
        tone=tone,
        business=business["name"],
    )
    return comment


def _payload(rng: random.Random, kinds: list[str] | None, recent: deque[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    can_reply = kinds is None or "reply" in kinds
    if can_reply and recent and rng.random() < REPLY_SHARE:
        parent_id, parent = rng.choice(list(recent))
        comment = make_comment(rng, reply_to=parent)
        payload: dict[str, Any] = {"kind": "reply", "parent": parent_id}
    else:
        comment = make_comment(rng)
        payload = {}
        if kinds:
            others = [k for k in kinds[1:] if k != "reply"]
            payload["kind"] = rng.choice(others) if others and rng.random() < OTHER_KIND_SHARE else kinds[0]
    payload.update({key: comment[key] for key in INJECT_FIELDS})
    return payload


async def _kinds(session: aiohttp.ClientSession, base: str) -> list[str] | None:
    try:
        async with session.get(f"{base}/_control/state") as resp:
            state = await resp.json(content_type=None)
    except (TimeoutError, aiohttp.ClientError, ValueError):
        return None
    kinds = state.get("kinds") if isinstance(state, dict) else None
    return [str(k) for k in kinds] if isinstance(kinds, list) and kinds else None


async def _inject(session: aiohttp.ClientSession, base: str, payload: dict[str, Any]) -> str | None:
    try:
        async with session.post(f"{base}/_control/inject", json=payload) as resp:
            if resp.status != 200:
                log.debug("inject refused by %s: HTTP %s %s", base, resp.status, (await resp.text())[:200])
                return None
            answer = await resp.json(content_type=None)
    except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
        log.debug("inject failed on %s: %r", base, exc)
        return None
    external_id = answer.get("external_id") if isinstance(answer, dict) else None
    return str(external_id) if external_id is not None else None


async def _pause(sleep: Any, seconds: float, stop: asyncio.Event | None) -> None:
    # Stopping the demo must not wait out a long gap: whichever ends first wins.
    if stop is None:
        await sleep(seconds)
        return
    waiter = asyncio.ensure_future(stop.wait())
    nap = asyncio.ensure_future(sleep(seconds))
    try:
        await asyncio.wait({waiter, nap}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (waiter, nap):
            task.cancel()


async def run_traffic(
    targets: dict[str, str],
    *,
    rate_per_minute: float = 20,
    rng: random.Random,
    sleep: Any = asyncio.sleep,
    stop: asyncio.Event | None = None,
    session: aiohttp.ClientSession | None = None,
) -> dict[str, int]:
    """Inject comments into the emulators at `targets` (name -> base URL) until `stop` is set; return counts."""
    own = session is None
    if session is None:
        session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5))
    try:
        names = sorted(targets)
        kinds = {name: await _kinds(session, targets[name]) for name in names}
        recent: dict[str, deque[tuple[str, dict[str, Any]]]] = {name: deque(maxlen=RECENT) for name in names}
        sent = {name: 0 for name in names}
        failing: set[str] = set()
        while names and not (stop is not None and stop.is_set()):
            name = rng.choice(names)
            payload = _payload(rng, kinds[name], recent[name])
            external_id = await _inject(session, targets[name], payload)
            # Log only changes of health (house rule 7): the first failure and the recovery.
            if external_id is None and name not in failing:
                failing.add(name)
                log.warning("demo traffic: %s emulator refuses injections", name)
            elif external_id is not None:
                if name in failing:
                    failing.discard(name)
                    log.info("demo traffic: %s emulator takes injections again", name)
                recent[name].append((external_id, payload))
                sent[name] += 1
            # Poisson arrivals: exponential gaps averaging 60/rate seconds.
            await _pause(sleep, rng.expovariate(rate_per_minute / 60), stop)
        return sent
    finally:
        if own:
            await session.close()


async def seed_history(
    targets: dict[str, str],
    *,
    days: int = 14,
    per_day: int = 10,
    rng: random.Random,
    now: datetime,
    session: aiohttp.ClientSession | None = None,
) -> int:
    """Inject past comments over the last `days` days, oldest first; return how many were taken.

    A demo with a history has a weekly summary to show and a baseline for spike alerts.
    """
    own = session is None
    if session is None:
        session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5))
    try:
        names = sorted(targets)
        kinds = {name: await _kinds(session, targets[name]) for name in names}
        recent: dict[str, deque[tuple[str, dict[str, Any]]]] = {name: deque(maxlen=RECENT) for name in names}
        moments = sorted(
            now - timedelta(days=day) + timedelta(hours=rng.uniform(-10, 0))
            for day in range(1, days + 1) for _ in range(per_day)
        )
        taken = 0
        for moment in moments:
            name = rng.choice(names)
            payload = _payload(rng, kinds[name], recent[name])
            payload["created_at"] = moment.isoformat()
            external_id = await _inject(session, targets[name], payload)
            if external_id is not None:
                recent[name].append((external_id, payload))
                taken += 1
        return taken
    finally:
        if own:
            await session.close()
