"""Readers for the MediaEval Emotional Impact of Movies annotations (2017, and the 2018 per-second format).

All readers return tidy :class:`pandas.DataFrame` objects and validate strictly: a malformed file
raises :class:`~emolib.core.errors.DataError` naming the file and the 1-based line, and no row is ever
dropped silently.

File formats (see ``formats.md`` of the project's reference material):

* ``<Name>-MEDIAEVAL2017-valence_arousal.txt``: header ``Id Time MeanValence MeanArousal``, tab-separated,
  one row per 10 s window shifted by 5 s; ``Time`` is the window start, ``5 * Id`` seconds.
* ``<Name>-MEDIAEVAL2017-fear.txt``: header ``Id Time Fear``, same grid, fear 0 or 1.
* ``MEDIAEVAL17_XX_Valence-Arousal.txt`` (2017 test set): a header line and 4 whitespace-separated
  columns, valence and arousal at indices 2 and 3. The header names are not published, so any
  4 non-numeric names are accepted; columns 0 and 1 are read as window id and start time and
  checked against the same 5 s grid as the development set.
  :func:`load_testset` finds them, with the ``MEDIAEVAL17_XX.mp4`` movies, under a folder.
* ``MEDIAEVAL18_{id}_Valence-Arousal.txt`` (2018): header ``Time Valence Arousal``, tab-separated,
  one row per second.

Run files (:func:`write_run`, :func:`read_run`) follow the layout the public 2017 valence/arousal
evaluation script parses: per movie, a line with the movie name, then one line ``valence arousal``
per window, whitespace-separated.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from emolib.core.atomic import write_text
from emolib.core.errors import DataError
from emolib.core.files import PathLike, find_by_stem, last_content_line, read_lines, require_dir, walk_files
from emolib.media.alignment import SHIFT_SECONDS

__all__ = [
    "FEAR_SUFFIX",
    "TEST_VA_SUFFIX",
    "TIME_TOLERANCE",
    "VA_SUFFIX",
    "MediaEvalSet",
    "devset_movies",
    "load_devset",
    "load_testset",
    "read_fear",
    "read_run",
    "read_test_valence_arousal",
    "read_valence_arousal",
    "read_valence_arousal_2018",
    "write_run",
]

VA_SUFFIX = "-MEDIAEVAL2017-valence_arousal.txt"
"""File name ending of a development-set valence/arousal annotation: ``<Name>`` + this."""
FEAR_SUFFIX = "-MEDIAEVAL2017-fear.txt"
"""File name ending of a development-set fear annotation: ``<Name>`` + this."""
TEST_VA_SUFFIX = "_Valence-Arousal.txt"
"""File name ending of a 2017 test-set ground truth: ``MEDIAEVAL17_XX`` + this."""
TIME_TOLERANCE = 0.01
"""Largest accepted distance in seconds between an annotated time and its grid position."""
MOVIE_SUFFIXES = (".mp4",)
"""Movie file extensions recognised by :func:`load_devset` (compared case-insensitively)."""

_ANNOTATION_RE = re.compile(r"^(?P<name>.+)-MEDIAEVAL2017-(?P<kind>valence_arousal|fear)\.txt$")
_TEST_RE = re.compile(r"^(?P<name>MEDIAEVAL17_\d+)_Valence-Arousal\.txt$")
_EXPECTED_TEST_LAYOUT = f"MEDIAEVAL17_XX{TEST_VA_SUFFIX} ground-truth files (and MEDIAEVAL17_XX.mp4 movies)"
_EXPECTED_LAYOUT = (
    f"<Name>{VA_SUFFIX} and <Name>{FEAR_SUFFIX} files, e.g. in "
    "MEDIAEVAL17-DevSet-Valence_Arousal-annotations/annotations/ and "
    "MEDIAEVAL17-DevSet-Fear-annotations/annotations/"
)


# --------------------------------------------------------------------------------------------------
# Generic delimited numeric table with a header line
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Format:
    """How one annotation file type is laid out and what its values must satisfy."""

    columns: tuple[str, ...]
    """Column names of the resulting DataFrame, in file order."""
    header: tuple[str, ...] | None
    """Expected header names (case-insensitive); ``None`` accepts any non-numeric names."""
    sep: str | None
    """Field separator; ``None`` means any run of whitespace."""
    unit: tuple[str, ...] = ()
    """Columns whose values must lie in [-1, 1]."""
    binary: tuple[str, ...] = ()
    """Columns whose values must be 0 or 1."""

    @property
    def sep_name(self) -> str:
        return "tab-separated" if self.sep == "\t" else "whitespace-separated"


_VA_2017 = _Format(
    ("id", "time", "valence", "arousal"),
    ("Id", "Time", "MeanValence", "MeanArousal"),
    "\t",
    unit=("valence", "arousal"),
)
_FEAR_2017 = _Format(("id", "time", "fear"), ("Id", "Time", "Fear"), "\t", binary=("fear",))
_TEST_2017 = _Format(("id", "time", "valence", "arousal"), None, None, unit=("valence", "arousal"))
_VA_2018 = _Format(
    ("time", "valence", "arousal"), ("Time", "Valence", "Arousal"), "\t", unit=("valence", "arousal")
)


def _split(line: str, sep: str | None) -> list[str]:
    """Fields of ``line``; whitespace around fields and at the ends of the line is not significant."""
    return [field.strip() for field in line.strip().split(sep)] if sep else line.split()


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def _field_count_error(path: Path, line_no: int, line: str, fmt: _Format) -> DataError:
    """Explain a wrong field count, naming the separator actually used when that is the cause."""
    n = len(fmt.columns)
    if fmt.sep == "\t":
        for label, alt in (("commas", ","), ("semicolons", ";"), ("spaces", None)):
            if len(_split(line.strip(), alt)) == n:
                message = f"wrong separator: expected {n} tab-separated columns, found {label}"
                return DataError(path, message, line_no)
    found = len(_split(line, fmt.sep))
    return DataError(path, f"expected {n} {fmt.sep_name} columns, found {found}", line_no)


def _check_header(path: Path, line: str, fmt: _Format) -> None:
    fields = _split(line, fmt.sep)
    if all(_is_number(f) for f in fields):
        raise DataError(path, "missing header line: the first line holds numbers", 1)
    if len(fields) != len(fmt.columns):
        raise _field_count_error(path, 1, line, fmt)
    if fmt.header is not None and [f.lower() for f in fields] != [h.lower() for h in fmt.header]:
        expected = "\t".join(fmt.header) if fmt.sep == "\t" else " ".join(fmt.header)
        raise DataError(path, f"wrong header: expected {expected!r}, found {line.strip()!r}", 1)


def _parse_number(path: Path, token: str, column: str, line_no: int) -> float:
    try:
        value = float(token)
    except ValueError:
        raise DataError(path, f"non-numeric value {token!r} in column {column!r}", line_no) from None
    if not math.isfinite(value):
        raise DataError(path, f"{token!r} in column {column!r}: values must be finite (no NaN)", line_no)
    return value


def _read_rows(path: Path, fmt: _Format) -> NDArray[np.float64]:
    """Read the header and every data row as floats; row ``i`` of the result is line ``i + 2``."""
    lines = read_lines(path)
    end = last_content_line(lines)
    if end == 0:
        raise DataError(path, "empty file")
    _check_header(path, lines[0], fmt)
    if end == 1:
        raise DataError(path, "no data rows after the header", 1)
    rows = np.empty((end - 1, len(fmt.columns)), dtype=np.float64)
    for i in range(1, end):
        line = lines[i]
        if not line.strip():
            raise DataError(path, "blank line inside the data", i + 1)
        fields = _split(line, fmt.sep)
        if len(fields) != len(fmt.columns):
            raise _field_count_error(path, i + 1, line, fmt)
        pairs = zip(fields, fmt.columns, strict=True)
        rows[i - 1] = [_parse_number(path, tok, col, i + 1) for tok, col in pairs]
    return rows


# --------------------------------------------------------------------------------------------------
# Semantic checks shared by every annotation reader (row i is on line i + first_line)
# --------------------------------------------------------------------------------------------------


def _check_ids(path: Path, ids: NDArray[np.float64], first_line: int = 2) -> None:
    """Ids must be exactly 0, 1, 2, ... in file order."""
    bad = np.flatnonzero(ids != np.arange(ids.size))
    if bad.size == 0:
        return
    i = int(bad[0])
    if ids[i] != round(ids[i]):
        message = f"id {ids[i]:g} is not an integer"
    elif ids[i] in ids[:i]:
        message = f"duplicate id {ids[i]:g}"
    else:
        message = f"id {ids[i]:g} where {i} was expected: ids must be consecutive from 0"
    raise DataError(path, message, first_line + i)


def _check_times(
    path: Path, times: NDArray[np.float64], expected: NDArray[np.float64], grid: str, first_line: int = 2
) -> None:
    """Times must increase strictly and sit on their grid position within :data:`TIME_TOLERANCE`."""
    back = np.flatnonzero(np.diff(times) <= 0)
    if back.size:
        i = int(back[0]) + 1
        message = f"time {times[i]:g} is not after the previous time {times[i - 1]:g}: times must increase"
        raise DataError(path, message, first_line + i)
    off = np.flatnonzero(np.abs(times - expected) > TIME_TOLERANCE)
    if off.size:
        i = int(off[0])
        message = f"time {times[i]:g} is off the {grid}: expected {expected[i]:g}"
        raise DataError(path, message, first_line + i)


def _check_values(path: Path, rows: NDArray[np.float64], fmt: _Format, first_line: int = 2) -> None:
    """Unit columns in [-1, 1], binary columns 0 or 1."""
    for column in fmt.unit + fmt.binary:
        values = rows[:, fmt.columns.index(column)]
        if column in fmt.unit:
            bad, rule = np.flatnonzero(np.abs(values) > 1.0), "outside [-1, 1]"
        else:
            bad, rule = np.flatnonzero((values != 0.0) & (values != 1.0)), "is not 0 or 1"
        if bad.size:
            i = int(bad[0])
            raise DataError(path, f"{column} {values[i]:g} {rule}", first_line + i)


def _to_frame(rows: NDArray[np.float64], fmt: _Format) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(fmt.columns))
    integer = [c for c in fmt.columns if c == "id" or c in fmt.binary]
    return frame.astype(dict.fromkeys(integer, np.int64))


def _read_annotation(path: PathLike, fmt: _Format) -> pd.DataFrame:
    """Read and fully validate one annotation file of format ``fmt``."""
    p = Path(path)
    rows = _read_rows(p, fmt)
    times = rows[:, fmt.columns.index("time")]
    if "id" in fmt.columns:
        ids = rows[:, fmt.columns.index("id")]
        _check_ids(p, ids)
        grid = f"{SHIFT_SECONDS:g} s window grid (time = {SHIFT_SECONDS:g} x id)"
        _check_times(p, times, SHIFT_SECONDS * ids, grid)
    else:
        if times[0] < 0:
            raise DataError(p, f"negative time {times[0]:g}", 2)
        _check_times(p, times, times[0] + np.arange(times.size, dtype=np.float64), "1 s grid")
    _check_values(p, rows, fmt)
    return _to_frame(rows, fmt)


# --------------------------------------------------------------------------------------------------
# Public per-file readers
# --------------------------------------------------------------------------------------------------


def read_valence_arousal(path: PathLike) -> pd.DataFrame:
    """Read a development-set ``<Name>-MEDIAEVAL2017-valence_arousal.txt`` file.

    Parameters
    ----------
    path
        The annotation file: header ``Id Time MeanValence MeanArousal`` then one tab-separated row
        per 10 s window.

    Returns
    -------
    pandas.DataFrame
        Columns ``id`` (int64, 0, 1, ...), ``time`` (window start in seconds, ``5 * id``),
        ``valence`` and ``arousal`` (float64 in [-1, 1]); one row per window, in file order.

    Raises
    ------
    DataError
        With the file and line, for a missing or empty file, a wrong header, a wrong separator or
        column count, a non-numeric or NaN value, a value outside [-1, 1], ids that are not
        0, 1, 2, ..., or times that do not increase or are off the 5 s grid.
    """
    return _read_annotation(path, _VA_2017)


def read_fear(path: PathLike) -> pd.DataFrame:
    """Read a development-set ``<Name>-MEDIAEVAL2017-fear.txt`` file.

    Parameters
    ----------
    path
        The annotation file: header ``Id Time Fear`` then one tab-separated row per window.

    Returns
    -------
    pandas.DataFrame
        Columns ``id`` (int64), ``time`` (float64 seconds) and ``fear`` (int64, 0 or 1).

    Raises
    ------
    DataError
        As :func:`read_valence_arousal`, with "fear not 0 or 1" in place of the range check.
    """
    return _read_annotation(path, _FEAR_2017)


def read_test_valence_arousal(path: PathLike) -> pd.DataFrame:
    """Read a 2017 test-set ground truth ``MEDIAEVAL17_XX_Valence-Arousal.txt``.

    Parameters
    ----------
    path
        A header line, then 4 whitespace-separated columns: window id, start time, valence, arousal.

    Returns
    -------
    pandas.DataFrame
        Columns ``id``, ``time``, ``valence``, ``arousal`` as :func:`read_valence_arousal`.

    Raises
    ------
    DataError
        As :func:`read_valence_arousal`; the header may hold any 4 non-numeric names.
    """
    return _read_annotation(path, _TEST_2017)


def read_valence_arousal_2018(path: PathLike) -> pd.DataFrame:
    """Read a 2018 per-second ``MEDIAEVAL18_{id}_Valence-Arousal.txt`` file.

    Parameters
    ----------
    path
        Header ``Time Valence Arousal``, then one tab-separated row per second.

    Returns
    -------
    pandas.DataFrame
        Columns ``time`` (float64 seconds, consecutive rows 1 s apart, first one non-negative),
        ``valence`` and ``arousal`` (float64 in [-1, 1]).

    Raises
    ------
    DataError
        As :func:`read_valence_arousal`, with the 1 s grid in place of the id checks.
    """
    return _read_annotation(path, _VA_2018)


# --------------------------------------------------------------------------------------------------
# Development set
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MediaEvalSet:
    """The MediaEval 2017 development set found under one folder.

    Attributes
    ----------
    root
        The folder that was searched.
    movies
        One row per annotated movie, sorted by name: ``name``, ``movie`` (path of ``<name>.mp4``
        or ``None`` when it is not under ``root``), ``va_path``, ``fear_path``, ``n_windows``.
    annotations
        Tidy table, one row per movie and window, sorted by movie then id: ``movie``, ``id``,
        ``time``, ``valence``, ``arousal``, ``fear``.
    """

    root: Path
    movies: pd.DataFrame
    annotations: pd.DataFrame

    @property
    def names(self) -> list[str]:
        """Movie names in sorted order."""
        return list(self.movies["name"])

    def movie_annotations(self, name: str) -> pd.DataFrame:
        """The annotation rows of one movie (``id``, ``time``, ``valence``, ``arousal``, ``fear``).

        Raises
        ------
        KeyError
            If ``name`` is not an annotated movie of this set.
        """
        if name not in set(self.movies["name"]):
            raise KeyError(f"no annotated movie named {name!r} under {self.root}")
        rows = self.annotations[self.annotations["movie"] == name]
        return rows.drop(columns="movie").reset_index(drop=True)


def _raise(problem: DataError) -> None:
    raise problem


def _scan(
    root: Path, on_problem: Callable[[DataError], None] = _raise
) -> tuple[dict[str, Path], dict[str, Path], list[Path]]:
    """Valence/arousal files, fear files (by movie name) and candidate movie files under ``root``.

    A misnamed or duplicate annotation file is passed to ``on_problem`` (which raises by default).
    """
    found: dict[str, dict[str, Path]] = {"valence_arousal": {}, "fear": {}}
    others: list[Path] = []
    for f in walk_files(root):
        match = _ANNOTATION_RE.match(f.name)
        if match is None:
            if f.parent.name.lower() == "annotations":
                expected = f"<Name>{VA_SUFFIX} or <Name>{FEAR_SUFFIX}"
                on_problem(DataError(f, f"misnamed annotation file: expected {expected}"))
            others.append(f)
            continue
        table = found[match["kind"]]
        if match["name"] in table:
            on_problem(DataError(f, f"duplicate annotation file: {table[match['name']]} has the same name"))
            continue
        table[match["name"]] = f
    return found["valence_arousal"], found["fear"], others


def _check_pairs(root: Path, va: dict[str, Path], fear: dict[str, Path]) -> None:
    if not va and not fear:
        raise DataError(root, f"no MediaEval 2017 annotation files found; expected {_EXPECTED_LAYOUT}")
    for name in sorted(va.keys() - fear.keys()):
        raise DataError(va[name], f"no matching fear file {name}{FEAR_SUFFIX} under {root}")
    for name in sorted(fear.keys() - va.keys()):
        raise DataError(fear[name], f"no matching valence/arousal file {name}{VA_SUFFIX} under {root}")


def _movie_annotations(name: str, va_path: Path, fear_path: Path) -> pd.DataFrame:
    """Join one movie's valence/arousal and fear tables, which must share the window grid."""
    va = read_valence_arousal(va_path)
    fear = read_fear(fear_path)
    if len(va) != len(fear):
        message = f"{len(va)} windows, but {fear_path} has {len(fear)}: the two grids must agree"
        raise DataError(va_path, message)
    table = va.assign(fear=fear["fear"].to_numpy())
    table.insert(0, "movie", name)
    return table


