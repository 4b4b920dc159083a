"""Readers for the Smell of Fear cinema study: scene labels, audio features, VOC screenings.

On-disk layout under one root folder (see ``formats.md`` of the project's reference material):

* ``labels/<Film>.csv``: no header, comma-separated 0/1, 42 rows (labels, in :data:`LABEL_NAMES`
  order) by one column per 30 s sequence; optionally ``labels/<Film>_transposed.csv``, the same
  matrix transposed, which must then agree.
* ``audio/<Film>.npy``: float (sequences x 193) per-sequence librosa features (optional).
* ``vocs/<k>_<Film>.arff``: one ARFF file per screening ``k`` (optional; see :mod:`emolib.datasets.vocs`).
* ``<Film>.<video extension>`` anywhere under the root, e.g. ``movies/Buddy.mp4`` (optional; only
  the path is recorded).

The label files define the films. Audio, VOC and movie files of films without labels (the study
has six such films, used for autoencoder pre-training) are not errors: they are listed in
:attr:`SmellOfFearSet.unlabelled`; VOC screenings of such films are not parsed, and a warning says
so, since the study's models cannot use them.

Lengths: an audio table may have a few sequences more or fewer than the labels of its film, and
so may a screening; :func:`align_lengths` truncates everything to the shortest, the study's rule.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from emolib.core.errors import DataError
from emolib.core.files import (
    PathLike,
    find_by_stem,
    last_content_line,
    read_lines,
    require_dir,
    require_file,
    walk_files,
)
from emolib.datasets.vocs import (
    VOC_COMPOUNDS,
    VOC_NAMES,
    fill_missing,
    minmax_per_screening,
    read_voc_screening,
)

__all__ = [
    "AUDIO_BLOCKS",
    "AUDIO_FEATURES",
    "LABEL_NAMES",
    "MOVIE_SUFFIXES",
    "VOC_COMPOUNDS",
    "VOC_NAMES",
    "SmellOfFearSet",
    "align_lengths",
    "fill_missing",
    "kept_labels",
    "load_smelloffear",
    "minmax_per_screening",
    "read_audio_features",
    "read_labels",
    "read_voc_screening",
]

LABEL_NAMES: tuple[str, ...] = (
    "suspense", "chase", "hidden threat", "hiding", "comedy", "romantic comedy", "courtroom drama",
    "detective", "murder scene", "crime", "fantasy", "horror", "mystery", "romance", "drama",
    "everyday life", "dream", "landscape", "conversation", "aggressive conversation",
    "calm conversation", "conversation main actor", "intrigue", "action", "death", "many deaths",
    "main character dies", "villain death", "running", "recovery", "hero recovers", "laughter",
    "sleeping", "blood (violence)", "sex", "kissing", "crying", "main character cries",
    "other character cries", "pets", "injury", "sudden shock",
)  # fmt: skip
"""The 42 scene labels of Table I, in row order of ``<Film>.csv`` (column order once transposed)."""
AUDIO_BLOCKS: tuple[tuple[str, int], ...] = (
    ("mfcc", 40), ("chroma", 12), ("mel", 128), ("contrast", 7), ("tonnetz", 6),
)  # fmt: skip
"""The librosa feature blocks of an audio table, in column order, with their widths."""
AUDIO_FEATURES = sum(width for _, width in AUDIO_BLOCKS)
"""Columns of an audio table: 193."""
MOVIE_SUFFIXES = (".mp4", ".mkv", ".avi", ".mov", ".m4v", ".webm")
"""Video extensions recognised as a film's movie (compared case-insensitively)."""

_SCREENING_RE = re.compile(r"^(?P<k>\d+)_(?P<film>.+)\.arff$")
_TRANSPOSED = "_transposed"

Aligned = TypeVar("Aligned", pd.DataFrame, np.ndarray)


# --------------------------------------------------------------------------------------------------
# Labels
# --------------------------------------------------------------------------------------------------


def _binary_value(path: Path, token: str, line: int, column: int) -> int:
    if token in ("0", "1"):
        return int(token)
    try:
        value = float(token)
    except ValueError:
        value = float("nan")
    if value in (0.0, 1.0):
        return int(value)
    hint = " (label files have no header)" if line == 1 else ""
    raise DataError(path, f"value {token!r} in column {column} is not 0 or 1{hint}", line)


