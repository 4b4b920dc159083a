"""The time budget of the book: each notebook run's seconds, written by every build.

A build (:func:`emolib.runs.notebooks.execute_all`) writes one row per run it made or reused:

``<outputs>/run_times.json`` and ``<outputs>/run_times.csv``
    ``run``, ``seconds``, ``reused``, ``cpus`` (the CPUs the run had), ``key`` (the first 12 hex digits
    of its key, :mod:`emolib.runs.run_cache`) and ``finished``. A reused run shows the seconds and CPUs
    of the build that produced its outputs.
``<book>/notebooks/run_times.md``
    The same seconds as a Markdown table, which the book's Reproducing page includes. It is rewritten
    only when its text changes, so that an unchanged build leaves the page alone (Jupyter Book then
    rebuilds nothing).

``benchmarks/chapter_times.py`` prints the table with the machine's CPU count.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from emolib.core.atomic import write_text

__all__ = ["TIMES_CSV", "TIMES_JSON", "TIMES_MARKDOWN", "RunTime", "read_times", "times_markdown",
           "write_markdown", "write_times"]  # fmt: skip

TIMES_JSON = "run_times.json"
TIMES_CSV = "run_times.csv"
TIMES_MARKDOWN = "run_times.md"
SHORT_KEY = 12
"""Hex digits of a key shown in reports."""


@dataclass(frozen=True)
class RunTime:
    """One row of the table: a run, its seconds and whether this build reused it."""

    run: str
    seconds: float
    reused: bool
    cpus: int
    key: str
    finished: str

    @classmethod
    def from_record(cls, record: Mapping[str, Any], reused: bool) -> RunTime:
        """The row of a run's key record (:func:`emolib.runs.run_cache.write_record`)."""
        return cls(
            run=str(record["run"]),
            seconds=float(record["seconds"]),
            reused=reused,
            cpus=int(record.get("cpus", 0)),
            key=str(record["key"])[:SHORT_KEY],
            finished=str(record.get("finished", "")),
        )


def write_times(times: Sequence[RunTime], outputs_root: str | Path) -> Path:
    """Write ``run_times.json`` and ``run_times.csv`` under ``outputs_root`` (atomically); return the JSON."""
    root = Path(outputs_root)
    rows = [asdict(t) for t in times]
    table = io.StringIO()
    writer = csv.DictWriter(table, fieldnames=list(RunTime.__dataclass_fields__), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    write_text(root / TIMES_CSV, table.getvalue())
    return write_text(root / TIMES_JSON, json.dumps({"runs": rows}, indent=1) + "\n")


def read_times(path: str | Path) -> list[RunTime]:
    """The rows of a ``run_times.json`` (a file or the outputs folder holding one).

    Raises
    ------
    FileNotFoundError
        If there is none (no build has run there), naming the file.
    """
    path = Path(path)
    if path.is_dir():
        path = path / TIMES_JSON
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no run times yet (`make book` writes them)")
    return [RunTime(**row) for row in json.loads(path.read_text())["runs"]]


def _duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s" if minutes else f"{rest} s"


def times_markdown(times: Iterable[RunTime]) -> str:
    """A Markdown table of the runs' seconds and the CPUs they had, with the total.

    Examples
    --------
    >>> row = RunTime("01_dataset_exploration", 61.0, True, 2, "ab", "")
    >>> print(times_markdown([row]).splitlines()[2])
    | 01_dataset_exploration | 61 | 1 min 01 s | 2 |
    """
    rows = list(times)
    lines = ["| run | seconds | time | CPUs |", "|---|--:|--:|--:|"]
    lines += [f"| {t.run} | {t.seconds:.0f} | {_duration(t.seconds)} | {t.cpus} |" for t in rows]
    total = sum(t.seconds for t in rows)
    lines.append(f"| **all runs** | **{total:.0f}** | **{_duration(total)}** | |")
    return "\n".join(lines) + "\n"


def write_markdown(times: Iterable[RunTime], path: str | Path) -> bool:
    """Write :func:`times_markdown` to ``path`` unless it already holds that text; True if written."""
    text = times_markdown(times)
    path = Path(path)
    if path.is_file() and path.read_text() == text:
        return False
    write_text(path, text)
    return True
