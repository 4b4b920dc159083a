"""Make the feature store hold the features a model asks for: import descriptors, extract from movies.

:func:`ensure_features` is the one call a loader makes before reading fused features: for every movie and
every name asked for, an **imported** descriptor (the organisers' files, :mod:`emolib.features.imported`)
is read into the store from the descriptor folders under the data folder, and a **computed** extractor
is run on the movie file (weight-free extractors, :func:`emolib.features.runner.extract`). A user who has
only the annotations and the descriptor folders, and no movie, can therefore load everything with
imported names. Only missing store files are made here; the ``extract`` command also refreshes stale ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from emolib.core.errors import DataError
from emolib.datasets.descriptors import locate, sources_by_movie

from .imported import import_descriptors
from .registry import create, entry
from .runner import extract
from .store import FeatureStore

__all__ = ["ensure_features"]


def ensure_features(
    data_dir: str | Path,
    movies: Mapping[str, Path | None],
    extractors: Sequence[str],
    store: FeatureStore,
    extract_missing: bool = True,
    progress: bool = False,
) -> dict[str, list[str]]:
    """Make ``store`` hold every extractor's features of every movie, importing or extracting what is missing.

    Parameters
    ----------
    data_dir
        The folder holding the organisers' descriptor folders (searched only if an imported name is asked).
    movies
        Movie name to its movie file (``None`` when there is none: only imported names can then be had).
    extractors
        Registry names (:data:`emolib.features.REGISTRY`): extractors and imported descriptors alike.
    store
        The feature store.
    extract_missing
        Import and extract what is missing; with ``False`` a missing file is an error.
    progress
        Show progress bars.

    Returns
    -------
    dict
        Name to the movies whose features were made now.

    Raises
    ------
    ValueError
        For an unknown name.
    DataError
        If features are missing and ``extract_missing`` is off; a movie lacks a descriptor folder or a
        movie file that a name needs; a descriptor file is malformed; or extraction failed.
    """
    kinds = {name: entry(name) for name in extractors}
    missing = {name: sorted(m for m in movies if store.attrs(name, m) is None) for name in extractors}
    todo = {name: ms for name, ms in missing.items() if ms}
    if todo and not extract_missing:
        listed = "; ".join(f"{name}: {', '.join(ms)}" for name, ms in todo.items())
        raise DataError(store.root, f"features are missing ({listed}) and extract_missing is off")
    imported = {name: ms for name, ms in todo.items() if kinds[name].imported}
    if imported:
        by_movie = sources_by_movie(locate(data_dir))
        needed = sorted({m for ms in imported.values() for m in ms})
        for name, ms in imported.items():
            lacking = [m for m in ms if name not in by_movie.get(m, {})]
            if lacking:
                raise DataError(data_dir, f"no {name} descriptor folder for {', '.join(lacking)} under it")
        with store.lock():
            report = import_descriptors(
                {m: by_movie[m] for m in needed}, list(imported), store, progress=progress
            )
        if report.failed:
            raise DataError(store.root, "; ".join(f"{r.movie}: {r.reason}" for r in report.failed))
    computed = {name: ms for name, ms in todo.items() if not kinds[name].imported}
    if computed:
        need = sorted({m for ms in computed.values() for m in ms})
        lacking = [m for m in need if movies.get(m) is None]
        if lacking:
            names = ", ".join(computed)
            raise DataError(data_dir, f"no movie file to extract {names} of {', '.join(lacking)} from")
        run = extract({m: movies[m] for m in need}, [create(n) for n in computed], store, progress=progress)
        if run.failed:
            raise DataError(store.root, f"feature extraction failed: {[r.reason for r in run.failed]}")
    return todo
