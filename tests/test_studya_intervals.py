"""Study A's intervals resample test movies, and a verdict says "beats" only when the interval allows it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from emolib.evaluation.intervals import BEATS, UNDECIDED, WORSE
from emolib.evaluation.studya_intervals import configuration_of, movie_intervals


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
    intervals, comparisons = movie_intervals(movies, ["r_valence"], n_resamples=500)
    got = intervals.set_index("model")
    assert got.loc["lstm", "n_movies"] == 3 and got.loc["ridge", "n_movies"] == 3
    assert got.loc["constant", "n_movies"] == 0 and np.isnan(got.loc["constant", "estimate"])
    assert comparisons.set_index("baseline").loc["ridge", "n_movies"] == 2  # m0 and m3 have both
    assert "constant" not in set(comparisons["baseline"])
    single = movie_intervals(movies[movies["movie"] == "m0"], ["r_valence"])[0].set_index("model")
    assert single.loc["lstm", "estimate"] == 0.9 and np.isnan(single.loc["lstm", "low"])


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
