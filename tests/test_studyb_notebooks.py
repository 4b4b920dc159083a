"""Notebook 05 on a folder holding only labels/ and audio/ (the real release's layout)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_studyb_dataset import _write_release

from emolib.notebooks import execute

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_notebook_05_runs_the_audio_label_experiment_without_movies(tmp_path: Path) -> None:
    data = tmp_path / "release"
    _write_release(data, {"Alpha": 30, "Beta": 25, "Gamma": 28})
    out = tmp_path / "out"
    execute(
        ROOT / "notebooks" / "05_autoencoder.py",
        tmp_path / "05.ipynb",
        {"data_dir": str(data), "profile": "tiny", "seed": 0, "output_dir": str(out), "audio_epochs": 20},
    )
    metrics = json.loads((out / "metrics.json").read_text())
    assert list(metrics["experiments"]) == ["audio_labels"]
    scores = metrics["experiments"]["audio_labels"]["scores"]
    assert {"model@0.5", "model@val", "prevalence", "all on"} <= set(scores)
    assert all(0 <= scores[k]["f1"] <= 1 for k in scores)
    assert (out / "audio_labels.keras").is_file() and not (out / "encoder.keras").exists()
