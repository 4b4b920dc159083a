"""Batch feature extraction into the store: what ``python -m emolib extract`` runs.

For every movie, the extractors whose stored features are missing or out of date are run; the
others are skipped. Each modality is decoded once and its batches feed every extractor of that
modality, with decoding in a background thread so that the next batches are decoded while the models
work on the current one (:func:`emolib.core.prefetch.prefetch`, ``prefetch_depth`` batches ahead; the
features do not depend on it). A movie that fails (cannot be decoded, lacks an audio track, ...) is
reported with its reason and the run goes on; the report says which failed. A damaged file is
processed up to its last decodable step and the store records the shortfall.

A store that cannot be written (disk full, quota, read-only: :class:`~emolib.core.errors.StorageError`)
is not a problem of one movie: the movie is reported with the error's message (the file, "no space
left on the device holding <store>", the bytes needed and free), its temporary files are removed,
and the run stops there, so that the movies after it are not decoded for nothing; the movies already
finished stay, and running again after freeing space resumes with the rest. On a cluster the tasks
already submitted each report their own state.

With a Dask client (:mod:`emolib.core.distributed`), every movie is one task on the cluster: the workers
build the extractors once each (from :class:`ExtractorSpec`, not by pickling models) and write into
the shared store; a task that crashes is retried, a movie that fails on its data is reported at
once (decoding it again would fail again). The process that submits holds the store's lock.
"""

from __future__ import annotations

import contextlib
import json
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tqdm import tqdm

from emolib.core.errors import DataError, StorageError
from emolib.core.prefetch import prefetch
from emolib.datasets.layouts import locate

from .base import Extractor
from .steps import ClipStream, StepBatch, StepGrid, WindowStream, iter_clips, iter_windows, step_grid
from .store import FeatureStore, SourceId, source_id

if TYPE_CHECKING:
    from distributed import Client

VIDEO_SUFFIXES = (".mp4", ".mkv", ".avi", ".mov", ".m4v", ".webm", ".mpg", ".mpeg")
DEFAULT_BATCH = 16
"""Steps per decoded batch when no network extractor asks for more."""
DEFAULT_PREFETCH = 2
"""Batches decoded ahead of the extractors, in a background thread (0: decode in the calling thread)."""


@dataclass
class MovieResult:
    """What happened to one movie.

    Attributes
    ----------
    movie : str
    status : str
        ``"done"`` (something computed, nothing failed), ``"skipped"`` (all up to date) or ``"failed"``.
    extractors : dict
        Per extractor: ``"done"``, ``"skipped"`` or ``"failed: <reason>"``.
    reason : str
        Why it failed (empty otherwise).
    seconds : float
        Wall-clock time spent on it.
    notes : list of str
        Shortfalls of damaged files.
    store_failed : bool
        The store could not be written (:class:`~emolib.core.errors.StorageError`, whose message is
        ``reason``): the run stops after this movie.
    """

    movie: str
    status: str
    extractors: dict[str, str] = field(default_factory=dict)
    reason: str = ""
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    store_failed: bool = False


@dataclass
class ExtractReport:
    """Results of one extraction run.

    Attributes
    ----------
    results : list of MovieResult
        One per movie attempted, in order.
    planned : int
        Movies the run was given (more than ``results`` when it stopped on a store it could not write).
    """

    results: list[MovieResult]
    planned: int = 0

    @property
    def failed(self) -> list[MovieResult]:
        return [r for r in self.results if r.status == "failed"]

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)

    def summary(self) -> str:
        """One line: movies computed, skipped, failed and (after a store failure) not started."""
        total = max(self.planned, len(self.results))
        left = total - len(self.results)
        return (
            f"{total} movies: {self.count('done')} computed, {self.count('skipped')} up to date, "
            f"{self.count('failed')} failed" + (f", {left} not started" if left else "")
        )


def _warn(problem: DataError) -> None:
    warnings.warn(f"{problem} (the movies are still listed)", stacklevel=3)


