"""Schedule arithmetic of the poller: jitter, usage slow-down, exponential backoff, Retry-After."""

from __future__ import annotations

import random

import pytest

from collector import backoff
from collector.poller import in_words
from collector.registry import display_name


def test_jitter_stays_within_its_spread_and_spreads() -> None:
    rng = random.Random(3)
    values = [backoff.jittered(100, rng) for _ in range(500)]
    assert all(90 <= v <= 110 for v in values)
    assert max(values) - min(values) > 15  # accounts really are spread out


@pytest.mark.parametrize(
    ("usage", "pressure"),
    [
        ({}, 0.0),
        (None, 0.0),
        ({"app_usage_percent": 87}, 0.87),
        ({"app_usage_percent": 40, "business_usage_percent": 92}, 0.92),
        ({"quota_units": 2500, "quota_limit": 10000}, 0.25),
        ({"quota_units": 10, "quota_limit": 0}, 0.0),
        ({"app_usage_percent": "87", "flag_percent": True}, 0.0),
        ({"app_usage_pct": 80, "business_usage_pct": 30, "regain_access_minutes": 0}, 0.8),
        ({"rate_limit_limit": 300, "rate_limit_remaining": 30, "rate_limit_reset": 1772445600}, 0.9),
        ({"rate_limit_limit": 0, "rate_limit_remaining": 0}, 0.0),
    ],
)
def test_usage_pressure_reads_percents_and_quota_units(usage, pressure) -> None:
    assert backoff.usage_pressure(usage) == pytest.approx(pressure)


def test_polling_slows_above_three_quarters_and_pauses_above_nine_tenths() -> None:
    rng = random.Random(1)
    assert 54 <= backoff.next_poll_delay(60, {"app_usage_percent": 50}, rng) <= 66
    assert 108 <= backoff.next_poll_delay(60, {"app_usage_percent": 87}, rng) <= 132
    paused = backoff.next_poll_delay(60, {"quota_units": 9500, "quota_limit": 10000}, rng)
    assert paused >= backoff.PAUSE_SECONDS * 0.9


def test_a_wait_the_platform_names_is_honoured_but_bounded() -> None:
    rng = random.Random(1)
    assert backoff.next_poll_delay(60, {"regain_seconds": 1200}, rng) == 1200
    assert backoff.next_poll_delay(60, {"regain_access_minutes": 20}, rng) == 1200
    assert backoff.next_poll_delay(60, {"reset_seconds": 10**9}, rng) == backoff.MAX_RETRY_AFTER
    # An epoch in a usage report is no wait: only named waits count.
    assert backoff.next_poll_delay(60, {"rate_limit_reset": 1772445600}, rng) <= 66


def test_failure_delay_doubles_up_to_its_cap() -> None:
    rng = random.Random(5)
    for failures, base in ((1, 30), (2, 60), (3, 120), (4, 240)):
        assert base * 0.8 <= backoff.failure_delay(failures, rng) <= base * 1.2
    assert backoff.failure_delay(40, rng) <= backoff.FAILURE_CAP_SECONDS * 1.2
    assert backoff.failure_delay(10**6, rng) <= backoff.FAILURE_CAP_SECONDS * 1.2


def test_retry_after_is_a_floor_not_a_ceiling() -> None:
    rng = random.Random(5)
    assert backoff.failure_delay(1, rng, retry_after=600) == 600
    assert backoff.failure_delay(8, rng, retry_after=1) >= 1800 * 0.8
    assert backoff.failure_delay(1, rng, retry_after=10**9) == backoff.MAX_RETRY_AFTER


def test_delays_read_as_plain_words() -> None:
    assert in_words(20) == "a minute"
    assert in_words(300) == "5 minutes"
    assert in_words(4000) == "67 minutes"
    assert in_words(5400) == "2 hours"
    assert in_words(3 * 3600) == "3 hours"


def test_platform_names_come_from_the_collector_when_it_has_one() -> None:
    class Named:
        display_name = "YouTube"

    assert display_name("youtube", Named) == "YouTube"
    assert display_name("wordpress") == "WordPress"


def test_a_fast_account_retries_at_its_own_rhythm_after_a_failure() -> None:
    # Issue 17's chaos run: an RSS feed polled every 5 s waited 30 s after any failure and lost the
    # entries that scrolled off its 100-entry window meanwhile.
    rng = random.Random(3)
    firsts = [backoff.failure_delay(1, rng, interval=5) for _ in range(50)]
    assert max(firsts) <= 5 * 1.2 and min(firsts) >= 5 * 0.8
    assert max(backoff.failure_delay(9, rng, interval=5) for _ in range(50)) <= 10 * 1.2
    # An account polled every minute keeps the 30 s first retry.
    assert 24 <= backoff.failure_delay(1, rng, interval=60) <= 36