def _read_binary_matrix(path: Path) -> NDArray[np.int64]:
    """Read a headerless comma-separated 0/1 matrix whose rows all have the same length."""
    lines = read_lines(path)
    end = last_content_line(lines)
    if end == 0:
        raise DataError(path, "empty file")
    rows: list[list[int]] = []
    for i, line in enumerate(lines[:end], start=1):
        if not line.strip():
            raise DataError(path, "blank line inside the data", i)
        fields = [f.strip() for f in line.split(",")]
        if rows and len(fields) != len(rows[0]):
            message = f"{len(fields)} values where line 1 has {len(rows[0])}: rows differ in length"
            raise DataError(path, message, i)
        rows.append([_binary_value(path, tok, i, j) for j, tok in enumerate(fields, start=1)])
    return np.array(rows, dtype=np.int64)


def _check_transposed(path: Path, transposed: Path, matrix: NDArray[np.int64]) -> None:
    """``transposed`` must hold exactly ``matrix.T`` (sequences x labels)."""
    other = _read_binary_matrix(transposed)
    if other.shape != matrix.T.shape:
        message = (
            f"{other.shape[0]} rows x {other.shape[1]} columns disagrees with {path} "
            f"({matrix.shape[1]} sequences x {matrix.shape[0]} labels)"
        )
        raise DataError(transposed, message)
    diff = np.argwhere(other != matrix.T)
    if diff.size:
        seq, label = (int(x) for x in diff[0])
        message = (
            f"sequence {seq}, label {label} ({LABEL_NAMES[label]}) is {other[seq, label]} "
            f"but {path} has {matrix[label, seq]} (line {label + 1}, column {seq + 1})"
        )
        raise DataError(transposed, message, seq + 1)


def read_labels(path: PathLike) -> pd.DataFrame:
    """Read the scene labels of one film, ``labels/<Film>.csv``.

    If ``<Film>_transposed.csv`` exists beside it, it is read too and must agree.

    Parameters
    ----------
    path
        Headerless comma-separated 0/1 matrix: 42 rows (labels) x one column per 30 s sequence.

    Returns
    -------
    pandas.DataFrame
        One row per sequence (index ``sequence`` from 0), columns :data:`LABEL_NAMES`, int64 0/1.

    Raises
    ------
    DataError
        With the line where there is one: missing or empty file, a value other than 0 or 1
        (including a header line), rows of different lengths, not 42 rows, or a transposed file
        that disagrees (naming both files).
    """
    p = require_file(path)
    matrix = _read_binary_matrix(p)
    if matrix.shape[0] != len(LABEL_NAMES):
        line = len(LABEL_NAMES) + 1 if matrix.shape[0] > len(LABEL_NAMES) else None
        raise DataError(p, f"{matrix.shape[0]} rows, expected {len(LABEL_NAMES)} (one per label)", line)
    transposed = p.with_name(f"{p.stem}{_TRANSPOSED}{p.suffix}")
    if transposed.is_file():
        _check_transposed(p, transposed, matrix)
    table = pd.DataFrame(matrix.T, columns=list(LABEL_NAMES))
    table.index.name = "sequence"
    return table


def kept_labels(label_tables: Mapping[str, pd.DataFrame] | pd.DataFrame, min_positive: int = 20) -> list[str]:
    """The labels the study keeps: those with at least ``min_positive`` positive sequences in all.

    Parameters
    ----------
    label_tables
        Film name to its label table (as :func:`read_labels` returns), or one table (e.g. all
        films concatenated). Columns must be label names; a label absent from every table has no
        positives.
    min_positive
        Threshold on the total number of positive (non-zero) sequences over all tables; the study
        uses 20, which keeps 13 labels on the real data.

    Returns
    -------
    list of str
        The kept labels, in :data:`LABEL_NAMES` order.

    Raises
    ------
    ValueError
        If a table has a column that is not a label name, or ``min_positive`` is negative.
    """
    if min_positive < 0:
        raise ValueError(f"min_positive must be non-negative, got {min_positive}")
    tables = list(label_tables.values()) if isinstance(label_tables, Mapping) else [label_tables]
    totals = pd.Series(0, index=list(LABEL_NAMES), dtype=np.int64)
    for table in tables:
        unknown = [c for c in table.columns if c not in totals.index]
        if unknown:
            raise ValueError(f"kept_labels: unknown label columns {unknown}")
        totals = totals.add((table != 0).sum(axis=0), fill_value=0).astype(np.int64)
    return [name for name in LABEL_NAMES if totals[name] >= min_positive]


# --------------------------------------------------------------------------------------------------
# Audio features
# --------------------------------------------------------------------------------------------------