def _one(table: Mapping[str, Path], name: str) -> dict[str, Path]:
    return {name: table[name]} if name in table else {}


def devset_movies(root: PathLike, on_problem: Callable[[DataError], None] = _raise) -> dict[str, Path]:
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
    va, fear, others = _scan(base, on_problem)
    if not va and not fear:
        _check_pairs(base, va, fear)  # raises: no annotation file at all
    names = sorted(va.keys() | fear.keys())
    for name in names:
        try:
            _check_pairs(base, _one(va, name), _one(fear, name))  # raises if the partner file is missing
            _movie_annotations(name, va[name], fear[name])
        except DataError as problem:
            on_problem(problem)
    videos = find_by_stem(others, names, MOVIE_SUFFIXES)
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
        The movies table and the tidy annotation table, sorted by movie name.

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
    va, fear, others = _scan(base)
    _check_pairs(base, va, fear)
    names = sorted(va)
    videos = find_by_stem(others, names, MOVIE_SUFFIXES)
    tables = [_movie_annotations(name, va[name], fear[name]) for name in names]
    movies = pd.DataFrame(
        {
            "name": names,
            "movie": [videos.get(name) for name in names],
            "va_path": [va[name] for name in names],
            "fear_path": [fear[name] for name in names],
            "n_windows": np.array([len(t) for t in tables], dtype=np.int64),
        }
    )
    return MediaEvalSet(root=base, movies=movies, annotations=pd.concat(tables, ignore_index=True))