def find_movies(data_dir: str | Path, on_problem: Callable[[DataError], None] = _warn) -> dict[str, Path]:
    """The movies under a data folder, by name.

    A MediaEval 2017 layout (the sample or a real development set) gives its annotated movies; else a
    MediaEval 2018 layout gives the movies of its parts (``MEDIAEVAL18_<MM>.mp4`` beside a valence/arousal
    file, anywhere under it); otherwise the video files directly in ``data_dir`` or in
    ``data_dir/movies`` are taken (e.g. the anonymised test set). Only the movies are needed: a malformed
    annotation file does not stop the listing but is passed to ``on_problem`` (default: a warning naming
    the file and line); the notebooks that need the annotations read them with
    :func:`emolib.datasets.mediaeval.load_devset`, which raises on it.

    Raises
    ------
    DataError
        If the folder holds no movie.
    """
    root = Path(data_dir).expanduser().resolve()
    try:
        layouts = locate(root)
    except DataError:
        layouts = None
    if layouts is not None and layouts.mediaeval is not None:
        from emolib.datasets.mediaeval import devset_movies

        return devset_movies(layouts.mediaeval, on_problem)
    if layouts is not None and layouts.mediaeval2018 is not None:
        from emolib.core.files import find_by_stem
        from emolib.datasets.mediaeval import MOVIE_SUFFIXES, scan

        found = scan(layouts.mediaeval2018, on_problem)
        movies = find_by_stem(found.others, sorted(found.of("va2018")), MOVIE_SUFFIXES)
        if movies:
            return dict(sorted(movies.items()))
    found = {
        p.stem: p
        for folder in (root, root / "movies")
        if folder.is_dir()
        for p in sorted(folder.iterdir())
        if p.suffix.lower() in VIDEO_SUFFIXES and p.is_file()
    }
    if not found:
        raise DataError(root, "holds no MediaEval layout and no video files (looked in it and in movies/)")
    return found


def stream_batch(extractors: Sequence[Extractor], batch: int | None) -> int:
    if batch is not None:
        return int(batch)
    sizes = [int(e.params["batch"]) for e in extractors if "batch" in e.params]
    return max(sizes, default=DEFAULT_BATCH)


def reason_of(err: BaseException) -> str:
    return f"{type(err).__name__}: {err}"


class ModalityWriters:
    """The store writers of one modality of one movie: opened together, fed batch by batch, finished together.

    Opening resets the extractors (:meth:`Extractor.reset`); :meth:`discard` removes every temporary
    file, :meth:`finish` records the stream's summary and publishes the files.
    """

    def __init__(
        self, movie: str, extractors: Sequence[Extractor], store: FeatureStore, source: SourceId
    ) -> None:
        self.extractors = list(extractors)
        for e in self.extractors:
            e.reset()
        self.started = time.perf_counter()
        self._stack = contextlib.ExitStack()
        with self._stack as stack:  # a writer that cannot be opened closes the ones opened before it
            self.writers = [
                stack.enter_context(store.writer(e, movie, source, {"device": e.device()}))
                for e in self.extractors
            ]
            self._stack = stack.pop_all()

    def add(self, data: Any, uploads: Sequence[Any] | None = None) -> None:
        """Append every extractor's rows for a batch (or for its upload, where it has one)."""
        uploads = uploads or [None] * len(self.extractors)
        for e, w, up in zip(self.extractors, self.writers, uploads, strict=True):
            w.append(e.transform(data if up is None else up))

    def finish(self, summary: Mapping[str, Any]) -> None:
        """Record the stream's summary and the elapsed time in every file and publish them."""
        extra = {**summary, "elapsed_s": round(time.perf_counter() - self.started, 3)}
        with self._stack:
            for w in self.writers:
                w.finish(**extra)

    def discard(self, err: BaseException) -> None:
        """Leave every temporary file unpublished (removed), because of ``err``."""
        self._stack.__exit__(type(err), err, err.__traceback__)


def uploaded(
    items: Iterable[StepBatch], extractors: Sequence[Extractor]
) -> Iterator[tuple[StepBatch, list[Any]]]:
    """Each batch with its copies on the accelerator, one per extractor (:meth:`Extractor.upload`)."""
    for item in items:
        yield item, [e.upload(item.data) for e in extractors]


def shortfall_notes(modality: str, summary: Mapping[str, Any]) -> list[str]:
    """The note of a stream that ended early (see :meth:`emolib.features.steps._StepStream.summary`)."""
    if not summary["shortfall_steps"]:
        return []
    return [f"{modality}: {summary['note']} ({summary['shortfall_steps']} steps missing)"]


def _run_modality(
    movie: str,
    stream: ClipStream | WindowStream,
    extractors: Sequence[Extractor],
    store: FeatureStore,
    source: SourceId,
    bar: tqdm,
    depth: int = DEFAULT_PREFETCH,
) -> list[str]:
    """Decode one modality once and feed its extractors; returns notes on a shortfall."""
    run = ModalityWriters(movie, extractors, store, source)
    try:
        with prefetch(uploaded(stream, run.extractors), depth) as batches:
            for item, uploads in batches:
                run.add(item.data, uploads)
                bar.update(len(item))
        summary = stream.summary()
    except BaseException as err:
        run.discard(err)
        raise
    run.finish(summary)
    return shortfall_notes(stream.modality, summary)


