"""Emulator rate limits and quotas reset over time as the platforms' windows do (issue 17), on the
emulator's own clock: X's 15-minute windows, YouTube's day ending at midnight Pacific, Meta's
usage of the last hour decaying minute by minute. The test moves the clock; nothing sleeps."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from collecting import serving

from emulators import facebook, x, youtube


class Clock:
    """The emulator's clock, moved by the test."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


AUTH = {"Authorization": "Bearer demo-token"}
Answer = tuple[int, dict[str, str]]


async def test_x_window_allows_its_quota_then_429_until_its_reset_then_all_again() -> None:
    clock = Clock(datetime(2026, 3, 2, 10, 0, 0, tzinfo=UTC))
    start = int(clock.now.timestamp())
    async with serving(x.create_app(clock=clock)) as (url, control, session):

        async def delete() -> Answer:
            async with session.delete(f"{url}/2/tweets/1", headers=AUTH) as resp:
                return resp.status, dict(resp.headers)

        for n in range(x.LIMITS["DELETE"]):  # DELETE /2/tweets/:id: 50 per 15 minutes
            status, headers = await delete()
            assert status != 429 and headers["x-rate-limit-remaining"] == str(49 - n)
            assert headers["x-rate-limit-reset"] == str(start + 900)
        clock.advance(seconds=30)
        status, headers = await delete()
        assert status == 429 and headers["x-rate-limit-remaining"] == "0"
        assert headers["x-rate-limit-reset"] == str(start + 900)  # the window's end, not "now + 15 min"
        # Another endpoint has its own window.
        async with session.get(f"{url}/2/tweets/1", headers=AUTH) as resp:
            assert resp.status != 429
        clock.advance(seconds=900 - 30 - 1)  # one second before the reset
        assert (await delete())[0] == 429
        clock.advance(seconds=1)  # the reset: the whole allowance is back
        status, headers = await delete()
        assert status != 429 and headers["x-rate-limit-remaining"] == "49"
        assert headers["x-rate-limit-reset"] == str(start + 1800)
        limits = (await control.state())["rate_limits"]
        assert limits["DELETE /2/tweets/{id}"]["remaining"] == 49


async def test_youtube_quota_runs_out_and_starts_over_at_midnight_pacific() -> None:
    # 23:59 Pacific on 24 November (UTC-8): 07:59 UTC on the 25th.
    clock = Clock(datetime(2026, 11, 25, 7, 0, tzinfo=UTC))
    async with serving(youtube.create_app(clock=clock, quota_limit=3)) as (url, control, session):
        threads = f"{url}/youtube/v3/commentThreads?part=snippet&allThreadsRelatedToChannelId={youtube.CHANNEL_ID}"

        async def get() -> tuple[int, str]:
            async with session.get(threads, headers=AUTH) as resp:
                return resp.status, await resp.text()

        for _ in range(3):  # one unit each
            assert (await get())[0] == 200
        status, body = await get()
        assert status == 403 and "quotaExceeded" in body
        state = await control.state()
        assert state["quota_used"] == 3 and state["quota_resets_at"] == "2026-11-25T00:00:00-08:00"
        clock.advance(minutes=59, seconds=59)  # 23:59:59 Pacific: still the same day
        assert (await get())[0] == 403
        clock.advance(seconds=1)  # midnight Pacific (08:00 UTC), not midnight UTC or local
        assert (await get())[0] == 200
        assert (await control.state())["quota_used"] == 1


async def test_meta_usage_decays_over_the_hour_and_throttling_lifts_when_calls_age_out() -> None:
    clock = Clock(datetime(2026, 3, 2, 10, 0, 0, tzinfo=UTC))
    async with serving(facebook.create_app(clock=clock, usage_budget=10)) as (url, _, session):
        page = f"{url}/v21.0/{facebook.PAGE_ID}"

        async def call() -> tuple[int, dict, dict]:
            async with session.get(page, headers=AUTH) as resp:
                body = await resp.json()
                usage = json.loads(resp.headers.get("X-Business-Use-Case-Usage", "{}"))
                return resp.status, body, (usage.get(facebook.PAGE_ID) or [{}])[0]

        for _ in range(6):
            await call()
        clock.advance(minutes=30)
        for _ in range(3):
            _, _, usage = await call()
        assert usage["call_count"] == 90  # 9 of 10 calls in the last hour
        _, _, usage = await call()
        assert usage["call_count"] == 100
        status, body, usage = await call()  # the budget is spent: throttled
        assert status == 400 and body["error"]["code"] == 32
        assert usage["estimated_time_to_regain_access"] == 30  # when the first six calls age out
        clock.advance(minutes=29)
        assert (await call())[0] == 400  # not yet
        clock.advance(minutes=1)  # the first six calls left the window: 4 of 10 remain
        status, _, usage = await call()
        assert status == 200 and usage["call_count"] == 50
        clock.advance(minutes=31)  # all but this last call aged out
        _, _, usage = await call()
        assert usage["call_count"] == 20
