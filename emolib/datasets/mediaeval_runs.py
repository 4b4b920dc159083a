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

__all__ = ["read_run", "write_run"]


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
