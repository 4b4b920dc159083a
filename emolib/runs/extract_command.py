"""The ``extract`` command: Study A features of every movie into the resumable HDF5 feature store.

:func:`run_extract` checks the extractors chosen on the command line, makes them, runs
:func:`emolib.features.extract` over the movies (in this process, or on Dask) and reports each
failed movie on stderr and the summary on stdout. The organisers' MediaEval descriptors named among
them (``fc6``, ``emobase2010``, ...; marked in ``--list``) are imported from their folders under the data
folder instead (:func:`emolib.features.import_descriptors`): no movie is decoded, and a folder without
movie files works. A choice that cannot work raises
:class:`~emolib.core.options.UsageError`, a malformed option or an unknown movie a
:class:`~emolib.core.errors.DataError`; :mod:`emolib.runs.cli` turns both into exit status 2.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emolib.core.distributed import ClusterChoice
from emolib.core.errors import DataError
from emolib.core.options import UsageError, key_values, parse_value

if TYPE_CHECKING:
    from emolib.features import Extractor

__all__ = ["chosen_extractors", "extractor_options", "extractor_table", "import_command", "make_extractors",
           "run_extract", "select_movies"]  # fmt: skip


def extractor_table() -> list[str]:
    """One line per registered extractor: name, modality and summary (``extract --list``); the organisers'
    descriptors say "organisers' descriptors: imported, not computed"."""
    from emolib.features import REGISTRY

    return [f"{name:22s} {e.modality:6s} {e.summary}" for name, e in REGISTRY.items()]


def chosen_extractors(visual: Sequence[str] | None, audio: Sequence[str] | None) -> list[str]:
    """The names of ``--visual`` then ``--audio``, each checked against the registry and its modality.

    Raises
    ------
    UsageError
        If none is chosen, or a name is not an extractor of the modality it was given for.
    """
    from emolib.features import REGISTRY

    chosen = {"visual": list(visual or []), "audio": list(audio or [])}
    if not chosen["visual"] and not chosen["audio"]:
        raise UsageError("choose at least one extractor with --visual and/or --audio (see --list)")
    for modality, names in chosen.items():
        for name in names:
            if name not in REGISTRY or REGISTRY[name].modality != modality:
                known = ", ".join(n for n, e in REGISTRY.items() if e.modality == modality)
                raise UsageError(f"{name!r} is not a {modality} extractor (known: {known})")
    return chosen["visual"] + chosen["audio"]


def extractor_options(
    names: Sequence[str],
    weights: Sequence[str] | None = None,
    params: Sequence[str] | None = None,
    random_weights: Sequence[str] | None = None,
) -> dict[str, dict[str, Any]]:
    """Keyword arguments of :func:`emolib.features.create` for each chosen extractor.

    Parameters
    ----------
    names
        The chosen extractors (:func:`chosen_extractors`).
    weights
        ``NAME=PATH`` items of ``--weights``.
    params
        ``NAME.KEY=VALUE`` items of ``--param`` (JSON values, else strings).
    random_weights
        Names of ``--random-weights``.

    Returns
    -------
    dict
        Name to its ``weights`` (path or ``None``), ``random_weights`` (bool) and ``params`` (dict), in
        the order of ``names``.

    Raises
    ------
    DataError
        If an item is malformed, or names an extractor that is not chosen.
    """
    paths = dict(key_values(weights, "NAME=PATH"))
    settings: dict[str, dict[str, object]] = {}
    for key, value in key_values(params, "NAME.KEY=VALUE"):
        name, dot, param = key.partition(".")
        if not dot:
            raise DataError(key, "expected NAME.KEY=VALUE")
        settings.setdefault(name, {})[param] = parse_value(value)
    randomised = list(random_weights or [])
    for name in [*paths, *settings, *randomised]:
        if name not in names:
            raise DataError(name, "names an extractor that is not chosen with --visual/--audio")
    return {n: {"weights": paths.get(n), "random_weights": n in randomised, "params": settings.get(n, {})}
            for n in names}  # fmt: skip


def make_extractors(options: dict[str, dict[str, Any]]) -> list[Extractor]:
    """The extractors of :func:`extractor_options`.

    Raises
    ------
    UsageError
        With the reason, if one cannot be made (an unknown parameter, weights missing or not wanted).
    """
    from emolib.features import create

    try:
        return [
            create(name, weights=o["weights"], random_weights=o["random_weights"], **o["params"])
            for name, o in options.items()
        ]
    except ValueError as err:
        raise UsageError(str(err)) from None


def select_movies(data: str | Path, only: Sequence[str] | None = None) -> dict[str, Path]:
    """The movies found under ``data`` (:func:`emolib.features.find_movies`), or only those named.

    A problem of an annotation file (features do not need them) is printed on stderr as a warning
    naming the file and line; ``validate`` lists them all.

    Raises
    ------
    DataError
        If a name in ``only`` is not a movie under ``data``.
    """
    from emolib.features import find_movies

    def warn(problem: DataError) -> None:
        print(f"warning: {problem} (not needed for features: extracting anyway)", file=sys.stderr)

    movies = find_movies(data, warn)
    if only:
        missing = sorted(set(only) - set(movies))
        if missing:
            raise DataError(data, f"no movie named {', '.join(missing)}")
        movies = {m: p for m, p in movies.items() if m in only}
    return movies


@dataclass(frozen=True)
class ExtractChoice:
    """How ``extract`` runs, besides what it extracts and where its tasks run.

    Attributes
    ----------
    batch, force, rehash, progress
        As for :func:`emolib.features.extract`.
    prefetch
        Decoded batches prepared ahead of the networks, in a background thread (``prefetch_depth``
        of :func:`emolib.features.extract`; ``None``: its default, 0: decode inline).
    decode_workers
        Above 0: decode the movies in that many processes and run the extractors in this one
        (:func:`emolib.features.extract_pooled`: one GPU fed by many cores); not with a Dask cluster.
    """

    batch: int | None = None
    force: bool = False
    rehash: bool = False
    progress: bool = True
    prefetch: int | None = None
    decode_workers: int = 0


def run_extract(
    data: str | Path,
    visual: Sequence[str] | None,
    audio: Sequence[str] | None,
    store: str | Path | None = None,
    weights: Sequence[str] | None = None,
    params: Sequence[str] | None = None,
    random_weights: Sequence[str] | None = None,
    movies: Sequence[str] | None = None,
    choice: ExtractChoice | None = None,
    cluster: ClusterChoice | None = None,
) -> int:
    """Extract the chosen features of the movies under ``data`` into the store; report and return the status.

    Parameters
    ----------
    data
        A data folder (MediaEval layout or a folder of videos).
    visual, audio
        Extractor names of each modality.
    store
        The feature store folder (default: ``data/features``).
    weights, params, random_weights
        Items of ``--weights``, ``--param`` and ``--random-weights`` (:func:`extractor_options`).
    movies
        Only these movies (default: all).
    choice
        Batch, forcing, progress, prefetch and decoding processes (:class:`ExtractChoice`).
    cluster
        The Dask cluster (:class:`emolib.core.distributed.ClusterChoice`); used when a scheduler is given
        or its workers are above 1, else the movies are extracted in this process.

    Returns
    -------
    int
        0 if every movie was extracted or up to date, 1 if any failed or the store could not be written
        (disk full: the message names the file and the store's device; the next run resumes).

    Raises
    ------
    UsageError, DataError
        For options that cannot work (before anything is extracted).
    """
    from emolib.features import DEFAULT_STORE_SUBDIR, REGISTRY, FeatureStore

    c, where = choice or ExtractChoice(), cluster or ClusterChoice()
    batch, force, rehash, progress = c.batch, c.force, c.rehash, c.progress
    if c.decode_workers and (where.scheduler or where.workers > 1):
        raise UsageError(
            "--decode-workers decodes in processes of this machine: not with --scheduler or --workers"
        )
    names = chosen_extractors(visual, audio)
    options = extractor_options(names, weights, params, random_weights)
    imported = [n for n in names if REGISTRY[n].imported]
    for name in imported:
        if options[name]["weights"] or options[name]["random_weights"] or options[name]["params"]:
            raise UsageError(
                f"{name} is imported from the organisers' files: it takes no weights or parameters"
            )
    computed = {n: o for n, o in options.items() if n not in imported}
    extractors = make_extractors(computed)
    feature_store = FeatureStore(store or Path(data) / DEFAULT_STORE_SUBDIR)
    status = 0
    if imported:
        status = import_command(data, imported, feature_store, movies, force, progress)
    if not extractors:
        return status
    chosen_movies = select_movies(data, movies)
    print(f"extracting {', '.join(computed)} for {len(chosen_movies)} movies into {feature_store.root}",
          file=sys.stderr)  # fmt: skip
    depth = {} if c.prefetch is None else {"prefetch_depth": int(c.prefetch)}
    if c.decode_workers:
        from emolib.features import extract_pooled

        report = extract_pooled(chosen_movies, extractors, feature_store, c.decode_workers, batch=batch,
                                force=force, rehash=rehash, progress=progress, **depth)  # fmt: skip
    else:
        from emolib.core.distributed import announced_client
        from emolib.features import extract

        use = bool(where.scheduler) or where.workers > 1
        with announced_client(where.scheduler, where.workers, use=use, tls=where.tls) as client:
            dask = None if client is None else (client, where.retries)
            report = extract(chosen_movies, extractors, feature_store, batch=batch, force=force,
                             rehash=rehash, progress=progress, cluster=dask, **depth)  # fmt: skip
    for res in report.failed:
        print(f"error: {res.reason}" if res.store_failed else f"failed: {res.movie}: {res.reason}",
              file=sys.stderr)  # fmt: skip
    print(report.summary())
    return 1 if report.failed or status else 0


def import_command(
    data: str | Path,
    names: Sequence[str],
    store: Any,
    movies: Sequence[str] | None = None,
    force: bool = False,
    progress: bool = True,
) -> int:
    """Import the organisers' descriptors ``names`` of the movies under ``data`` into ``store``; report.

    Every movie with a folder of any of the descriptors is imported (or only ``movies``); a movie lacking
    one of them, or whose files are malformed, is reported as failed and the others go on. Defects of
    the release (a missing second, an empty file) are printed as warnings naming the file.

    Returns
    -------
    int
        0 if every movie was imported or up to date, 1 if any failed.

    Raises
    ------
    DataError
        If ``data`` holds no folder of the descriptors, or a movie named in ``movies`` has none.
    """
    from emolib.datasets.descriptors import locate, sources_by_movie
    from emolib.features import import_descriptors

    by_movie = {m: s for m, s in sources_by_movie(locate(data)).items() if set(s) & set(names)}
    if not by_movie:
        raise DataError(data, f"no folder of the organisers' descriptors {', '.join(names)} under it")
    if movies:
        lacking = sorted(set(movies) - set(by_movie))
        if lacking:
            raise DataError(data, f"no descriptor folders of {', '.join(lacking)}")
        by_movie = {m: s for m, s in by_movie.items() if m in movies}
    print(f"importing {', '.join(names)} for {len(by_movie)} movies into {store.root}", file=sys.stderr)
    with store.lock():
        report = import_descriptors(by_movie, names, store, force=force, progress=progress)
    for res in report.failed:
        print(f"failed: {res.movie}: {res.reason}", file=sys.stderr)
    counts = {k: sum(r.status == k for r in report.results) for k in ("done", "skipped", "failed")}
    print(f"{len(report.results)} movies: {counts['done']} imported, {counts['skipped']} up to date, "
          f"{counts['failed']} failed")  # fmt: skip
    return 1 if report.failed else 0
