"""The process pool: same results as in-process analysis, in order, models loaded per worker;
its processes hold none of the caller's sockets."""

import asyncio
import pickle
import socket
from dataclasses import replace

import psutil

from nlp import analyze
from nlp.pool import Analyzer, _start_all, analyze_doc
from nlp.types import Document

DOCS = [
    Document("Ma commande est toujours pas reçue 😡", followers=12000, age_seconds=99999),
    Document("Merci, c'était délicieux!"),
    Document("Do you deliver to Laval?", already_replied=True),
    Document("DM me for followers"),
    Document("", expected_langs=("en",)),
]


def expected(doc):
    return analyze(
        doc.text,
        followers=doc.followers,
        already_replied=doc.already_replied,
        age_seconds=doc.age_seconds,
        expected_langs=doc.expected_langs,
    )


async def test_in_process_matches_analyze():
    async with Analyzer(workers=0) as analyzer:
        assert await analyzer.analyze_batch(DOCS) == [expected(d) for d in DOCS]
        assert await analyzer.analyze_batch([]) == []


async def test_workers_keep_order_across_chunks():
    docs = [replace(DOCS[i % len(DOCS)], text=f"{DOCS[i % len(DOCS)].text} {i}") for i in range(300)]
    async with Analyzer(workers=2) as analyzer:
        results = await analyzer.analyze_batch(docs)
    assert results == [analyze_doc(d) for d in docs]


async def test_close_is_idempotent():
    analyzer = Analyzer(workers=1)
    assert await analyzer.analyze_batch(DOCS[:1]) == [expected(DOCS[0])]
    await analyzer.close()
    await analyzer.close()


async def test_workers_hold_none_of_the_callers_sockets():
    # A server's socket held by a worker stays open after the server closes it (issue 18).
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    with socket.create_server(("127.0.0.1", 0)):
        async with Analyzer(workers=1) as analyzer:
            await analyzer.analyze_batch(DOCS[:1])
            # New processes, and the forkserver an earlier test of this run may have started.
            pool = [p for p in psutil.Process().children(recursive=True)
                    if p.pid not in before or "multiprocessing" in " ".join(p.cmdline())]
            assert pool, "the pool's processes should be running"
            for process in pool:
                assert process.net_connections(kind="inet") == [], process.cmdline()


def test_documents_and_results_survive_the_trip_to_a_worker():
    result = analyze_doc(DOCS[0])
    assert pickle.loads(pickle.dumps(DOCS[0])) == DOCS[0]
    assert pickle.loads(pickle.dumps(result)) == result
    assert result.to_dict()["reasons"] == result.reasons


async def test_every_worker_is_loaded_before_the_first_batch_is_shared_out():
    # A worker still loading its models (about 2 s) would leave the first batches to the others:
    # the pool answers only once each of its processes has answered.
    async with Analyzer(workers=2) as analyzer:
        await analyzer.analyze_batch(DOCS[:1])
        assert analyzer._pool is not None
        assert len({p.pid for p in analyzer._pool._processes.values()}) == 2
        seen = await asyncio.to_thread(_start_all, analyzer._pool, 2, 30.0)
    assert len(seen) == 2
