"""Readers of single MediaEval annotation files (2017 and 2018), strict and naming file and line.

Every reader returns a tidy :class:`pandas.DataFrame` and validates everything: a malformed file raises
:class:`~emolib.core.errors.DataError` naming the file and the 1-based line, and no row is dropped
silently. The formats are described in ``data/README.md`` and in :mod:`emolib.datasets.mediaeval`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from emolib.core.errors import DataError
from emolib.core.files import PathLike, last_content_line, read_lines
from emolib.media.alignment import SHIFT_SECONDS

__all__ = [
    "TIME_TOLERANCE",
    "Fear2018",
    "is_number",
    "parse_number",
    "read_fear",
    "read_fear_2018",
    "read_test_fear",
    "read_test_valence_arousal",
    "read_valence_arousal",
    "read_valence_arousal_2018",
]

TIME_TOLERANCE = 0.01
"""Largest accepted distance in seconds between an annotated time and its grid position."""


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
_TEST_FEAR_2017 = _Format(("id", "time", "fear"), None, None, binary=("fear",))
_VA_2018 = _Format(
    ("time", "valence", "arousal"), ("Time", "Valence", "Arousal"), "\t", unit=("valence", "arousal")
)


def _split(line: str, sep: str | None) -> list[str]:
    """Fields of ``line``; whitespace around fields and at the ends of the line is not significant."""
    return [field.strip() for field in line.strip().split(sep)] if sep else line.split()


def is_number(token: str) -> bool:
    """Whether ``token`` reads as a float (``"1e-3"``, ``"nan"`` and ``"inf"`` do)."""
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
    if all(is_number(f) for f in fields):
        raise DataError(path, "missing header line: the first line holds numbers", 1)
    if len(fields) != len(fmt.columns):
        raise _field_count_error(path, 1, line, fmt)
    if fmt.header is not None and [f.lower() for f in fields] != [h.lower() for h in fmt.header]:
        expected = "\t".join(fmt.header) if fmt.sep == "\t" else " ".join(fmt.header)
        raise DataError(path, f"wrong header: expected {expected!r}, found {line.strip()!r}", 1)


def parse_number(path: Path, token: str, column: str, line_no: int) -> float:
    """``token`` as a finite float, else a :class:`DataError` naming the file, line and column."""
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
        rows[i - 1] = [parse_number(path, tok, col, i + 1) for tok, col in pairs]
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


def read_test_fear(path: PathLike) -> pd.DataFrame:
    """Read a 2017 test-set fear ground truth seen as ``<Movie>_fear.txt``.

    Parameters
    ----------
    path
        A header line (any 3 names), then 3 whitespace-separated columns per 10 s window: window id,
        start time (``5 * id``) and fear (0 or 1), as the development set's fear files.

    Returns
    -------
    pandas.DataFrame
        Columns ``id``, ``time`` and ``fear`` as :func:`read_fear`.

    Raises
    ------
    DataError
        As :func:`read_fear`; the header may hold any 3 non-numeric names.
    """
    return _read_annotation(path, _TEST_FEAR_2017)


# --------------------------------------------------------------------------------------------------
# 2018 fear: one 0/1 row per second, or one row per fear sequence
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fear2018:
    """A 2018 fear ground truth, in whichever of the two accepted forms the file had.

    Attributes
    ----------
    form
        ``"seconds"`` (one 0/1 row per second) or ``"sequences"`` (one start/end row per fear sequence).
    sequences
        Columns ``start`` and ``end`` (float64 seconds, ``start < end``), one row per fear sequence in
        time order; in the per-second form, every run of consecutive fearful seconds ``t .. u`` gives
        ``(t, u + 1)``.
    seconds
        The per-second form's table (``time``, ``fear`` int64 0/1); ``None`` in the sequence form.
    """

    form: str
    sequences: pd.DataFrame
    seconds: pd.DataFrame | None = None


_TIME_NAMES = {"time", "second", "seconds", "sec", "t"}
_START_NAMES = {"start", "begin", "starttime", "start_time", "begintime", "begin_time", "start(s)", "from"}
_END_NAMES = {"end", "stop", "endtime", "end_time", "stoptime", "stop_time", "end(s)", "to"}


def _fear_fields(line: str) -> list[str]:
    """Fields of a fear-file line: comma-separated if it holds a comma, else tab/space-separated."""
    return [f.strip() for f in line.split(",")] if "," in line else line.split()


def _fear_header_form(path: Path, names: list[str]) -> tuple[str, bool]:
    """``(form, has_id)`` from a header's names, or a :class:`DataError` on line 1."""
    low = [n.lower() for n in names]
    if len(low) == 2 and low[0] in _TIME_NAMES and "fear" in low[1]:
        return "seconds", False
    body = low[1:] if len(low) == 3 else low
    if len(body) == 2 and body[0] in _START_NAMES and body[1] in _END_NAMES:
        return "sequences", len(low) == 3
    message = (
        f"unrecognised fear header {' '.join(names)!r}: expected 'Time Fear' (one 0/1 row per second) "
        "or 'Start End' (one row per fear sequence, seconds)"
    )
    raise DataError(path, message, 1)


