"""Batches of comments analysed off the event loop, in a process pool loaded once per worker.

The collector calls `Analyzer.analyze_batch` once per fetched batch. A batch is cut into one
chunk per worker (at least `_MIN_CHUNK` comments each, since shipping a chunk to a process costs
about as much as analysing a few comments), and results come back in input order.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from .analysis import analyze, warm_up
from .types import Document, Result

_MIN_CHUNK = 64
# More chunks than workers: a worker that finishes early takes the next chunk instead of waiting
# for the slowest one at the end of every batch.
_CHUNKS_PER_WORKER = 2


def analyze_doc(doc: Document) -> Result:
    """Return analyze() of one document."""
    return analyze(
        doc.text,
        followers=doc.followers,
        already_replied=doc.already_replied,
        age_seconds=doc.age_seconds,
        response_target_seconds=doc.response_target_seconds,
        expected_langs=doc.expected_langs,
    )


def analyze_docs(docs: list[Document]) -> list[Result]:
    """Return analyze_doc() of each document, in order (the unit of work sent to a worker)."""
    return [analyze_doc(d) for d in docs]


def _init_worker() -> None:
    # Models and lexicons load once per worker process, before the first batch arrives.
    warm_up()


class Analyzer:
    """Runs analyze() over batches in `workers` processes (0: in this process, for tests and tiny loads)."""

    def __init__(self, workers: int = 2) -> None:
        self.workers = max(0, int(workers))
        self._pool: ProcessPoolExecutor | None = None
        if self.workers:
            # forkserver/spawn would re-import the world per worker; fork is cheap, but unsafe once
            # threads exist, so use it only where it is the platform default.
            method = "fork" if multiprocessing.get_start_method(allow_none=True) in (None, "fork") else None
            context = multiprocessing.get_context(method)
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context, initializer=_init_worker)

    async def analyze_batch(self, docs: list[Document]) -> list[Result]:
        """Return the analysis of each doc, in order."""
        if not docs:
            return []
        if self._pool is None:
            return analyze_docs(docs)
        size = max(_MIN_CHUNK, -(-len(docs) // (self.workers * _CHUNKS_PER_WORKER)))
        loop = asyncio.get_running_loop()
        chunks = [docs[i : i + size] for i in range(0, len(docs), size)]
        parts = await asyncio.gather(*(loop.run_in_executor(self._pool, analyze_docs, c) for c in chunks))
        return [result for part in parts for result in part]

    async def close(self) -> None:
        """Stop the worker processes (waiting for batches under way)."""
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await asyncio.get_running_loop().run_in_executor(None, pool.shutdown, True)

    async def __aenter__(self) -> Analyzer:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
