"""A MediaEval set (2017 development or test set, a 2018 part): one table of movies, one of annotations.

:class:`MediaEvalSet` is what every loader returns, and :func:`movies_table` the one builder of its
movies table; the 2017 loaders are here (:func:`load_devset`, :func:`load_testset`,
:func:`devset_movies`), the 2018 one in :mod:`emolib.datasets.mediaeval2018`. All of them find their files
with one :func:`emolib.datasets.mediaeval_scan.scan` of the folder.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from emolib.core.errors import DataError
from emolib.core.files import PathLike, find_by_stem, require_dir
from emolib.datasets.mediaeval_files import (
    read_fear,
    read_test_fear,
    read_test_valence_arousal,
    read_valence_arousal,
)
from emolib.datasets.mediaeval_scan import MOVIE_SUFFIXES, Scan, raise_problem, scan

__all__ = [
    "FEAR_SUFFIX",
    "MOVIES_COLUMNS",
    "TEST_VA_SUFFIX",
    "VA_SUFFIX",
    "MediaEvalSet",
    "assemble_annotations",
    "devset_movies",
    "load_devset",
    "load_testset",
    "movies_table",
]

VA_SUFFIX = "-MEDIAEVAL2017-valence_arousal.txt"
"""File name ending of a development-set valence/arousal annotation: ``<Name>`` + this."""
FEAR_SUFFIX = "-MEDIAEVAL2017-fear.txt"
"""File name ending of a development-set fear annotation: ``<Name>`` + this."""
TEST_VA_SUFFIX = "_Valence-Arousal.txt"
"""File name ending of a 2017 test-set ground truth: ``MEDIAEVAL17_XX`` + this."""
MOVIES_COLUMNS = ("name", "movie", "va_path", "fear_path", "n_windows", "part", "dev_part", "has_fear")
"""Columns of :attr:`MediaEvalSet.movies`, in order."""
_EXPECTED_TEST_LAYOUT = (
    f"MEDIAEVAL17_XX{TEST_VA_SUFFIX} ground-truth files (or <Movie>_valence_arousal.txt and "
    "<Movie>_fear.txt) and MEDIAEVAL17_XX.mp4 movies"
)
_EXPECTED_LAYOUT = (
    f"<Name>{VA_SUFFIX} and <Name>{FEAR_SUFFIX} files, e.g. in "
    "MEDIAEVAL17-DevSet-Valence_Arousal-annotations/annotations/ and "
    "MEDIAEVAL17-DevSet-Fear-annotations/annotations/"
)


@dataclass(frozen=True)
class MediaEvalSet:
    """The movies and annotations of one MediaEval set found under a folder.

    Attributes
    ----------
    root
        The folder that was searched.
    movies
        One row per annotated movie, sorted by name (:data:`MOVIES_COLUMNS`): ``name``, ``movie`` (path
        of ``<name>.mp4`` or ``None`` when it is not under ``root``), ``va_path``, ``fear_path`` (``None``
        without fear ground truth), ``n_windows`` (annotation rows: 10 s windows in 2017, seconds in
        2018), ``part`` (``"dev"`` or ``"test"``), ``dev_part`` (2018: the development part 1, 2 or 3;
        else ``None``) and ``has_fear``.
    annotations
        Tidy table, one row per movie and annotation row, sorted by movie then time: ``movie``, then
        ``id``, ``time``, ``valence``, ``arousal`` (2017: window id and start) or ``time``, ``valence``,
        ``arousal`` (2018: one row per second), then ``fear`` when at least one movie has fear ground
        truth (int64 0/1; float64 with ``NaN`` in the rows of movies that have none).
    edition
        2017 or 2018.
    grid
        ``"window"`` (10 s windows every 5 s) or ``"second"`` (row ``k`` of a movie covers
        ``[time, time + 1)``).
    fear_sequences
        2018: movie name to its fear sequences (columns ``start``, ``end`` in seconds), for the movies
        with fear ground truth; empty for 2017.
    defects
        The warnings the loader issued about the data (each naming its file), in order.
    """

    root: Path
    movies: pd.DataFrame
    annotations: pd.DataFrame
    edition: int = 2017
    grid: str = "window"
    fear_sequences: dict[str, pd.DataFrame] = field(default_factory=dict)
    defects: tuple[str, ...] = ()

    @property
    def names(self) -> list[str]:
        """Movie names in sorted order."""
        return list(self.movies["name"])

    @property
    def has_fear(self) -> bool:
        """Whether every movie has fear ground truth (the 2017 test set has none)."""
        return bool(len(self.movies)) and bool(self.movies["has_fear"].all())

    def movie_annotations(self, name: str) -> pd.DataFrame:
        """The annotation rows of one movie, without the ``movie`` column.

        ``fear`` (int64) is there when the movie has fear ground truth, and left out when it has none.

        Raises
        ------
        KeyError
            If ``name`` is not an annotated movie of this set.
        """
        row = self.movies.index[self.movies["name"] == name]
        if row.empty:
            raise KeyError(f"no annotated movie named {name!r} under {self.root}")
        rows = self.annotations[self.annotations["movie"] == name].drop(columns="movie")
        if "fear" in rows.columns:
            if bool(self.movies.loc[row[0], "has_fear"]):
                rows = rows.astype({"fear": np.int64})
            else:
                rows = rows.drop(columns="fear")
        return rows.reset_index(drop=True)


def movies_table(
    names: Sequence[str],
    videos: Mapping[str, Path],
    va: Mapping[str, Path],
    fear: Mapping[str, Path],
    counts: Sequence[int],
    part: str,
    dev_parts: Mapping[str, int | None] | None = None,
) -> pd.DataFrame:
    """The movies table of a set (:data:`MOVIES_COLUMNS`), the one builder every loader uses.

    Parameters
    ----------
    names
        Movie names, sorted.
    videos, va, fear
        Movie file, valence/arousal file and fear file by name (a name may lack a video or a fear file).
    counts
        Annotation rows of each movie, in the order of ``names``.
    part
        ``"dev"`` or ``"test"``.
    dev_parts
        2018: the development part of each movie.
    """
    return pd.DataFrame(
        {
            "name": list(names),
            "movie": [videos.get(n) for n in names],
            "va_path": [va[n] for n in names],
            "fear_path": [fear.get(n) for n in names],
            "n_windows": np.asarray(counts, dtype=np.int64),
            "part": [part] * len(names),
            "dev_part": [None if dev_parts is None else dev_parts.get(n) for n in names],
            "has_fear": [n in fear for n in names],
        },
        columns=list(MOVIES_COLUMNS),
    )


def assemble_annotations(tables: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate per-movie tables (each with its ``movie`` column first); ``fear`` as documented above."""
    out = pd.concat(list(tables), ignore_index=True)
    if "fear" in out.columns and out["fear"].notna().all():
        out = out.astype({"fear": np.int64})
    return out


