"""A chaos run at small scale (issue 17): a few hundred comments on five emulators (a feed among them) with ~20 % of
API requests faulty (429 with Retry-After, 500, slow, malformed), edits, a batch of staff
replies, a `jasette worker` process killed with SIGKILL while it holds leases (and replaced),
PostgreSQL cut and restored through a proxy. Nothing may be lost, duplicated, left stale or
replied twice. bench/chaos.py runs the same scenario at full scale."""

from __future__ import annotations

import json

from chaos_run import ChaosRun, Scale

SMALL = Scale(platforms=("wordpress", "facebook", "youtube", "x", "rss"), comments=300, replies=40, edits=30,
              seconds=12, kills=1, outage_seconds=3, poll_interval=3, settle_timeout=75)


async def test_nothing_lost_duplicated_stale_or_replied_twice_through_faults_a_kill_and_a_database_restart(db_dsn, tmp_path) -> None:
    async with ChaosRun(db_dsn, SMALL, log_dir=str(tmp_path)) as run:
        figures = await run.play()
    print(json.dumps(figures.as_dict(), default=str))  # shown with -s: the run's figures
    assert 0.1 <= figures.faulty_share <= 0.4 and len(figures.faults) == 4  # the chaos happened (~20 %)
    assert figures.injected == SMALL.comments
    assert (figures.lost, figures.duplicated, figures.stale, figures.feed_gaps) == (0, 0, 0, 0), figures
    assert figures.replies_queued == SMALL.replies
    assert (figures.double_replies, figures.silently_lost_replies, figures.unfinished_replies) == (0, 0, 0), figures
    assert figures.replies_sent + figures.replies_failed == SMALL.replies
    assert figures.converged_seconds is not None, figures
    # The one time bound here is the issue's own promise to operators ("an account held by a
    # killed worker is polled again within 15 s"): seconds from the SIGKILL until another worker
    # took the account and began polling it, on the database's clock (figures.repoll_done_seconds
    # adds the poll itself, which depends on the faults and the machine's load: reported, not
    # asserted). The kill must have caught the worker holding a lease for it to mean anything.
    assert figures.leases_held_at_kill[0] >= 1 and figures.repoll_seconds[0] <= 15, figures
