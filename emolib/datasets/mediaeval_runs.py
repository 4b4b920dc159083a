"""MediaEval run files: the predictions participants submitted, one file per run.

:func:`write_run` and :func:`read_run` follow the layout the public 2017 valence/arousal evaluation script
parses: per movie, a line with the movie name, then one line ``valence arousal`` per window,
whitespace-separated.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from emolib.core.atomic import write_text
from emolib.core.errors import DataError
from emolib.core.files import PathLike, last_content_line, read_lines
from emolib.datasets.mediaeval_files import is_number, parse_number

__all__ = [
    "RUN_2018_FEAR_HEADER", "RUN_2018_VA_HEADER", "read_fear_run_2018", "read_run", "read_run_2018",
    "write_fear_run_2018", "write_run", "write_run_2018",
]  # fmt: skip


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
        if not name or len(name.split()) != 1 or name != name.strip() or is_number(name):
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
        if len(fields) == 1 and not is_number(fields[0]):
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
    return [parse_number(path, tok, col, line) for tok, col in pairs]


def _run_frame(rows: list[list[float]]) -> pd.DataFrame:
    values = np.asarray(rows, dtype=np.float64)
    ids = np.arange(len(rows), dtype=np.int64)
    return pd.DataFrame({"id": ids, "valence": values[:, 0], "arousal": values[:, 1]})


# --------------------------------------------------------------------------------------------------
# MediaEval 2018 runs: every second's valence and arousal; fear as sequences of time
# --------------------------------------------------------------------------------------------------

RUN_2018_VA_HEADER = ("Movie", "Time", "Valence", "Arousal")
"""Header of a 2018 valence/arousal run file (:func:`write_run_2018`)."""
RUN_2018_FEAR_HEADER = ("Movie", "Start", "End")
"""Header of a 2018 fear run file (:func:`write_fear_run_2018`)."""


def _check_name(name: str) -> None:
    if not name or len(name.split()) != 1 or is_number(name):
        raise ValueError(f"movie name {name!r} must be one non-numeric token")


def write_run_2018(path: PathLike, predictions: Mapping[str, pd.DataFrame]) -> Path:
    """Write every second's predicted valence and arousal as a MediaEval 2018 run file (atomically).

    One tab-separated row per movie and second, after the header ``Movie Time Valence Arousal``, movies in
    name order, seconds in time order (the organisers' valence/arousal files with the movie added; no
    public description of the submitted format was found: see ``data/README.md``).

    Parameters
    ----------
    path
        Destination file.
    predictions
        Movie name to a table with ``time``, ``valence`` and ``arousal`` (one row per second).
    """
    lines = ["\t".join(RUN_2018_VA_HEADER)]
    for name in sorted(predictions):
        _check_name(name)
        table = predictions[name]
        rows = _prediction_rows(name, table)
        times = np.asarray(table["time"], dtype=np.float64)
        lines.extend(f"{name}\t{t:g}\t{v!r}\t{a!r}" for t, (v, a) in zip(times, rows.tolist(), strict=True))
    return write_text(path, "\n".join(lines) + "\n")


def write_fear_run_2018(path: PathLike, sequences: Mapping[str, ArrayLike]) -> Path:
    """Write predicted fear sequences as a MediaEval 2018 run file (atomically).

    One tab-separated row per sequence, after the header ``Movie Start End`` (seconds); a movie with no
    predicted fear has no row.

    Parameters
    ----------
    path
        Destination file.
    sequences
        Movie name to its ``(n, 2)`` start and end times in seconds.
    """
    lines = ["\t".join(RUN_2018_FEAR_HEADER)]
    for name in sorted(sequences):
        _check_name(name)
        for start, end in np.asarray(sequences[name], dtype=np.float64).reshape(-1, 2):
            if not end > start:
                raise ValueError(
                    f"{name}: a fear sequence must end after it starts, got {start:g} to {end:g}"
                )
            lines.append(f"{name}\t{start:g}\t{end:g}")
    return write_text(path, "\n".join(lines) + "\n")


def _read_table_run(path: PathLike, header: tuple[str, ...]) -> pd.DataFrame:
    p = Path(path)
    lines = read_lines(p)
    end = last_content_line(lines)
    if end == 0:
        raise DataError(p, "empty file")
    if [f.lower() for f in lines[0].split()] != [h.lower() for h in header]:
        raise DataError(p, f"wrong header: expected {' '.join(header)!r}", 1)
    rows = []
    for i, line in enumerate(lines[1:end], start=2):
        fields = line.split()
        if len(fields) != len(header):
            raise DataError(p, f"expected {len(header)} fields, found {len(fields)}", i)
        rows.append(
            [
                fields[0],
                *(parse_number(p, tok, col, i) for tok, col in zip(fields[1:], header[1:], strict=True)),
            ]
        )
    return pd.DataFrame(rows, columns=[h.lower() for h in header])


def read_run_2018(path: PathLike) -> dict[str, pd.DataFrame]:
    """Read a file written by :func:`write_run_2018`: movie name to its ``time``, ``valence``, ``arousal``.

    Raises
    ------
    DataError
        With the line, for a wrong header, a row of the wrong width or a value that is not a finite number.
    """
    table = _read_table_run(path, RUN_2018_VA_HEADER)
    return {
        m: rows.drop(columns="movie").reset_index(drop=True) for m, rows in table.groupby("movie", sort=True)
    }


def read_fear_run_2018(path: PathLike) -> dict[str, NDArray[np.float64]]:
    """Read a file written by :func:`write_fear_run_2018`: movie name to its ``(n, 2)`` fear sequences."""
    table = _read_table_run(path, RUN_2018_FEAR_HEADER)
    return {
        m: rows[["start", "end"]].to_numpy(dtype=np.float64) for m, rows in table.groupby("movie", sort=True)
    }