def read_audio_features(path: PathLike) -> NDArray[np.float64]:
    """Read the per-sequence audio features of one film, ``audio/<Film>.npy``.

    Parameters
    ----------
    path
        A ``.npy`` array (no pickled objects) of shape ``(sequences, 193)``.

    Returns
    -------
    numpy.ndarray
        float64 array of shape ``(sequences, 193)``, columns as :data:`AUDIO_BLOCKS`.

    Raises
    ------
    DataError
        If the file is missing, not a plain numeric ``.npy`` array, not 2-D with 193 columns,
        empty, or holds NaN or infinite values.
    """
    p = require_file(path)
    try:
        array = np.load(p, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise DataError(p, f"cannot load as a plain .npy array ({exc})") from None
    if not isinstance(array, np.ndarray):
        array.close()
        raise DataError(p, "an .npz archive, expected a single .npy array")
    if array.dtype.kind not in "biuf":
        raise DataError(p, f"dtype {array.dtype} is not numeric")
    if array.ndim != 2 or array.shape[1] != AUDIO_FEATURES or array.shape[0] == 0:
        raise DataError(p, f"shape {array.shape}, expected (sequences > 0, {AUDIO_FEATURES})")
    bad = np.argwhere(~np.isfinite(array))
    if bad.size:
        seq, col = (int(x) for x in bad[0])
        raise DataError(p, f"non-finite value {array[seq, col]} at sequence {seq}, feature {col}")
    return array.astype(np.float64, copy=False)


# --------------------------------------------------------------------------------------------------
# Alignment
# --------------------------------------------------------------------------------------------------


def align_lengths(*tables: Aligned, max_difference: int | None = None) -> tuple[Aligned, ...]:
    """Truncate tables of one film to the length of the shortest (the study's rule).

    Parameters
    ----------
    *tables
        DataFrames or arrays whose first axis is the 30 s sequence (labels, audio, screenings).
    max_difference
        If given, the longest may exceed the shortest by at most this many sequences; a bigger
        gap usually means files of different films were paired.

    Returns
    -------
    tuple
        The tables, each cut to the common length (DataFrames by position).

    Raises
    ------
    ValueError
        If the lengths differ by more than ``max_difference``.
    """
    if not tables:
        return ()
    lengths = [len(t) for t in tables]
    n = min(lengths)
    if max_difference is not None and max(lengths) - n > max_difference:
        raise ValueError(f"align_lengths: lengths {lengths} differ by more than {max_difference}")
    return tuple(t.iloc[:n] if isinstance(t, pd.DataFrame) else t[:n] for t in tables)


# --------------------------------------------------------------------------------------------------
# Whole data set
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmellOfFearSet:
    """The Smell of Fear data found under one folder.

    Attributes
    ----------
    root
        The folder that was read.
    films
        One row per labelled film, sorted: ``film``, ``n_sequences`` (label columns),
        ``labels_path``, ``movie`` and ``audio`` (paths or ``None``), ``screenings`` (tuple of
        screening numbers, ascending) and ``voc_paths`` (tuple of their files).
    labels
        Film to its label table (see :func:`read_labels`).
    vocs
        Film to its raw screenings (see :func:`read_voc_screening`), by ascending screening
        number; an empty list when the film has none. :meth:`scaled_vocs` scales and fills them.
    audio
        Film to its audio features (see :func:`read_audio_features`), for films that have them.
    unlabelled
        Films that have a movie, audio or VOC files but no labels: ``film``, ``movie``, ``audio``,
        ``n_screenings``. Their files are not read.
    """

    root: Path
    films: pd.DataFrame
    labels: dict[str, pd.DataFrame]
    vocs: dict[str, list[pd.DataFrame]]
    audio: dict[str, NDArray[np.float64]]
    unlabelled: pd.DataFrame

    @property
    def names(self) -> list[str]:
        """Labelled film names in sorted order."""
        return list(self.films["film"])

    def kept_labels(self, min_positive: int = 20) -> list[str]:
        """:func:`kept_labels` over all films of this set."""
        return kept_labels(self.labels, min_positive)

    def scaled_vocs(self, film: str) -> list[pd.DataFrame]:
        """The film's screenings min-max scaled per screening, gaps filled by :func:`fill_missing`."""
        return fill_missing([minmax_per_screening(s) for s in self.vocs[film]])


def _label_files(labels_dir: Path) -> dict[str, Path]:
    """Film name to its ``<Film>.csv``; a transposed file without its main file is an error."""
    files = sorted(f for f in labels_dir.glob("*.csv") if f.is_file() and not f.name.startswith("."))
    main = {f.stem: f for f in files if not f.stem.endswith(_TRANSPOSED)}
    for f in files:
        base = f.stem[: -len(_TRANSPOSED)]
        if f.stem.endswith(_TRANSPOSED) and base not in main:
            raise DataError(f, f"transposed label file without {base}.csv beside it")
    if not main:
        raise DataError(labels_dir, "no label files: expected labels/<Film>.csv (42 rows of 0/1 per film)")
    return main


def _screening_files(vocs_dir: Path) -> dict[str, list[tuple[int, Path]]]:
    """Film name to its (screening number, file) pairs, by ascending number."""
    out: dict[str, dict[int, Path]] = {}
    for f in sorted(vocs_dir.glob("*.arff")):
        if f.name.startswith(".") or not f.is_file():
            continue
        match = _SCREENING_RE.match(f.name)
        if match is None:
            raise DataError(f, "misnamed screening file: expected vocs/<k>_<Film>.arff with k a number")
        film, k = match["film"], int(match["k"])
        if k in out.setdefault(film, {}):
            raise DataError(f, f"screening {k} of {film!r} also in {out[film][k]}")
        out[film][k] = f
    return {film: sorted(by_k.items()) for film, by_k in out.items()}


@dataclass(frozen=True)
class _Found:
    """Paths discovered under a Smell of Fear root, by film name."""

    labels: dict[str, Path]
    audio: dict[str, Path]
    screenings: dict[str, list[tuple[int, Path]]]
    movies: dict[str, Path]


def _unlabelled(found: _Found) -> pd.DataFrame:
    """Films with a movie, audio or screenings but no labels; warns about their unread screenings."""
    movies, audio, screenings = found.movies, found.audio, found.screenings
    names = sorted((movies.keys() | audio.keys() | screenings.keys()) - found.labels.keys())
    for film in names:
        if film in screenings:
            count = len(screenings[film])
            message = f"{count} VOC screening(s) of film {film!r}, which has no labels: not loaded"
            warnings.warn(message, stacklevel=3)
    return pd.DataFrame(
        {
            "film": names,
            "movie": [movies.get(f) for f in names],
            "audio": [audio.get(f) for f in names],
            "n_screenings": np.array([len(screenings.get(f, [])) for f in names], dtype=np.int64),
        }
    )


def _discover(base: Path) -> _Found:
    labels_dir = require_dir(base / "labels", "labels/<Film>.csv (42 rows of 0/1 per film)")
    labels = _label_files(labels_dir)
    audio_dir, vocs_dir = base / "audio", base / "vocs"
    audio = {f.stem: f for f in sorted(audio_dir.glob("*.npy")) if f.is_file() and not f.name.startswith(".")}
    screenings = _screening_files(vocs_dir) if vocs_dir.is_dir() else {}
    reserved = {labels_dir, audio_dir, vocs_dir}
    others = (f for f in walk_files(base) if not reserved.intersection(f.parents))
    # every movie, labelled or not: the unlabelled ones pre-train the autoencoder
    movies = find_by_stem(others, None, MOVIE_SUFFIXES)
    return _Found(labels, audio, screenings, movies)


def load_smelloffear(root: PathLike) -> SmellOfFearSet:
    """Read the Smell of Fear data under ``root``.

    Only ``labels/`` is required; ``audio/``, ``vocs/`` and movies are read when present (the
    release may ship only labels and audio). Movies are found as ``<Film>.<ext>`` anywhere under
    ``root`` outside ``labels/``, ``audio/`` and ``vocs/`` and are not opened.

    Parameters
    ----------
    root
        The data folder.

    Returns
    -------
    SmellOfFearSet
        Films, labels, raw VOC screenings and audio features, sorted by film name.

    Raises
    ------
    DataError
        If ``root`` or ``root/labels`` is missing or holds no label file, a file is malformed (see
        :func:`read_labels`, :func:`read_audio_features`, :func:`read_voc_screening`), a screening
        file is misnamed or duplicated, or two movie files share a film's name.

    Warns
    -----
    UserWarning
        For VOC screenings of a film without labels (listed in ``unlabelled``, not parsed).
    """
    base = require_dir(root, "labels/<Film>.csv, and optionally audio/, vocs/ and movies")
    found = _discover(base)
    label_paths, audio_paths, screenings, movies = found.labels, found.audio, found.screenings, found.movies
    names = sorted(label_paths)
    labels = {film: read_labels(label_paths[film]) for film in names}
    audio = {film: read_audio_features(audio_paths[film]) for film in names if film in audio_paths}
    vocs = {film: [read_voc_screening(f) for _, f in screenings.get(film, [])] for film in names}
    films = pd.DataFrame(
        {
            "film": names,
            "n_sequences": np.array([len(labels[f]) for f in names], dtype=np.int64),
            "labels_path": [label_paths[f] for f in names],
            "movie": [movies.get(f) for f in names],
            "audio": [audio_paths.get(f) for f in names],
            "screenings": [tuple(k for k, _ in screenings.get(f, [])) for f in names],
            "voc_paths": [tuple(p for _, p in screenings.get(f, [])) for f in names],
        }
    )
    unlabelled = _unlabelled(found)
    return SmellOfFearSet(base, films, labels, vocs, audio, unlabelled)
