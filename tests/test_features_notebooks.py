"""Notebooks 02 and 03 execute on the tiny sample with the weight-free extractors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from emolib.features import FeatureStore
from emolib.notebooks import execute

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_preprocessing_notebook(tiny_sample: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    execute(ROOT / "notebooks" / "02_preprocessing.py", tmp_path / "02.ipynb",
            {"data_dir": str(tiny_sample), "output_dir": str(out)})  # fmt: skip
    summary = json.loads((out / "summary.json").read_text())
    assert all(m["steps"] > 0 for m in summary["movies"].values())
    for name in ["fig_resampling_0", "fig_step_0", "fig_timeline_0"]:
        assert (out / f"{name}.png").stat().st_size > 5_000


@pytest.mark.slow
def test_feature_extraction_notebook(tiny_sample: Path, tmp_path: Path) -> None:
    out, store = tmp_path / "out", tmp_path / "store"
    params = {"data_dir": str(tiny_sample), "output_dir": str(out), "store_dir": str(store),
              "audio": ["logmel-stats"]}  # fmt: skip
    execute(ROOT / "notebooks" / "03_feature_extraction.py", tmp_path / "03.ipynb", params)
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["extractors"]) == {"colour-motion", "logmel-stats"}
    assert FeatureStore(store).extractors() == ["colour-motion", "logmel-stats"]
    assert (out / "fig_projection.png").stat().st_size > 5_000
