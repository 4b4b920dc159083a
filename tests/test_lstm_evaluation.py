"""Gathering fold runs into tables: baselines beside the LSTM, mean and sd over folds, duplicates."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from emolib.evaluation.tables import (
    PUBLISHED_VA,
    gather_runs,
    movie_table,
    score_table,
    shown_run,
    summary_table,
)
from emolib.studya.run import METRICS_KIND


def _write(folder: Path, fold: int, r: float, modality: str = "mixed", **config: object) -> None:
    folder.mkdir(parents=True)
    scores = {m: {"mse_valence": 0.1 + fold, "r_valence": r if m != "constant" else None,
                  "mse_arousal": 0.2, "r_arousal": r} for m in ("lstm", "ridge", "constant")}  # fmt: skip
    metrics = {"kind": METRICS_KIND, "task": "va", "modality": modality, "fold": fold, "n_folds": 2,
               "folds_seed": 0, "data_dir": "/data/sample", "scores": scores,
               "config": {"mode": "parallel", "optimizer": "adam", "units": 64, **config}}  # fmt: skip
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


def test_the_movie_table_holds_each_test_movie_of_the_latest_run_once(tmp_path: Path) -> None:
    def per_movie(fold: int, r: float) -> dict:
        movies = [f"m{fold}a", f"m{fold}b"]
        return {model: [{"movie": m, "mse_valence": 0.1 * (i + 1), "mse_arousal": 0.2, "r_arousal": r,
                         "r_valence": None if model == "constant" else r, "n_windows": 9}
                        for i, m in enumerate(movies)]
                for model in ("lstm", "ridge", "constant")}  # fmt: skip

    for folder, fold, r in (("a/fold0", 0, 0.5), ("a/fold1", 1, 0.7), ("book/va", 1, 0.9)):
        _write(tmp_path / folder, fold, r)
        metrics = json.loads((tmp_path / folder / "metrics.json").read_text())
        (tmp_path / folder / "metrics.json").write_text(
            json.dumps({**metrics, "per_movie": per_movie(fold, r)})
        )
    _write(tmp_path / "old" / "fold0", 0, 0.3, modality="audio")  # written before per-movie scores existed
    table = movie_table(gather_runs(tmp_path), "va")
    assert len(table) == 2 * 2 * 3  # two folds of two movies, three predictors; the repeated fold once
    lstm = table[table["model"] == "lstm"].set_index("movie")
    assert sorted(lstm.index) == ["m0a", "m0b", "m1a", "m1b"]
    assert lstm.loc["m1a", "r_valence"] == 0.9 and lstm.loc["m0b", "mse_valence"] == 0.2  # the latest run
    assert table[table["model"] == "constant"]["r_valence"].isna().all()
    assert movie_table(gather_runs(tmp_path), "fear").empty


def test_the_run_drawn_along_a_movie_is_the_first_fold_of_the_mixed_model(tmp_path: Path) -> None:
    assert shown_run([]) is None
    _write(tmp_path / "04" / "fold-1" / "va", 1, 0.5)  # sorts before the book's fold-0 run
    _write(tmp_path / "04" / "va", 0, 0.6)
    _write(tmp_path / "audio", 0, 0.1, modality="audio")
    runs = gather_runs(tmp_path)
    assert shown_run(runs) == str(tmp_path / "04" / "va")
    assert shown_run(runs, modality="audio") == str(tmp_path / "audio")
    assert shown_run([r for r in runs if r["modality"] == "audio"]) == str(tmp_path / "audio")


def test_precision_and_batch_movies_tell_configurations_apart(tmp_path: Path) -> None:
    _write(tmp_path / "old" / "fold0", 0, 0.5)  # written before the keys existed: float32, 8 movies
    _write(tmp_path / "f32" / "fold1", 1, 0.6, mixed_precision=False, batch_movies=8)
    _write(tmp_path / "f16" / "fold0", 0, 0.2, mixed_precision=True, batch_movies=8)
    _write(tmp_path / "b4" / "fold0", 0, 0.3, mixed_precision="mixed_bfloat16", batch_movies=4)
    scores = score_table(gather_runs(tmp_path), "va")
    assert set(scores["dtype_policy"]) == {"float32", "mixed_float16", "mixed_bfloat16"}
    table = summary_table(scores, formatted=False)
    assert {"batch_movies", "dtype_policy"} <= set(table.index.names)
    lstm = table.xs("lstm", level="model")
    assert len(lstm) == 3  # the old run and the explicit float32 run are two folds of one configuration
    assert lstm.loc[("mixed", "adam", 64, 8, "float32"), "folds"] == 2
    assert np.isclose(lstm.loc[("mixed", "adam", 64, 8, "mixed_float16"), "r_valence"], 0.2)


def test_headline_quotes_means_over_folds_and_says_what_was_not_run() -> None:
    import pandas as pd

    from emolib.evaluation.tables import headline

    va = pd.DataFrame(
        {
            "modality": ["mixed", "mixed", "mixed", "audio"],
            "fold": [0, 1, 0, 0],
            "model": ["lstm", "lstm", "constant", "lstm"],
            "r_valence": [0.5, 0.7, float("nan"), 0.1],
            "r_arousal": [0.2, 0.4, float("nan"), 0.1],
            "mse_valence": [0.1, 0.3, 0.2, 0.9],
            "mse_arousal": [0.1, 0.1, 0.2, 0.9],
        }
    )
    studyb = pd.DataFrame(
        {
            "experiment": ["audio_labels", "audio_labels"],
            "predictor": ["model@val", "all on"],
            "f1": [0.63, 0.575],
            "mae": [float("nan")] * 2,
        }
    )
    out = headline(va, pd.DataFrame(), studyb)
    assert out["res_a_modality"] == "mixed" and out["res_a_folds"] == "2"
    assert out["res_a_r_valence_lstm"] == "0.600" and out["res_a_mse_valence_constant"] == "0.200"
    assert out["res_a_r_valence_constant"] == "n/a" and out["res_a_map_lstm"] == "n/a"
    assert out["res_b_f1_audio"] == "0.630" and out["res_b_f1_audio_allon"] == "0.575"
    assert out["res_b_mae_video"] == "n/a"
