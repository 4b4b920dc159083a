"""Notebook 05 on a folder without movies: labels/, audio/ and vocs/ (the real release's layout).

The book runs notebook 05 on the synthetic sample, whose films have movies; this is the one other run
of it in a test session (``conftest.EXTRA_NOTEBOOK_RUNS``). It pins what only the notebook decides: on
a release without movies it plans the audio experiments alone (no autoencoder, no video heads), runs the
scene labels on every fold of its splits, and writes the metrics, intervals and predictions notebook 07
reads. The package functions it calls (:func:`emolib.studyb.experiments.run_experiment`,
:func:`emolib.studyb.audio_splits.run_audio_label_splits`) are tested directly in
``test_studyb_experiments.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_studyb_dataset import _write_release, _write_vocs

from emolib.runs.notebooks import execute

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_notebook_05_runs_the_audio_experiments_without_movies(tmp_path: Path) -> None:
    data = tmp_path / "release"
    _write_release(data, {"Alpha": 30, "Beta": 25, "Gamma": 28})
    _write_vocs(data, {"Alpha": 2, "Beta": 3, "Gamma": 2}, lag=1)
    out = tmp_path / "out"
    execute(
        ROOT / "notebooks" / "05_autoencoder.py",
        tmp_path / "05.ipynb",
        {
            "data_dir": str(data),
            "profile": "tiny",
            "seed": 0,
            "output_dir": str(out),
            "audio_epochs": 20,
            "voc_lags": [0, 1],
        },
    )
    metrics = json.loads((out / "metrics.json").read_text())
    assert list(metrics["experiments"]) == ["audio_labels", "audio_vocs"]
    assert not (out / "encoder.keras").exists()  # no movies: no autoencoder, no video head
    # the scene labels: the network, its ensemble's seeds, the paper's network and the baselines
    scores = metrics["experiments"]["audio_labels"]["scores"]
    assert {"model@0.5", "model@val", "prevalence", "all on", "logistic", "boosted trees"} <= set(scores)
    assert all(0 <= scores[k]["f1"] <= 1 for k in scores)
    assert {"paper@val", "seed 0", "seed 2"} <= set(scores) and metrics["audio_recipe"] == "balanced"
    intervals = metrics["audio_label_intervals"]
    assert intervals["unit"] == "film" and list(intervals["splits"]) == ["l20", "omo"]
    omo = intervals["splits"]["omo"]  # every film held out once, the folds' test rows pooled
    assert omo["folds"] == [0, 1, 2] and omo["films"] == ["Alpha", "Beta", "Gamma"]
    assert omo["predictors"] == {}  # three films: fewer than an interval needs, said in the text
    assert omo["seed_spread"]["f1"]["n"] == 3
    assert (out / "audio_labels_omo_test.npz").is_file() and not (out / "audio_labels_l20_test.npz").exists()
    # the compounds: detrended, the response lag chosen on validation
    assert metrics["voc_detrend"] == 1 and metrics["voc_lags"] == [0, 1] and metrics["l2"] == 0.1
    vocs = metrics["experiments"]["audio_vocs"]
    assert {"model", "training mean", "training median"} <= set(vocs["scores"])
    assert all(0 <= s["mae"] <= 1 for s in vocs["scores"].values())
    assert set(vocs["scores"]["model"]["per_compound"]) == {
        "CO2", "methanol", "ethanol", "acetone", "isoprene", "siloxane",
    }  # fmt: skip
    search = vocs["lag_search"]
    assert [s["lag"] for s in search] == [0, 1] and vocs["voc_lag"] in (0, 1)
    kept = max(search, key=lambda s: s["val_skill"])  # chosen on validation, ties to the smaller lag
    assert vocs["voc_lag"] == kept["lag"] and len({s["test"] for s in search}) == 1
    for name in ("audio_labels", "audio_vocs"):
        assert (out / f"{name}.keras").is_file() and (out / f"{name}_table.csv").is_file()
