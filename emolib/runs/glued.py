"""The values a built book glued, read back from its executed notebooks, and two builds compared.

Every number a chapter quotes is glued (myst-nb ``glue``) by the executed notebook, under a key that the
pages cite. A refactoring that must not change what the book says is checked by building the book twice,
before and after, and comparing every glued value (:func:`compare_builds`);
``python benchmarks/compare_glue.py BEFORE AFTER`` prints the differences. Timings are expected to differ
and are reported apart (:data:`TIMING_KEYS`).

A glued figure is compared by the SHA-256 of its PNG; a glued table by its text.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

__all__ = ["TIMING_KEYS", "compare_builds", "glued_values"]

TIMING_KEYS = ("*sec_epoch*", "*epoch_note*", "*seconds*", "*_time*", "*elapsed*")
"""Glob patterns of keys whose values are timings (different on every run)."""
_RECORD = "application/papermill.record/"


def glued_values(notebook: str | Path) -> dict[str, str]:
    """Every value an executed notebook glued, by key: text, ``png:<sha256>`` for figures.

    Parameters
    ----------
    notebook
        An ``.ipynb`` executed by papermill (glue writes its values as outputs with ``scrapbook``
        metadata).
    """
    cells = json.loads(Path(notebook).read_text())["cells"]
    found: dict[str, str] = {}
    for cell in cells:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name is None:
                continue
            data = {k.removeprefix(_RECORD): v for k, v in output.get("data", {}).items()}
            if "image/png" in data:
                png = data["image/png"]
                found[name] = "png:" + hashlib.sha256("".join(png).encode()).hexdigest()[:16]
            else:
                text = data.get("text/plain", "")
                found[name] = "".join(text) if isinstance(text, list) else str(text)
    return found


def _is_timing(key: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatch(key, p) for p in patterns)


def compare_builds(
    before: str | Path, after: str | Path, timing: Iterable[str] = TIMING_KEYS
) -> pd.DataFrame:
    """Every glued value that differs between two builds' executed notebooks (same file names).

    Parameters
    ----------
    before, after
        Folders of executed notebooks (``book/notebooks`` of two builds).
    timing
        Key patterns whose differences are timings, flagged in the ``timing`` column.

    Returns
    -------
    pandas.DataFrame
        ``notebook``, ``key``, ``before``, ``after`` (``None`` where a side lacks the key), ``timing``;
        one row per difference, empty when the builds glued the same values.
    """
    rows = []
    timing = tuple(timing)
    names = sorted(
        {p.name for p in Path(before).glob("*.ipynb")} | {p.name for p in Path(after).glob("*.ipynb")}
    )
    for name in names:
        a = glued_values(Path(before) / name) if (Path(before) / name).is_file() else {}
        b = glued_values(Path(after) / name) if (Path(after) / name).is_file() else {}
        for key in sorted(a.keys() | b.keys()):
            if a.get(key) != b.get(key):
                rows.append([name, key, a.get(key), b.get(key), _is_timing(key, timing)])
    return pd.DataFrame(rows, columns=["notebook", "key", "before", "after", "timing"])