def _fear_rows(path: Path, lines: list[str], first: int, width: int, columns: tuple[str, ...]) -> NDArray:
    rows = np.empty((len(lines) - first, width), dtype=np.float64)
    for i in range(first, len(lines)):
        fields = _fear_fields(lines[i])
        if not fields:
            raise DataError(path, "blank line inside the data", i + 1)
        if len(fields) != width:
            raise DataError(path, f"expected {width} columns, found {len(fields)}", i + 1)
        pairs = zip(fields, columns, strict=True)
        rows[i - first] = [parse_number(path, tok, col, i + 1) for tok, col in pairs]
    return rows


def _runs_to_sequences(times: NDArray[np.float64], fear: NDArray[np.int64]) -> pd.DataFrame:
    """``(start, end)`` of every run of consecutive fearful seconds."""
    padded = np.concatenate([[0], fear.astype(np.int64), [0]])
    edges = np.diff(padded)
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return pd.DataFrame({"start": times[starts], "end": times[ends - 1] + 1.0})


def _check_sequences(path: Path, rows: NDArray[np.float64], first_line: int) -> pd.DataFrame:
    for i, (start, end) in enumerate(rows):
        if start < 0:
            raise DataError(path, f"negative start {start:g}", first_line + i)
        if end <= start:
            raise DataError(path, f"end {end:g} is not after start {start:g}", first_line + i)
        if i and start < rows[i - 1, 1]:
            message = f"sequence {start:g}-{end:g} starts before the previous one ends ({rows[i - 1, 1]:g})"
            raise DataError(path, message, first_line + i)
    return pd.DataFrame({"start": rows[:, 0], "end": rows[:, 1]})


def _looks_per_second(rows: NDArray[np.float64]) -> bool:
    """A header-less two-column table is per-second when column 2 is 0/1 and column 1 steps by 1 s."""
    if rows.shape[1] != 2 or not np.isin(rows[:, 1], (0.0, 1.0)).all():
        return False
    return rows.shape[0] < 2 or bool(np.all(np.abs(np.diff(rows[:, 0]) - 1.0) <= TIME_TOLERANCE))


def read_fear_2018(path: PathLike) -> Fear2018:
    """Read a 2018 fear ground truth ``MEDIAEVAL18_<MM>_Fear.txt`` in either accepted form.

    The 2018 fear file layout is not publicly documented; the forms accepted (``data/README.md``):

    * **per second**: header ``Time Fear``, then one row per second: time (a 1 s grid from a
      non-negative start) and 0 or 1;
    * **sequences**: header ``Start End`` (also ``Begin End``, ``StartTime EndTime``, with an optional
      leading id column), then one row per fear sequence: its start and end in seconds. A header and no
      row means no fear sequence.

    Fields are separated by tabs, spaces or commas. Without a header line, a two-column table whose
    second column is 0/1 and whose first steps by 1 s is per-second; anything else is read as sequences.

    Returns
    -------
    Fear2018
        The form, the fear sequences and (per-second form) the per-second table.

    Raises
    ------
    DataError
        With the file and line: an unrecognised header, a wrong column count, a non-numeric value,
        times off the 1 s grid, fear not 0 or 1, a sequence that ends before it starts or overlaps the
        previous one. An empty file is read as no fear sequence (the caller may warn).
    """
    p = Path(path)
    lines = read_lines(p)
    lines = lines[: last_content_line(lines)]
    if not lines:
        return Fear2018("sequences", pd.DataFrame({"start": np.zeros(0), "end": np.zeros(0)}))
    first = _fear_fields(lines[0])
    if all(is_number(f) for f in first):
        width = len(first)
        if width not in (2, 3):
            raise DataError(p, f"expected 2 columns (time fear, or start end), found {width}", 1)
        rows = _fear_rows(p, lines, 0, width, ("id", "start", "end")[3 - width :])
        if _looks_per_second(rows):
            form, has_id, line0 = "seconds", False, 1
        else:
            form, has_id, line0 = "sequences", width == 3, 1
    else:
        form, has_id = _fear_header_form(p, first)
        columns = ("time", "fear") if form == "seconds" else ("id", "start", "end")[0 if has_id else 1 :]
        rows = _fear_rows(p, lines, 1, len(first), columns)
        line0 = 2
    if form == "sequences":
        return Fear2018("sequences", _check_sequences(p, rows[:, 1:] if has_id else rows, line0))
    times = rows[:, 0]
    if times.size == 0:
        raise DataError(p, "no data rows after the header", 1)
    if times[0] < 0:
        raise DataError(p, f"negative time {times[0]:g}", line0)
    _check_times(p, times, times[0] + np.arange(times.size, dtype=np.float64), "1 s grid", line0)
    bad = np.flatnonzero(~np.isin(rows[:, 1], (0.0, 1.0)))
    if bad.size:
        raise DataError(p, f"fear {rows[bad[0], 1]:g} is not 0 or 1", line0 + int(bad[0]))
    seconds = pd.DataFrame({"time": times, "fear": rows[:, 1].astype(np.int64)})
    return Fear2018("seconds", _runs_to_sequences(times, seconds["fear"].to_numpy()), seconds)
