"""Notebooks 02 and 03 as the book executes them on the tiny sample (weight-free extractors)."""

from __future__ import annotations

import json

import pytest
from conftest import BuiltBook


@pytest.mark.slow
def test_preprocessing_notebook(built_book: BuiltBook) -> None:
    out = built_book.outputs / "02_preprocessing"
    summary = json.loads((out / "summary.json").read_text())
    assert all(m["steps"] > 0 for m in summary["movies"].values())
    for name in ["fig_resampling_0", "fig_step_0", "fig_timeline_0"]:
        assert (out / f"{name}.png").stat().st_size > 5_000


@pytest.mark.slow
def test_feature_extraction_notebook(built_book: BuiltBook) -> None:
    out = built_book.outputs / "03_feature_extraction"
    summary = json.loads((out / "summary.json").read_text())
    assert {"colour-motion", "logmel-stats"} <= set(summary["extractors"])
    assert (out / "fig_projection.png").stat().st_size > 5_000
