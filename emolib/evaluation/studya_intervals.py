"""Study A's scores with intervals over test movies, and the LSTM's verdict against each baseline.

MediaEval scores a run per test movie and averages the movies, so the movie is the independent
unit: its 10 s windows overlap and share a story, and resampling them would make any difference
look certain. :func:`movie_intervals` takes the per-movie scores of one configuration
(:func:`emolib.evaluation.tables.movie_table`, every fold's test movies together), bootstraps the
mean over movies of each score of each predictor, and the paired difference LSTM − baseline on the
same resamples of the same movies, read by :func:`emolib.evaluation.intervals.verdict`.

A movie scored several times within the configuration (two fold splits, or several seeds) counts
once, with the mean of its scores. A score that is undefined for a movie (Pearson's r of a constant
prediction, the average precision of a movie without fear windows) leaves that movie out of that
score, and out of the comparisons of that score.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from emolib.evaluation.intervals import (
    DEFAULT_LEVEL,
    DEFAULT_RESAMPLES,
    UNDECIDED,
    Interval,
    bootstrap,
    paired_bootstrap,
    unit_mean,
    verdict,
)

__all__ = ["COMPARISON_COLUMNS", "INTERVAL_COLUMNS", "configuration_of", "movie_intervals"]

INTERVAL_COLUMNS = ["metric", "model", "estimate", "low", "high", "n_movies"]
"""Columns of the first table :func:`movie_intervals` returns."""
COMPARISON_COLUMNS = ["metric", "model", "baseline", "difference", "low", "high", "n_movies", "verdict"]
"""Columns of the second table :func:`movie_intervals` returns."""


def configuration_of(movies: pd.DataFrame, path: str, keys: Sequence[str]) -> dict[str, Any]:
    """The configuration (values of ``keys``) of the run in folder ``path``, read from its rows."""
    rows = movies[movies["path"] == path]
    if rows.empty:
        raise ValueError(f"no per-movie scores of the run in {path}")
    return {k: rows[k].iloc[0] for k in keys}


def _select(movies: pd.DataFrame, config: Mapping[str, Any]) -> pd.DataFrame:
    mask = np.ones(len(movies), dtype=bool)
    for key, value in config.items():
        column = movies[key]
        mask &= column.isna().to_numpy() if pd.isna(value) else (column == value).to_numpy()
    return movies[mask]


def movie_intervals(
    movies: pd.DataFrame,
    metrics: Sequence[str],
    config: Mapping[str, Any] | None = None,
    model: str = "lstm",
    baselines: Sequence[str] = ("ridge", "constant"),
    n_resamples: int = DEFAULT_RESAMPLES,
    level: float = DEFAULT_LEVEL,
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Intervals over test movies of every score, and the paired verdicts of ``model`` against baselines.

    Parameters
    ----------
    movies
        Per-movie scores, one row per run, predictor and movie (``model``, ``movie`` and the metric
        columns), as :func:`emolib.evaluation.tables.movie_table` returns.
    metrics
        Score columns to interval (e.g. ``mse_valence``, ``r_valence``; ``ap`` for fear). The
        direction of each (lower MSE is better) is taken from its name.
    config
        Column values selecting one configuration (e.g. the modality and the training settings of
        the book's run); ``None`` uses every row.
    model
        The predictor compared with the baselines.
    baselines
        Predictors ``model`` is compared with (those absent are skipped).
    n_resamples, level, seed
        Of the bootstrap (:func:`emolib.evaluation.intervals.bootstrap`); every interval uses the same
        seed, so the same movies are drawn for every predictor.

    Returns
    -------
    intervals : pandas.DataFrame
        :data:`INTERVAL_COLUMNS`: the mean over movies and its interval, per metric and predictor
        (``low``/``high`` are ``nan`` below 2 movies with a defined score).
    comparisons : pandas.DataFrame
        :data:`COMPARISON_COLUMNS`: the mean over movies of ``model − baseline``, its paired interval
        and the verdict (:data:`~emolib.evaluation.intervals.UNDECIDED` below 2 movies).
    """
    chosen = movies if config is None else _select(movies, config)
    per_movie = chosen.groupby(["model", "movie"])[list(metrics)].mean()
    intervals, comparisons = [], []

    def scores(name: str, metric: str) -> pd.Series:
        if name not in per_movie.index.get_level_values("model"):
            return pd.Series(dtype=np.float64)
        return per_movie.loc[name, metric].dropna()

    def interval(values: pd.Series, baseline: pd.Series | None = None) -> Interval | None:
        if len(values) < 2:
            return None
        names = values.index.to_numpy()
        if baseline is None:
            return bootstrap(unit_mean(values.to_numpy(), names), n_resamples, level, seed)
        own, other = unit_mean(values.to_numpy(), names), unit_mean(baseline.to_numpy(), names)
        return paired_bootstrap(own, other, n_resamples, level, seed)

    def bounds(found: Interval | None, values: pd.Series) -> list[float]:
        if found is None:
            return [float(values.mean()) if len(values) else float("nan"), float("nan"), float("nan")]
        return [found.estimate, found.low, found.high]

    predictors = [m for m in (model, *baselines) if m in per_movie.index.get_level_values("model")]
    for metric in metrics:
        for name in predictors:
            values = scores(name, metric)
            intervals.append([metric, name, *bounds(interval(values), values), len(values)])
        if model not in predictors:
            continue
        for baseline in (b for b in baselines if b in predictors):
            a, b = scores(model, metric), scores(baseline, metric)
            common = a.index.intersection(b.index)
            if not len(common):
                continue
            found = interval(a[common], b[common])
            said = UNDECIDED if found is None else verdict(found, metric)
            difference = a[common] - b[common]
            comparisons.append([metric, model, baseline, *bounds(found, difference), len(common), said])
    return (
        pd.DataFrame(intervals, columns=INTERVAL_COLUMNS),
        pd.DataFrame(comparisons, columns=COMPARISON_COLUMNS),
    )
