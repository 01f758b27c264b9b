"""Batches of comments analysed off the event loop, in a process pool loaded once per worker.

The collector calls `Analyzer.analyze_batch` once per fetched batch. A batch is cut into one
chunk per worker (at least `_MIN_CHUNK` comments each, since shipping a chunk to a process costs
about as much as analysing a few comments), and results come back in input order.

Workers come from a forkserver, never forked from the caller: the caller may already be serving
HTTP, and a forked child would hold the server's sockets open after the server closed them (a
browser's next request on a kept-alive connection then hangs). Each worker ends when the process
that made the pool is gone, even when it was killed outright.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import select
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.context import BaseContext

from . import encoder
from .analysis import analyze, warm_up
from .text import clean
from .types import Document, Result

_MIN_CHUNK = 64
# How much lower the full path's worker runs than the caller (os.nice increment).
FULL_NICENESS = 10
# More chunks than workers: a worker that finishes early takes the next chunk instead of waiting
# for the slowest one at the end of every batch.
_CHUNKS_PER_WORKER = 2
# Imported once by the forkserver (importing them starts no thread), so each worker forks with
# them already imported; the models themselves load in each worker (lingua's start threads).
_PRELOAD = ["nlp.pool", "langdetect", "lingua", "textblob", "textblob_fr"]


MODELS = ("fast", "full")


def analyze_doc(doc: Document, vector: list[float] | None = None) -> Result:
    """Return analyze() of one document (vector: its embedding, for the full path)."""
    return analyze(
        doc.text,
        followers=doc.followers,
        already_replied=doc.already_replied,
        age_seconds=doc.age_seconds,
        response_target_seconds=doc.response_target_seconds,
        expected_langs=doc.expected_langs,
        vector=vector,
    )


def analyze_docs(docs: list[Document], model: str = "fast") -> list[Result]:
    """Return analyze_doc() of each document, in order (the unit of work sent to a worker).

    model "full" embeds the batch with the sentence encoder first (nlp.encoder).
    """
    if model != "full":
        return [analyze_doc(d) for d in docs]
    vectors = encoder.load().encode([clean(d.text) for d in docs])
    return [analyze_doc(d, v) for d, v in zip(docs, vectors)]


def _init_worker(owner: int, model: str = "fast") -> None:
    _end_with(owner)
    # Ctrl+C reaches the whole process group: the owner handles it and stops the pool in order.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Models and lexicons load once per worker process, before the first batch arrives.
    warm_up()
    if model == "full":
        # The re-scoring is background work: on a machine's few cores it gives way to ingest's
        # fast workers (bench/collect.py's third pass) instead of sharing with them evenly.
        with contextlib.suppress(OSError, AttributeError):
            os.nice(FULL_NICENESS)
        encoder.load()


def _end_with(owner: int) -> None:
    """Exit this worker as soon as process `owner` is gone (even after a kill -9 of it)."""
    # The worker's OS parent is the forkserver, which itself waits for every worker to let go of
    # its "alive" pipe before exiting: a parent-death signal would never come. Watch the owner.
    try:
        handle: int | None = os.pidfd_open(owner)
    except ProcessLookupError:
        os._exit(1)
    except (AttributeError, OSError):
        handle = None  # no pidfd (not Linux, or an old kernel): look once a second instead
    threading.Thread(target=_watch, args=(owner, handle), name="owner-watch", daemon=True).start()


def _watch(owner: int, handle: int | None) -> None:
    if handle is not None:
        watch = select.poll()
        watch.register(handle, select.POLLIN)
        watch.poll()  # returns once the owner has exited
    else:
        while _alive(owner):
            time.sleep(1.0)
    os._exit(1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0 only checks the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True


def _pid_after(seconds: float) -> int:
    time.sleep(seconds)  # long enough that a free worker takes the next call, not this one again
    return os.getpid()


def _start_all(pool: ProcessPoolExecutor, workers: int, patience: float = 120.0) -> set[int]:
    """Return the pids of `workers` distinct processes once each has answered: a worker answers
    only after its initializer (the models) has run. Gives up quietly after `patience` seconds:
    batches still run on the workers that are up."""
    seen: set[int] = set()
    deadline = time.monotonic() + patience
    while len(seen) < workers and time.monotonic() < deadline:
        seen |= {f.result() for f in [pool.submit(_pid_after, 0.05) for _ in range(workers)]}
    return seen


def _context() -> BaseContext:
    """The forkserver's context, or spawn's where there is none."""
    # Both start workers from a fresh interpreter holding only the pipes they need, never a copy
    # of the caller and its open sockets.
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_PRELOAD)
    return context


class Analyzer:
    """Runs analyze() over batches in `workers` processes (0: in this process, for tests and tiny loads).

    model "fast" is the learned layer alone (the hot path); "full" blends in the sentence encoder
    (background re-scoring). A full Analyzer checks the encoder's package at once: EncoderMissing.
    """

    def __init__(self, workers: int = 2, model: str = "fast") -> None:
        if model not in MODELS:
            raise ValueError(f"unknown NLP model {model!r}: choose fast or full")
        self.model = model
        if model == "full":
            # EncoderMissing here, in the caller, rather than as a traceback from a worker.
            encoder.check()
        self.workers = max(0, int(workers))
        self._pool: ProcessPoolExecutor | None = None
        self._started = False
        self._starting = asyncio.Lock()
        if self.workers:
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=_context(),
                                             initializer=_init_worker, initargs=(os.getpid(), model))

    async def analyze_batch(self, docs: list[Document]) -> list[Result]:
        """Return the analysis of each doc, in order."""
        if not docs:
            return []
        if self._pool is None:
            return analyze_docs(docs, self.model)
        if not self._started:
            await self._start()
        size = max(_MIN_CHUNK, -(-len(docs) // (self.workers * _CHUNKS_PER_WORKER)))
        loop = asyncio.get_running_loop()
        chunks = [docs[i : i + size] for i in range(0, len(docs), size)]
        parts = await asyncio.gather(*(loop.run_in_executor(self._pool, analyze_docs, c, self.model) for c in chunks))
        return [result for part in parts for result in part]

    async def _start(self) -> None:
        """Start every worker process, and wait until each has loaded its models, in a thread: the
        forkserver imports the NLP modules before it forks, and the caller waits on it for seconds
        (more on a busy machine). On the event loop, that wait froze everything else, among it the
        heartbeats keeping a poll's lease. Waiting for all of them, not just the first, keeps the
        first batches from running on one worker while the others are still loading (about 2 s)."""
        async with self._starting:
            if not self._started and self._pool is not None:
                await asyncio.to_thread(_start_all, self._pool, self.workers)
                self._started = True

    async def close(self) -> None:
        """Stop the worker processes (waiting for batches under way)."""
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await asyncio.get_running_loop().run_in_executor(None, pool.shutdown, True)

    async def __aenter__(self) -> Analyzer:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