@dataclass
class MoviePlan:
    """What is to be done for one movie: its result so far and, per modality, the extractors to run."""

    result: MovieResult
    source: SourceId | None = None
    grid: StepGrid | None = None
    todo: list[tuple[str, list[Extractor]]] = field(default_factory=list)


def plan_movie(
    movie: str, path: Path, extractors: Sequence[Extractor], store: FeatureStore, force: bool, rehash: bool
) -> MoviePlan:
    """Which extractors of ``movie`` are out of date, its source identity and step grid; never raises.

    A movie that cannot be hashed or probed comes back with every extractor failed and nothing to do.
    """
    plan = MoviePlan(MovieResult(movie, "skipped"))
    try:
        known = store.known_source(movie, [e.name for e in extractors])
        plan.source = source_id(path, known, rehash=rehash)
        todo = [e for e in extractors if force or store.status(e, movie, plan.source) != "done"]
        plan.result.extractors = {e.name: "skipped" for e in extractors if e not in todo}
        if todo:
            plan.grid = step_grid(path)
            for mod in ("visual", "audio"):
                exs = [e for e in todo if e.modality == mod]
                if exs:
                    plan.todo.append((mod, exs))
    except Exception as err:  # noqa: BLE001 - probing or hashing failed: the whole movie fails
        plan.result.extractors.update({e.name: f"failed: {reason_of(err)}" for e in extractors})
        plan.todo = []
    return plan


def conclude(result: MovieResult, started: float) -> MovieResult:
    """Set the overall status and reason from the extractors' and the elapsed time; returns ``result``."""
    failures = {k: v for k, v in result.extractors.items() if v.startswith("failed")}
    if failures:
        result.status = "failed"
        result.reason = result.reason or "; ".join(f"{k} {v}" for k, v in failures.items())
    elif any(v == "done" for v in result.extractors.values()):
        result.status = "done"
    result.seconds = time.perf_counter() - started
    return result


def extract_movie(
    movie: str,
    path: Path,
    extractors: Sequence[Extractor],
    store: FeatureStore,
    batch: int | None = None,
    force: bool = False,
    rehash: bool = False,
    position: int = 1,
    progress: bool = True,
    prefetch_depth: int = DEFAULT_PREFETCH,
) -> MovieResult:
    """Bring the stored features of one movie up to date for every extractor; never raises for data.

    ``prefetch_depth`` batches are decoded ahead of the extractors in a background thread (0: none); the
    other parameters are those of :func:`extract`.

    Returns
    -------
    MovieResult
        Status per extractor; ``"failed"`` overall if any extractor failed.
    """
    started = time.perf_counter()
    plan = plan_movie(movie, path, extractors, store, force, rehash)
    result = plan.result
    if plan.todo and plan.grid is not None and plan.source is not None:  # the grid and source come with todo
        total = plan.grid.n_steps * len(plan.todo)
        with tqdm(total=total, desc=movie[:24], unit="step", position=position, leave=False,
                  disable=not progress, file=sys.stderr) as bar:  # fmt: skip
            for mod, exs in plan.todo:
                make = iter_clips if mod == "visual" else iter_windows
                stream = make(path, plan.grid, stream_batch(exs, batch))
                try:
                    result.notes += _run_modality(movie, stream, exs, store, plan.source, bar, prefetch_depth)
                    result.extractors.update({e.name: "done" for e in exs})
                except Exception as err:  # noqa: BLE001 - isolate the failure to this movie
                    result.extractors.update({e.name: f"failed: {reason_of(err)}" for e in exs})
                    if isinstance(err, StorageError):
                        result.store_failed, result.reason = True, str(err)
                        break
    return conclude(result, started)


@dataclass(frozen=True)
class ExtractorSpec:
    """What a worker needs to build an extractor: its name, weights and parameters (JSON)."""

    name: str
    weights: str | None = None
    random_weights: bool = False
    params_json: str = "{}"

    @classmethod
    def of(cls, extractor: Extractor) -> ExtractorSpec:
        """The spec that rebuilds ``extractor`` (same identity in the store)."""
        params = json.dumps(extractor.params, sort_keys=True)
        return cls(extractor.name, extractor.weights_file, extractor.weights_id == "random", params)

    def create(self) -> Extractor:
        """Build the extractor (:func:`emolib.features.create`)."""
        from .registry import create

        return create(self.name, self.weights, self.random_weights, **json.loads(self.params_json))


@dataclass(frozen=True)
class MovieJob:
    """One movie's extraction as a task for a cluster worker (:func:`run_movie_job`)."""

    movie: str
    path: str
    extractors: tuple[ExtractorSpec, ...]
    store: str
    batch: int | None = None
    force: bool = False
    rehash: bool = False
    prefetch_depth: int = DEFAULT_PREFETCH


