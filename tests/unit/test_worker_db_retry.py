"""A worker loop meeting a database error retries soon, then less often (collector/worker.py):
a restarted database is used again within a fraction of a second, a long outage is not hammered,
and the outage is logged once."""

from __future__ import annotations

import logging

from collector.worker import DB_RETRY_SECONDS, _DatabaseWatch


def test_retries_start_soon_double_up_to_the_cap_and_start_over_after_a_success(caplog) -> None:
    watch = _DatabaseWatch()
    caplog.set_level(logging.WARNING, logger="collector")
    refused = ConnectionRefusedError(111, "Connect call failed")
    delays = [watch.failed("poll", refused) for _ in range(7)]
    assert delays[0] <= 0.25 and delays == sorted(delays) and max(delays) == DB_RETRY_SECONDS
    assert sum(delays[:3]) < DB_RETRY_SECONDS  # three tries in the time one used to take
    watch.ok("poll")
    assert watch.failed("poll", refused) == delays[0]
    assert watch.failed("outbox", refused) == delays[0]  # each loop counts its own
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 3  # once per outage per loop: poll, poll again after it healed, outbox