# --------------------------------------------------------------------------------------------------
# 2017 development set
# --------------------------------------------------------------------------------------------------


def _check_pairs(root: Path, va: Mapping[str, Path], fear: Mapping[str, Path]) -> None:
    if not va and not fear:
        raise DataError(root, f"no MediaEval 2017 annotation files found; expected {_EXPECTED_LAYOUT}")
    for name in sorted(va.keys() - fear.keys()):
        raise DataError(va[name], f"no matching fear file {name}{FEAR_SUFFIX} under {root}")
    for name in sorted(fear.keys() - va.keys()):
        raise DataError(fear[name], f"no matching valence/arousal file {name}{VA_SUFFIX} under {root}")


def _join_fear(
    name: str, va: pd.DataFrame, va_path: Path, fear: pd.DataFrame, fear_path: Path
) -> pd.DataFrame:
    """One movie's valence/arousal and fear tables, which must share the window grid."""
    if len(va) != len(fear):
        message = f"{len(va)} windows, but {fear_path} has {len(fear)}: the two grids must agree"
        raise DataError(va_path, message)
    table = va.assign(fear=fear["fear"].to_numpy())
    table.insert(0, "movie", name)
    return table


def _movie_annotations(name: str, va_path: Path, fear_path: Path) -> pd.DataFrame:
    return _join_fear(name, read_valence_arousal(va_path), va_path, read_fear(fear_path), fear_path)


def _one(table: Mapping[str, Path], name: str) -> dict[str, Path]:
    return {name: table[name]} if name in table else {}


def devset_movies(root: PathLike, on_problem: Callable[[DataError], None] = raise_problem) -> dict[str, Path]:
    """The movie files of a MediaEval 2017 development set by name; annotation problems are not fatal.

    Feature extraction needs only the movies: every movie with an annotation file and a
    ``<Name>.mp4`` is returned, and each problem an annotation file has (malformed row, missing
    partner file, misnamed or duplicate file, grids that disagree: the errors of
    :func:`load_devset`, naming file and line) is passed to ``on_problem`` instead of stopping.

    Parameters
    ----------
    root
        Folder to search.
    on_problem
        Called with each problem (default: raise it).

    Raises
    ------
    DataError
        If ``root`` is not a folder, holds no annotation file, or two movie files share a name.
    """
    base = require_dir(root, _EXPECTED_LAYOUT)
    found = scan(base, on_problem)
    va, fear = found.of("va2017"), found.of("fear2017")
    if not va and not fear:
        _check_pairs(base, va, fear)  # raises: no annotation file at all
    names = sorted(va.keys() | fear.keys())
    for name in names:
        try:
            _check_pairs(base, _one(va, name), _one(fear, name))  # raises if the partner file is missing
            _movie_annotations(name, va[name], fear[name])
        except DataError as problem:
            on_problem(problem)
    videos = find_by_stem(found.others, names, MOVIE_SUFFIXES)
    return {name: videos[name] for name in names if name in videos}