_built = threading.local()


def run_movie_job(job: MovieJob) -> MovieResult:
    """Extract one movie on a worker; its extractors are built once per worker thread and reused."""
    cache: dict[tuple[ExtractorSpec, ...], list[Extractor]] = _built.__dict__.setdefault("cache", {})
    if job.extractors not in cache:
        cache[job.extractors] = [spec.create() for spec in job.extractors]
    return extract_movie(
        job.movie, Path(job.path), cache[job.extractors], FeatureStore(job.store), job.batch, job.force,
        job.rehash, progress=False, prefetch_depth=job.prefetch_depth,
    )  # fmt: skip


def _crashed(job: MovieJob, err: BaseException) -> MovieResult:
    reason = f"task crashed: {reason_of(err)}"
    return MovieResult(job.movie, "failed", {s.name: f"failed: {reason}" for s in job.extractors}, reason)


def extract(
    movies: Mapping[str, str | Path],
    extractors: Sequence[Extractor],
    store: FeatureStore | str | Path,
    batch: int | None = None,
    force: bool = False,
    rehash: bool = False,
    progress: bool = True,
    on_result: Callable[[MovieResult], None] | None = None,
    cluster: tuple[Client, int] | None = None,
    prefetch_depth: int = DEFAULT_PREFETCH,
) -> ExtractReport:
    """Extract features of every movie into the store, skipping what is done and unchanged.

    Parameters
    ----------
    movies
        Movie name → file (e.g. :func:`find_movies`).
    extractors
        Extractors to run (:func:`emolib.features.create`), visual and audio in any combination.
    store
        The feature store or its folder.
    batch
        Steps per decoded batch (default: the largest ``batch`` parameter of the extractors, else 16).
    force
        Recompute even up-to-date files.
    rehash
        Hash every movie instead of trusting size and modification time (see :func:`source_id`).
    progress
        Show an overall bar and a per-movie bar (tqdm, on stderr).
    on_result
        Called with each movie's result as soon as it is known.
    cluster
        A Dask client (:func:`emolib.core.distributed.open_client`) and how many more times a task that
        crashed is run on it (failures on the data are not retried): one task per movie on its workers,
        which must see the movies and the store at the same paths. ``None``: in this process.
    prefetch_depth
        Batches decoded ahead of the extractors in a background thread, so that decoding overlaps with
        the networks (0: decode in the calling thread). The features are the same either way.

    Returns
    -------
    ExtractReport
        One result per movie, in order.

    Raises
    ------
    DataError
        If another run holds the store's lock.
    emolib.core.errors.StorageError
        If the store's lock file cannot be written. A feature file that cannot be written is reported
        in its movie's result instead, and the run stops there (``planned`` counts the movies left).
    """
    if not extractors:
        raise ValueError("choose at least one extractor")
    names = [e.name for e in extractors]
    if len(set(names)) != len(names):
        raise ValueError(f"extractor named twice: {names}")
    store = store if isinstance(store, FeatureStore) else FeatureStore(store)
    results = []
    with store.lock():
        overall = tqdm(total=len(movies), desc="movies", unit="movie", position=0, disable=not progress,
                       file=sys.stderr)  # fmt: skip

        def finished(res: MovieResult, attempts: int = 1) -> None:
            results.append(res)
            overall.update(1)
            overall.set_postfix_str(res.movie[:24])
            if res.status == "failed" and not res.store_failed:  # a store failure ends the run: reported then
                tqdm.write(f"FAILED {res.movie}: {res.reason}", file=sys.stderr)
            for note in res.notes:
                tqdm.write(f"note {res.movie}: {note}", file=sys.stderr)
            if on_result is not None:
                on_result(res)

        if cluster is not None:
            from emolib.core.distributed import run_tasks

            client, retries = cluster
            specs = tuple(ExtractorSpec.of(e) for e in extractors)
            root = str(store.root.resolve())
            jobs = [
                MovieJob(m, str(Path(p).resolve()), specs, root, batch, force, rehash, prefetch_depth)
                for m, p in movies.items()
            ]
            ordered = run_tasks(client, run_movie_job, jobs, retries, None, _crashed, finished, "extract")
        else:
            for movie, path in movies.items():
                finished(extract_movie(movie, Path(path), extractors, store, batch, force, rehash,
                                       progress=progress, prefetch_depth=prefetch_depth))  # fmt: skip
                if results[-1].store_failed:
                    break  # the next movies would fail the same way, after decoding them
            ordered = results
        overall.close()
    return ExtractReport(list(ordered), len(movies))
