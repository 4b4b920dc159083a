"""Glued values read back from executed notebooks, and two builds compared (the refactoring check)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from emolib.runs.glued import compare_builds, glued_values

RECORD = "application/papermill.record/"


def _notebook(path: Path, values: dict[str, object]) -> Path:
    outputs = []
    for key, value in values.items():
        kind = "image/png" if isinstance(value, bytes) else "text/plain"
        data = value.decode() if isinstance(value, bytes) else repr(value)
        outputs.append({"output_type": "display_data", "data": {RECORD + kind: data},
                        "metadata": {"scrapbook": {"name": key, "mime_prefix": RECORD}}})  # fmt: skip
    outputs.append({"output_type": "stream", "name": "stdout", "text": "not glued\n"})
    cells = [{"cell_type": "code", "source": "", "metadata": {}, "outputs": outputs, "execution_count": 1}]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path


def test_glued_values_reads_text_and_hashes_figures(tmp_path: Path) -> None:
    nb = _notebook(tmp_path / "a.ipynb", {"f1": "0.651", "n": 3, "fig": b"iVBORw0KGgo"})
    found = glued_values(nb)
    assert found["f1"] == "'0.651'" and found["n"] == "3" and found["fig"].startswith("png:")
    assert set(found) == {"f1", "n", "fig"}


def test_compare_builds_lists_changed_missing_and_timing_values(tmp_path: Path) -> None:
    _notebook(tmp_path / "before" / "04.ipynb", {"r": "0.5", "va_sec_epoch": "1.2", "gone": 1, "same": 2})
    _notebook(tmp_path / "after" / "04.ipynb", {"r": "0.6", "va_sec_epoch": "1.3", "new": 1, "same": 2})
    diff = compare_builds(tmp_path / "before", tmp_path / "after").set_index("key")
    assert set(diff.index) == {"r", "va_sec_epoch", "gone", "new"}
    assert diff.loc["va_sec_epoch", "timing"] and not diff.loc["r", "timing"]
    assert pd.isna(diff.loc["gone", "after"]) and pd.isna(diff.loc["new", "before"])
    same = compare_builds(tmp_path / "before", tmp_path / "before")
    assert same.empty