def load_testset(root: PathLike) -> MediaEvalSet:
    """Find and read a MediaEval 2017 test set (anonymised movies and their ground truth) under ``root``.

    Ground-truth files ``MEDIAEVAL17_XX_Valence-Arousal.txt`` (:func:`read_test_valence_arousal`) are
    found anywhere under ``root`` by name, movies ``MEDIAEVAL17_XX.mp4`` likewise (not opened). The
    2017 test set has no fear ground truth in a known format, so the annotation table has no ``fear``
    column. Hidden files and folders are ignored.

    Parameters
    ----------
    root
        Folder to search.

    Returns
    -------
    MediaEvalSet
        ``movies`` with ``name``, ``movie``, ``va_path``, ``fear_path`` (always ``None``) and
        ``n_windows``; ``annotations`` with ``movie``, ``id``, ``time``, ``valence``, ``arousal``.

    Raises
    ------
    DataError
        If ``root`` is not a folder or holds no ground-truth file, if two ground-truth files or two
        movies share a name, or if a ground-truth file is malformed (naming file and line).
    """
    base = require_dir(root, _EXPECTED_TEST_LAYOUT)
    truth: dict[str, Path] = {}
    others: list[Path] = []
    for f in walk_files(base):
        match = _TEST_RE.match(f.name)
        if match is None:
            others.append(f)
        elif match["name"] in truth:
            raise DataError(f, f"duplicate ground-truth file: {truth[match['name']]} has the same name")
        else:
            truth[match["name"]] = f
    if not truth:
        raise DataError(
            base, f"no MediaEval 2017 test-set ground truth found; expected {_EXPECTED_TEST_LAYOUT}"
        )
    names = sorted(truth)
    videos = find_by_stem(others, names, MOVIE_SUFFIXES)
    tables = []
    for name in names:
        table = read_test_valence_arousal(truth[name])
        table.insert(0, "movie", name)
        tables.append(table)
    movies = pd.DataFrame(
        {
            "name": names,
            "movie": [videos.get(name) for name in names],
            "va_path": [truth[name] for name in names],
            "fear_path": [None] * len(names),
            "n_windows": np.array([len(t) for t in tables], dtype=np.int64),
        }
    )
    return MediaEvalSet(root=base, movies=movies, annotations=pd.concat(tables, ignore_index=True))


