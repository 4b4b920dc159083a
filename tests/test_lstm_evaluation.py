"""Gathering fold runs into tables: baselines beside the LSTM, mean and sd over folds, duplicates."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from emolib.evaluation import PUBLISHED_VA, gather_runs, score_table, summary_table
from emolib.lstm.run import METRICS_KIND


def _write(folder: Path, fold: int, r: float, modality: str = "mixed") -> None:
    folder.mkdir(parents=True)
    scores = {m: {"mse_valence": 0.1 + fold, "r_valence": r if m != "constant" else None,
                  "mse_arousal": 0.2, "r_arousal": r} for m in ("lstm", "ridge", "constant")}  # fmt: skip
    metrics = {"kind": METRICS_KIND, "task": "va", "modality": modality, "fold": fold, "n_folds": 2,
               "folds_seed": 0, "data_dir": "/data/sample", "scores": scores,
               "config": {"mode": "parallel", "optimizer": "adam", "units": 64}}  # fmt: skip
    (folder / "metrics.json").write_text(json.dumps(metrics))


def test_tables(tmp_path: Path) -> None:
    _write(tmp_path / "a" / "fold0", 0, 0.5)
    _write(tmp_path / "a" / "fold1", 1, 0.7)
    _write(tmp_path / "book" / "va", 1, 0.9)  # the same configuration and fold again: the latest counts
    _write(tmp_path / "b" / "fold0", 0, 0.1, modality="audio")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "metrics.json").write_text('{"kind": "something else"}')
    runs = gather_runs(tmp_path)
    assert len(runs) == 4
    scores = score_table(runs, "va")
    assert len(scores) == 3 * 3
    table = summary_table(scores, formatted=False)
    row = table.loc[("mixed", "adam", 64, "lstm")]
    assert row["folds"] == 2
    assert row["mse_valence"] == np.mean([0.1, 1.1]) and np.isclose(row["r_valence"], 0.7)
    text = summary_table(scores)
    assert text.loc[("mixed", "adam", 64, "constant"), "r_valence"] == "—"
    assert "±" in text.loc[("mixed", "adam", 64, "lstm"), "r_valence"]
    assert summary_table(score_table(runs, "fear")).empty
    assert {"system", "source"} <= set(PUBLISHED_VA.columns)
