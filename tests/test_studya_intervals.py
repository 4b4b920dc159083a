"""Study A's intervals resample test movies, and a verdict says "beats" only when the interval allows it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from emolib.evaluation.intervals import BEATS, UNDECIDED, WORSE
from emolib.evaluation.studya_intervals import (
    configuration_of,
    headline_intervals,
    movie_intervals,
    run_intervals,
    sweep_verdicts,
)
from emolib.evaluation.tables import gather_runs
from emolib.studya.run import METRICS_KIND


def _movies(
    lstm: list[float], ridge: list[float], metric: str = "mse_valence", **extra: object
) -> pd.DataFrame:
    rows = []
    for model, values in (("lstm", lstm), ("ridge", ridge), ("constant", [0.5] * len(lstm))):
        for i, v in enumerate(values):
            rows.append({"path": f"run{i % 2}", "modality": "mixed", "model": model, "movie": f"m{i}",
                         metric: v, **extra})  # fmt: skip
    return pd.DataFrame(rows)


def test_the_interval_is_over_the_mean_of_movies_and_a_constant_one_has_no_width() -> None:
    movies = _movies([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [0.2] * 6)
    intervals, _ = movie_intervals(movies, ["mse_valence"], n_resamples=2000)
    lstm = intervals.set_index("model").loc["lstm"]
    assert lstm["estimate"] == pytest.approx(0.35) and lstm["n_movies"] == 6
    assert lstm["low"] < 0.35 < lstm["high"]
    ridge = intervals.set_index("model").loc["ridge"]
    assert ridge["low"] == pytest.approx(0.2) and ridge["high"] == pytest.approx(0.2)


def test_verdicts_follow_the_direction_of_the_metric_and_the_paired_interval() -> None:
    better = _movies([0.10, 0.11, 0.12, 0.13, 0.14, 0.15], [0.30, 0.31, 0.32, 0.33, 0.34, 0.35])
    _, comparisons = movie_intervals(better, ["mse_valence"], n_resamples=2000)
    row = comparisons.set_index("baseline").loc["ridge"]
    assert row["verdict"] == BEATS and row["high"] < 0  # a lower error: beats
    worse = _movies(
        [0.3, 0.31, 0.32, 0.33, 0.34, 0.35], [0.1, 0.11, 0.12, 0.13, 0.14, 0.15], metric="r_valence"
    )
    _, comparisons = movie_intervals(worse, ["r_valence"], baselines=["ridge"], n_resamples=2000)
    assert comparisons["verdict"].tolist() == [BEATS]  # a higher r: beats
    mixed = _movies([0.1, 0.5, 0.1, 0.5, 0.1, 0.5], [0.5, 0.1, 0.5, 0.1, 0.5, 0.1])
    _, comparisons = movie_intervals(mixed, ["mse_valence"], baselines=["ridge"], n_resamples=2000)
    assert comparisons["verdict"].tolist() == [UNDECIDED]  # as often better as worse
    _, comparisons = movie_intervals(mixed, ["mse_valence"], model="ridge", baselines=["ridge"])
    assert comparisons["difference"].tolist() == [0.0] and comparisons["verdict"].tolist() == [UNDECIDED]
    assert WORSE != BEATS


def test_undefined_scores_leave_their_movie_out_and_one_movie_gives_no_interval() -> None:
    movies = _movies([0.9, 0.8, np.nan, 0.7], [0.5, np.nan, 0.4, 0.3], metric="r_valence")
    movies.loc[movies["model"] == "constant", "r_valence"] = np.nan
    intervals, comparisons = movie_intervals(movies, ["r_valence"], n_resamples=500, min_movies=2)
    got = intervals.set_index("model")
    assert got.loc["lstm", "n_movies"] == 3 and got.loc["ridge", "n_movies"] == 3
    assert got.loc["constant", "n_movies"] == 0 and np.isnan(got.loc["constant", "estimate"])
    assert comparisons.set_index("baseline").loc["ridge", "n_movies"] == 2  # m0 and m3 have both
    assert "constant" not in set(comparisons["baseline"])
    single = movie_intervals(movies[movies["movie"] == "m0"], ["r_valence"])[0].set_index("model")
    assert single.loc["lstm", "estimate"] == 0.9 and np.isnan(single.loc["lstm", "low"])
    few, said = movie_intervals(movies, ["r_valence"])  # 3 movies: too few for an interval by default
    assert np.isnan(few.set_index("model").loc["lstm", "low"]) and set(said["verdict"]) == {UNDECIDED}


def test_a_movie_scored_twice_counts_once_and_the_configuration_selects_rows() -> None:
    movies = pd.concat([_movies([0.1, 0.3], [0.2, 0.2]), _movies([0.3, 0.5], [0.2, 0.2])], ignore_index=True)
    intervals, _ = movie_intervals(movies, ["mse_valence"], n_resamples=100)
    lstm = intervals.set_index("model").loc["lstm"]
    assert lstm["n_movies"] == 2 and lstm["estimate"] == pytest.approx(0.3)  # m0: 0.2, m1: 0.4
    other = _movies([9.0, 9.0], [9.0, 9.0]).assign(modality="audio")
    both = pd.concat([movies, other], ignore_index=True)
    config = configuration_of(both, "run0", ["modality"])
    assert config == {"modality": "mixed"}
    chosen, _ = movie_intervals(both, ["mse_valence"], config=config, n_resamples=100)
    assert chosen.set_index("model").loc["lstm", "estimate"] == pytest.approx(0.3)
    with pytest.raises(ValueError, match="no per-movie scores"):
        configuration_of(both, "elsewhere", ["modality"])


def test_the_headline_quotes_value_interval_difference_and_verdict() -> None:
    better = _movies([0.10, 0.11, 0.12, 0.13, 0.14, 0.15], [0.30, 0.31, 0.32, 0.33, 0.34, 0.35])
    numbers = headline_intervals(*movie_intervals(better, ["mse_valence"], n_resamples=2000), ["mse_valence"])
    low, high = numbers["res_a_mse_valence_lstm"].removeprefix("0.125 [").removesuffix("]").split(", ")
    assert 0.10 <= float(low) < 0.125 < float(high) <= 0.15
    assert numbers["res_a_diff_mse_valence_ridge"].startswith("-0.200 [-0.2")
    assert numbers["res_a_verdict_mse_valence_ridge"] == BEATS
    assert numbers["res_a_n_movies_mse_valence"] == "6"
    one = headline_intervals(
        *movie_intervals(better[better["movie"] == "m0"], ["mse_valence"]), ["mse_valence"]
    )
    assert one["res_a_mse_valence_lstm"] == "0.100" and one["res_a_verdict_mse_valence_ridge"] == UNDECIDED
    assert one["res_a_diff_mse_valence_ridge"] == "-0.200"
    nothing = headline_intervals(*movie_intervals(better.iloc[:0], ["ap"]), ["ap"])
    assert nothing["res_a_ap_lstm"] == "n/a" and nothing["res_a_verdict_ap_constant"] == UNDECIDED
    assert nothing["res_a_n_movies_ap"] == "0"


def test_intervals_of_the_books_configuration_over_all_its_folds(tmp_path: Path) -> None:
    def write(folder: str, fold: int, task: str, modality: str = "mixed") -> None:
        per_movie = {model: [{"movie": f"m{fold}{i}", "mse_valence": 0.1 * (i + 1) + (model != "lstm"),
                              "r_valence": 0.5, "mse_arousal": 0.2, "r_arousal": 0.4, "ap": 0.6 + 0.1 * i}
                             for i in range(3)] for model in ("lstm", "ridge", "constant")}  # fmt: skip
        metrics = {"kind": METRICS_KIND, "task": task, "modality": modality, "fold": fold, "n_folds": 2,
                   "folds_seed": 0, "data_dir": "/d/sample", "config": {"units": 64}, "per_movie": per_movie,
                   "scores": {m: {} for m in per_movie}}  # fmt: skip
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "metrics.json").write_text(json.dumps(metrics))

    for fold in (0, 1):
        write(f"book/f{fold}/va", fold, "va")
        write(f"book/f{fold}/fear", fold, "fear")
    write("audio/va", 0, "va", modality="audio")
    runs = gather_runs(tmp_path)
    found = run_intervals(runs, str(tmp_path / "book" / "f0" / "va"), n_resamples=500)
    va = found["va_intervals"].set_index(["metric", "model"])
    assert va.loc[("mse_valence", "lstm"), "n_movies"] == 6  # both folds, not the audio model's run
    assert (
        found["va_comparisons"].set_index(["metric", "baseline"]).loc[("mse_valence", "ridge"), "verdict"]
        == BEATS
    )
    assert found["fear_intervals"].set_index(["metric", "model"]).loc[("ap", "lstm"), "n_movies"] == 6
    grid = sweep_verdicts(runs, n_resamples=500)
    assert set(grid["modality"]) == {"mixed", "audio"}
    mixed = grid[(grid["modality"] == "mixed") & (grid["metric"] == "mse_valence")].set_index("baseline")
    assert mixed.loc["ridge", "verdict"] == BEATS and mixed.loc["ridge", "n_movies"] == 6
    assert set(grid[grid["modality"] == "audio"]["verdict"]) == {UNDECIDED}  # 3 movies: too few
    assert sweep_verdicts([]).empty
    none = run_intervals(runs, None)
    assert all(table.empty for table in none.values())


def _protocol_run(path: str, n_movies: int) -> dict:
    per_movie = {
        model: [{"movie": f"MEDIAEVAL17_{i:02d}", "mse_valence": 0.1 * (i + 1) + shift, "r_valence": 0.5,
                 "mse_arousal": 0.2, "r_arousal": None} for i in range(n_movies)]
        for model, shift in (("lstm", 0.0), ("constant", 0.05), ("ridge", 0.0))
    }  # fmt: skip
    section = {"scored": True, "test_dir": "/d/sample/mediaeval2017test", "per_movie": per_movie}
    section["scores"] = {m: pd.DataFrame(v).mean(numeric_only=True).to_dict() | {"n_movies": n_movies}
                         for m, v in per_movie.items()}  # fmt: skip
    return {"path": path, "task": "va", "modality": "mixed", "data_dir": "/d/sample", "test_set": section}


def test_protocol_runs_get_intervals_over_their_test_movies_and_the_table_shows_them() -> None:
    from emolib.evaluation.studya_intervals import protocol_intervals, protocol_with_intervals
    from emolib.evaluation.tables import protocol_table

    fear = {"path": "fear", "task": "fear", "test_set": {}}
    runs = [_protocol_run("big", 8), _protocol_run("small", 3), fear]
    intervals, comparisons = protocol_intervals(runs, n_resamples=1000)
    assert set(intervals["path"]) == {"big", "small"}
    big = intervals[(intervals["path"] == "big") & (intervals["metric"] == "mse_valence")].set_index("model")
    assert big.loc["lstm", "estimate"] == pytest.approx(0.45) and big.loc["lstm", "low"] < 0.45
    assert intervals[intervals["path"] == "small"]["low"].isna().all()  # three movies: no interval
    beaten = comparisons[(comparisons["path"] == "big") & (comparisons["metric"] == "mse_valence")]
    assert beaten.set_index("baseline").loc["constant", "verdict"] == BEATS  # 0.05 lower on every movie
    table = protocol_with_intervals(protocol_table(runs), intervals)
    lstm = table[table["system"] == "This book: LSTM (mixed)"].set_index("n_movies")
    assert lstm.loc[8, "mse_valence"].startswith("0.450 [") and lstm.loc[3, "mse_valence"] == "0.200"
    assert (table["r_arousal"] == "n/a").all()
    empty_int, empty_cmp = protocol_intervals([])
    assert empty_int.empty and empty_cmp.empty


def _run_2018(folder: Path, n_movies: int) -> dict:
    """A 2018-scored valence/arousal run on ``n_movies`` test movies of 20 seconds (its predictions.csv)."""
    rng = np.random.default_rng(0)
    rows = []
    for k in range(n_movies):
        truth = rng.uniform(-0.5, 0.5, (20, 2))
        rows += [{"movie": f"MEDIAEVAL18_{54 + k}", "time": t, "true_valence": v, "true_arousal": a,
                  "lstm_valence": v + 0.1, "lstm_arousal": a, "ridge_valence": 0.0,
                  "ridge_arousal": a * 0.5, "constant_valence": 0.1, "constant_arousal": 0.0}
                 for t, (v, a) in enumerate(truth)]  # fmt: skip
    pd.DataFrame(rows).to_csv(folder / "predictions.csv", index=False)
    scores = {"mse_valence": 0.01, "r_valence": 1.0, "mse_arousal": 0.0, "r_arousal": 1.0,
              "n_movies": float(n_movies)}  # fmt: skip
    section = {"scored": True, "test_dir": "/d/sample/mediaeval2018", "scores": {"lstm": scores},
               "pooled": {"lstm": {**scores, "n_rows": 20.0 * n_movies}}}  # fmt: skip
    return {"task": "va", "modality": "mixed", "path": str(folder), "test_set": section}


def test_the_2018_table_puts_the_books_rows_beside_the_published_ones(tmp_path: Path) -> None:
    from emolib.evaluation.studya_intervals import edition2018_intervals, edition2018_with_intervals
    from emolib.evaluation.tables import SCORED_2018, SCORED_PER_MOVIE, edition2018_table

    run = _run_2018(tmp_path, 6)
    table = edition2018_table([run])
    ours = table[table["path"] != ""]
    assert list(ours["scoring"]) == [SCORED_2018, SCORED_PER_MOVIE]
    published = table[table["path"] == ""]
    assert {s.split(" (")[0] for s in published["system"]} >= {"GLA", "THUHCSI", "MIC-TJU", "Ou et al."}
    intervals, comparisons = edition2018_intervals([run], n_resamples=200)
    lstm = intervals[(intervals["model"] == "lstm") & (intervals["metric"] == "mse_valence")].iloc[0]
    assert lstm["estimate"] == pytest.approx(0.01) and lstm["low"] <= 0.01 <= lstm["high"]
    assert set(comparisons["baseline"]) == {"ridge", "constant"}
    shown = edition2018_with_intervals(table, intervals)
    assert shown.iloc[0]["mse_valence"].startswith("0.010 [")  # the 2018-scored row with its interval
    assert shown.iloc[1]["mse_valence"] == "0.010"  # the per-movie row: the value alone


def test_a_2018_test_part_of_one_movie_is_scored_without_interval_or_verdict(tmp_path: Path) -> None:
    from emolib.evaluation.studya_intervals import edition2018_intervals

    intervals, comparisons = edition2018_intervals([_run_2018(tmp_path, 1)], n_resamples=200)
    lstm = intervals.set_index(["model", "metric"])
    assert lstm.loc[("lstm", "mse_valence"), "estimate"] == pytest.approx(0.01)
    assert lstm.loc[("lstm", "r_arousal"), "estimate"] == pytest.approx(1.0)
    assert np.isnan(lstm.loc[("constant", "r_valence"), "estimate"])  # a constant has no correlation
    assert intervals[["low", "high"]].isna().all().all() and (intervals["n_movies"] == 1).all()
    ridge = comparisons[(comparisons["baseline"] == "ridge") & (comparisons["metric"] == "mse_valence")]
    valence = np.random.default_rng(0).uniform(-0.5, 0.5, (20, 2))[:, 0]  # the ridge predicts 0
    assert ridge["difference"].iloc[0] == pytest.approx(0.01 - np.mean(valence**2))
    assert comparisons["low"].isna().all() and (comparisons["verdict"] == UNDECIDED).all()


def test_the_fear_iou_table_names_fears_own_baselines() -> None:
    from emolib.evaluation.tables import fear_iou_table

    entry = {"threshold": 0.3, "iou": 0.5, "iou_mean": 0.4, "per_movie": [{"movie": "a"}, {"movie": "b"}]}
    section = {"fear_iou": {"lstm": entry, "ridge": entry, "constant": entry}}
    runs = [{"task": "fear", "modality": "audio", "path": "fear", "test_set": section},
            {"task": "va", "modality": "audio", "path": "va", "test_set": section}]  # fmt: skip
    table = fear_iou_table(runs)
    assert list(table["system"]) == [
        "This book: LSTM (audio)",
        "This book: logistic regression (audio)",  # fear's "ridge": a logistic regression
        "This book: constant training fear rate (audio)",
    ]
    assert (table["n_movies"] == 2).all() and (table["path"] == "fear").all()