def load_devset(root: PathLike) -> MediaEvalSet:
    """Find and read the MediaEval 2017 development set under ``root``.

    Annotation files are found anywhere under ``root`` by name (``<Name>-MEDIAEVAL2017-
    valence_arousal.txt`` and ``<Name>-MEDIAEVAL2017-fear.txt``), so both the release layout
    (``MEDIAEVAL17-DevSet-*-annotations/annotations/``) and the synthetic sample layout work.
    Movies are found as ``<Name>.mp4`` anywhere under ``root``; they are not opened. Hidden files
    and folders (names starting with ``.``) are ignored.

    Parameters
    ----------
    root
        Folder to search.

    Returns
    -------
    MediaEvalSet
        Edition 2017, ``"window"`` grid, every movie of part ``"dev"`` with fear.

    Raises
    ------
    DataError
        If ``root`` is not a folder or holds no annotation file; if a file in a folder named
        ``annotations`` does not follow the naming pattern; if a movie has a valence/arousal file
        but no fear file or the reverse, or two files of one kind; if two ``<Name>.mp4`` files are
        found; if a file is malformed (see :func:`read_valence_arousal`); or if a movie's two files
        have different numbers of windows (the error names both files).
    """
    base = require_dir(root, _EXPECTED_LAYOUT)
    found = scan(base)
    va, fear = found.of("va2017"), found.of("fear2017")
    _check_pairs(base, va, fear)
    return _window_set(base, found, va, fear, "dev", _movie_annotations)


def _window_set(
    base: Path,
    found: Scan,
    va: Mapping[str, Path],
    fear: Mapping[str, Path],
    part: str,
    read: Callable[[str, Path, Path | None], pd.DataFrame],
) -> MediaEvalSet:
    """A 2017 set from its annotation files: ``read(name, va_path, fear_path)`` gives each movie's rows."""
    names = sorted(va)
    videos = find_by_stem(found.others, names, MOVIE_SUFFIXES)
    tables = [read(name, va[name], fear.get(name)) for name in names]
    movies = movies_table(names, videos, va, fear, [len(t) for t in tables], part)
    return MediaEvalSet(root=base, movies=movies, annotations=assemble_annotations(tables))


# --------------------------------------------------------------------------------------------------
# 2017 test set
# --------------------------------------------------------------------------------------------------


def _test_annotations(name: str, va_path: Path, fear_path: Path | None) -> pd.DataFrame:
    va = read_test_valence_arousal(va_path)
    if fear_path is None:
        va.insert(0, "movie", name)
        return va
    return _join_fear(name, va, va_path, read_test_fear(fear_path), fear_path)


def load_testset(root: PathLike) -> MediaEvalSet:
    """Find and read a MediaEval 2017 test set (anonymised movies and their ground truth) under ``root``.

    Ground-truth files ``MEDIAEVAL17_XX_Valence-Arousal.txt`` (:func:`read_test_valence_arousal`), or the
    renamed ``<Movie>_valence_arousal.txt`` with ``<Movie>_fear.txt`` (:func:`read_test_fear`), are found
    anywhere under ``root`` by name, movies ``<Movie>.mp4`` likewise (not opened). The usual 2017 test
    set has no fear ground truth: then the annotation table has no ``fear`` column. Hidden files and
    folders are ignored.

    Parameters
    ----------
    root
        Folder to search.

    Returns
    -------
    MediaEvalSet
        Edition 2017, ``"window"`` grid, every movie of part ``"test"``; ``fear_path`` and ``fear``
        where a renamed fear file is there.

    Raises
    ------
    DataError
        If ``root`` is not a folder or holds no ground-truth file, if two ground-truth files or two
        movies share a name, if a fear file has no valence/arousal partner, if a ground-truth file is
        malformed (naming file and line), or a movie's two files have different numbers of windows.
    """
    base = require_dir(root, _EXPECTED_TEST_LAYOUT)
    found = scan(base)
    va = dict(found.of("renamed_va2017"))
    for name, path in found.of("test_va2017").items():
        if name in va:
            raise DataError(path, f"duplicate ground-truth file: {va[name]} has the same movie name")
        va[name] = path
    fear = found.of("renamed_fear2017")
    if not va:
        message = f"no MediaEval 2017 test-set ground truth found; expected {_EXPECTED_TEST_LAYOUT}"
        raise DataError(base, message)
    for name in sorted(fear.keys() - va.keys()):
        message = f"no matching valence/arousal file {name}_valence_arousal.txt under {base}"
        raise DataError(fear[name], message)
    return _window_set(base, found, va, fear, "test", _test_annotations)