# --------------------------------------------------------------------------------------------------
# Runs (predictions)
# --------------------------------------------------------------------------------------------------


def _prediction_rows(name: str, values: pd.DataFrame | ArrayLike) -> NDArray[np.float64]:
    if isinstance(values, pd.DataFrame):
        values = values[["valence", "arousal"]].to_numpy()
    rows = np.asarray(values, dtype=np.float64)
    if rows.ndim != 2 or rows.shape[1] != 2 or rows.shape[0] == 0:
        raise ValueError(f"predictions for {name!r} must be a non-empty (n, 2) table, got shape {rows.shape}")
    if not np.isfinite(rows).all():
        raise ValueError(f"predictions for {name!r} contain NaN or infinite values")
    return rows


def write_run(path: PathLike, predictions: Mapping[str, pd.DataFrame | ArrayLike]) -> Path:
    """Write valence/arousal predictions as a MediaEval 2017 run file (atomically).

    Parameters
    ----------
    path
        Destination file.
    predictions
        Movie name (e.g. ``MEDIAEVAL17_03``) to its per-window predictions: a DataFrame with
        ``valence`` and ``arousal`` columns or an ``(n_windows, 2)`` array, in window order.

    Returns
    -------
    pathlib.Path
        ``path``. Movies are written in sorted name order: a name line, then one
        ``valence arousal`` line per window (shortest round-trip float text).

    Raises
    ------
    ValueError
        If a name is empty, contains whitespace or reads as a number, or a table is empty, not
        ``(n, 2)`` or not finite.
    """
    out: list[str] = []
    for name in sorted(predictions):
        if not name or len(name.split()) != 1 or name != name.strip() or _is_number(name):
            raise ValueError(f"movie name {name!r} must be one non-numeric token")
        out.append(name)
        out.extend(f"{float(v)!r} {float(a)!r}" for v, a in _prediction_rows(name, predictions[name]))
    return write_text(path, "\n".join(out) + "\n")


