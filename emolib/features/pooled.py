"""Extraction with the decoding in worker processes across movies, the networks in this process.

:func:`extract_pooled` is :func:`emolib.features.extract` for a machine with one accelerator and many
cores: ``workers`` processes decode the movies (:class:`~emolib.features.decode_pool.DecodePool`, one
modality of one movie per job), while this process runs every extractor on the batches as they
arrive, whichever movie they belong to, and writes them into the store. A background thread takes
the batches from the workers and copies them to the GPU (:meth:`~emolib.features.base.Extractor.upload`)
while the networks work on the previous one. The features are those of :func:`~emolib.features.extract`:
each movie's batches arrive in order, and an extractor that carries state from batch to batch
(colour-motion's motion and cuts) gets an instance of its own for every movie it is running on.

The rest is :func:`~emolib.features.extract`'s contract: up-to-date files are skipped, a movie that
fails is reported with its reason while the others carry on, a store that cannot be written
(:class:`~emolib.core.errors.StorageError`) stops the run (movies still being decoded are left
unwritten, and reported as not started), and the store's lock is held throughout.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from emolib.core.errors import StorageError
from emolib.core.prefetch import prefetch

from .base import Extractor
from .decode_pool import DecodeJob, DecodePool, Message
from .runner import (
    DEFAULT_PREFETCH,
    ExtractorSpec,
    ExtractReport,
    ModalityWriters,
    MovieResult,
    conclude,
    plan_movie,  # fmt: skip
    reason_of,
    shortfall_notes,
    stream_batch,
)
from .store import FeatureStore

__all__ = ["extract_pooled"]


@dataclass
class _Job:
    """One decoding job's side in this process: its movie, extractors and open writers."""

    movie: str
    modality: str
    extractors: list[Extractor]
    writers: ModalityWriters | None = None
    failed: bool = False


@dataclass
class _Movie:
    result: MovieResult
    started: float
    open_jobs: int = 0
    notes: list[str] = field(default_factory=list)


def _own(extractors: Sequence[Extractor]) -> list[Extractor]:
    """``extractors``, with a fresh instance of each one that keeps state between batches."""
    return [e if type(e).reset is Extractor.reset else ExtractorSpec.of(e).create() for e in extractors]


def _with_uploads(
    messages: DecodePool, jobs: Mapping[int, _Job]
) -> Iterator[tuple[Message, list[Any] | None]]:
    for kind, key, payload in messages:
        uploads = [e.upload(payload.data) for e in jobs[key].extractors] if kind == "batch" else None
        yield (kind, key, payload), uploads


def extract_pooled(
    movies: Mapping[str, str | Path],
    extractors: Sequence[Extractor],
    store: FeatureStore | str | Path,
    workers: int,
    batch: int | None = None,
    force: bool = False,
    rehash: bool = False,
    progress: bool = True,
    on_result: Callable[[MovieResult], None] | None = None,
    prefetch_depth: int = DEFAULT_PREFETCH,
) -> ExtractReport:
    """Extract the features of every movie, decoded by ``workers`` processes (see the module docstring).

    Parameters
    ----------
    movies, extractors, store, batch, force, rehash, progress, on_result
        As for :func:`emolib.features.extract`.
    workers
        Decoding processes (at most one per job: a movie's visual or audio stream).
    prefetch_depth
        Batches taken from the workers and copied to the GPU ahead of the extractors.

    Returns
    -------
    ExtractReport
        One result per movie finished, in the order of ``movies``; ``planned`` counts them all.

    Raises
    ------
    DataError
        If another run holds the store's lock.
    """
    if not extractors:
        raise ValueError("choose at least one extractor")
    store = store if isinstance(store, FeatureStore) else FeatureStore(store)
    done: dict[str, MovieResult] = {}
    with store.lock():
        bar = tqdm(total=len(movies), desc="movies", unit="movie", disable=not progress, file=sys.stderr)

        def finish(movie: _Movie) -> None:
            movie.result.notes += movie.notes
            res = conclude(movie.result, movie.started)
            done[res.movie] = res
            bar.update(1)
            if res.status == "failed" and not res.store_failed:
                tqdm.write(f"FAILED {res.movie}: {res.reason}", file=sys.stderr)
            for note in res.notes:
                tqdm.write(f"note {res.movie}: {note}", file=sys.stderr)
            if on_result is not None:
                on_result(res)

        state: dict[str, _Movie] = {}
        jobs: dict[int, _Job] = {}
        decode: list[DecodeJob] = []
        sources = {}
        for name, path in movies.items():
            plan = plan_movie(name, Path(path), extractors, store, force, rehash)
            state[name] = _Movie(plan.result, time.perf_counter())
            if not plan.todo or plan.grid is None:
                finish(state[name])
                continue
            sources[name] = plan.source
            for mod, exs in plan.todo:
                key = len(decode)
                jobs[key] = _Job(name, mod, _own(exs))
                decode.append(
                    DecodeJob(key, str(Path(path).resolve()), mod, stream_batch(exs, batch), plan.grid)
                )
                state[name].open_jobs += 1
        try:
            _run(decode, jobs, state, store, sources, workers, prefetch_depth, finish)
        finally:
            for job in jobs.values():
                if job.writers is not None:
                    job.writers.discard(RuntimeError("extraction stopped"))
            bar.close()
    return ExtractReport([done[m] for m in movies if m in done], len(movies))


def _run(
    decode: list[DecodeJob],
    jobs: dict[int, _Job],
    state: dict[str, _Movie],
    store: FeatureStore,
    sources: Mapping[str, Any],
    workers: int,
    depth: int,
    finish: Callable[[_Movie], None],
) -> None:
    """Feed the decoded batches to their extractors until every job has ended or the store fails."""
    if not decode:
        return
    with DecodePool(decode, workers) as pool, prefetch(_with_uploads(pool, jobs), depth) as messages:
        for (kind, key, payload), uploads in messages:
            job = jobs[key]
            movie = state[job.movie]
            if not job.failed:
                try:
                    _handle(job, kind, payload, uploads, store, sources[job.movie], movie)
                except Exception as err:  # noqa: BLE001 - isolate the failure to this movie's modality
                    job.failed = True
                    if job.writers is not None:
                        job.writers.discard(err)
                        job.writers = None
                    reason = str(err) if isinstance(err, _DecodingFailed) else reason_of(err)
                    movie.result.extractors.update({e.name: f"failed: {reason}" for e in job.extractors})
                    if isinstance(err, StorageError):
                        movie.result.store_failed, movie.result.reason = True, str(err)
                        finish(movie)
                        return  # the other movies would fail the same way
            if kind in ("end", "error"):
                movie.open_jobs -= 1
                if movie.open_jobs == 0:
                    finish(movie)


def _handle(
    job: _Job,
    kind: str,
    payload: Any,
    uploads: list[Any] | None,
    store: FeatureStore,
    source: Any,
    movie: _Movie,
) -> None:
    """One message of a job: open its writers at its first batch, append, or finish."""
    if kind == "error":
        raise _DecodingFailed(payload)
    if job.writers is None:
        job.writers = ModalityWriters(job.movie, job.extractors, store, source)
    if kind == "batch":
        job.writers.add(payload.data, uploads)
        return
    job.writers.finish(payload)
    job.writers = None
    movie.result.extractors.update({e.name: "done" for e in job.extractors})
    movie.notes += shortfall_notes(job.modality, payload)


class _DecodingFailed(Exception):
    """A worker's report that a stream could not be decoded (its message is the worker's reason)."""

    def __str__(self) -> str:
        return str(self.args[0])