def read_run(path: PathLike) -> dict[str, pd.DataFrame]:
    """Read a run file written by :func:`write_run` (or by hand in the same layout).

    Parameters
    ----------
    path
        Run file: per movie, a line with the movie name, then ``valence arousal`` lines.

    Returns
    -------
    dict of str to pandas.DataFrame
        Movie name to a table with ``id`` (0, 1, ...), ``valence`` and ``arousal``, in file order.

    Raises
    ------
    DataError
        With the line: values before any movie name, a line that is neither a name nor two
        numbers, a non-finite value, a blank line inside the file, a repeated movie name, a movie
        without rows, or an empty file.
    """
    p = Path(path)
    lines = read_lines(p)
    end = last_content_line(lines)
    if end == 0:
        raise DataError(p, "empty file")
    blocks: list[tuple[str, int, list[list[float]]]] = []
    for i, line in enumerate(lines[:end], start=1):
        fields = line.split()
        if not fields:
            raise DataError(p, "blank line inside the run", i)
        if len(fields) == 1 and not _is_number(fields[0]):
            _close_block(p, blocks)
            blocks.append((fields[0], i, []))
        elif not blocks:
            raise DataError(p, "values before the first movie name", i)
        else:
            blocks[-1][2].append(_run_values(p, fields, i))
    _close_block(p, blocks)
    return {name: _run_frame(rows) for name, _, rows in blocks}


def _close_block(path: Path, blocks: list[tuple[str, int, list[list[float]]]]) -> None:
    """Check the last movie block of a run has rows and a name not seen before."""
    if not blocks:
        return
    name, line, rows = blocks[-1]
    if not rows:
        raise DataError(path, f"movie {name!r} has no prediction rows", line)
    for other, first, _ in blocks[:-1]:
        if other == name:
            raise DataError(path, f"movie {name!r} appears twice (first on line {first})", line)


def _run_values(path: Path, fields: list[str], line: int) -> list[float]:
    if len(fields) != 2:
        message = f"expected a movie name or 2 values (valence arousal), found {len(fields)} fields"
        raise DataError(path, message, line)
    pairs = zip(fields, ("valence", "arousal"), strict=True)
    return [_parse_number(path, tok, col, line) for tok, col in pairs]


def _run_frame(rows: list[list[float]]) -> pd.DataFrame:
    values = np.asarray(rows, dtype=np.float64)
    ids = np.arange(len(rows), dtype=np.int64)
    return pd.DataFrame({"id": ids, "valence": values[:, 0], "arousal": values[:, 1]})
