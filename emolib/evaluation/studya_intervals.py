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
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from emolib.evaluation.intervals import (
    DEFAULT_LEVEL,
    DEFAULT_RESAMPLES,
    MIN_UNITS,
    UNDECIDED,
    Interval,
    UnitMetric,
    bootstrap,
    bounds_text,
    paired_bootstrap,
    verdict,
)
from emolib.evaluation.tables import CONFIG_KEYS, SCORED_2018, VA_METRICS, movie_table
from emolib.evaluation.unit_metrics import pooled_error, pooled_pearson, unit_mean
from emolib.studya.scoring import pearson

__all__ = [
    "COMPARISON_COLUMNS",
    "INTERVAL_COLUMNS",
    "configuration_of",
    "edition2018_intervals",
    "edition2018_with_intervals",
    "headline_intervals",
    "movie_intervals",
    "plot_intervals",
    "protocol_intervals",
    "protocol_with_intervals",
    "run_intervals",
    "sweep_verdicts",
]

INTERVAL_COLUMNS = ["metric", "model", "estimate", "low", "high", "n_movies"]
"""Columns of the first table :func:`movie_intervals` returns."""
MIN_MOVIES = MIN_UNITS
"""Fewest movies with a defined score for an interval (:data:`~emolib.evaluation.intervals.MIN_UNITS`)."""
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
    min_movies: int = MIN_MOVIES,
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
    min_movies
        Fewest movies for an interval (:data:`MIN_MOVIES`; at least 2).

    Returns
    -------
    intervals : pandas.DataFrame
        :data:`INTERVAL_COLUMNS`: the mean over movies and its interval, per metric and predictor
        (``low``/``high`` are ``nan`` below ``min_movies`` movies with a defined score).
    comparisons : pandas.DataFrame
        :data:`COMPARISON_COLUMNS`: the mean over movies of ``model − baseline``, its paired interval
        and the verdict (:data:`~emolib.evaluation.intervals.UNDECIDED` below ``min_movies`` movies).
    """
    chosen = movies if config is None else _select(movies, config)
    chosen = chosen.reindex(columns=[*chosen.columns, *(m for m in metrics if m not in chosen)])
    per_movie = chosen.groupby(["model", "movie"])[list(metrics)].mean()
    intervals, comparisons = [], []

    def scores(name: str, metric: str) -> pd.Series:
        if name not in per_movie.index.get_level_values("model"):
            return pd.Series(dtype=np.float64)
        return per_movie.loc[name, metric].dropna()

    def interval(values: pd.Series, baseline: pd.Series | None = None) -> Interval | None:
        if len(values) < max(2, min_movies):
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


def headline_intervals(
    intervals: pd.DataFrame,
    comparisons: pd.DataFrame,
    metrics: Sequence[str],
    models: Sequence[str] = ("lstm", "ridge", "constant"),
    prefix: str = "res_a",
) -> dict[str, str]:
    """The Results chapter's Study A numbers with their intervals, and the verdicts, keyed for ``glue``.

    Parameters
    ----------
    intervals, comparisons
        The two tables of :func:`movie_intervals`.
    metrics, models
        Every key of these metrics and predictors (the first compared with the others) is present,
        ``"n/a"`` (verdict: not distinguishable) when it was not scored, so a page quoting it builds.
    prefix
        Of every key.

    Returns
    -------
    dict
        ``<prefix>_<metric>_<model>``: ``"0.902 [0.851, 0.950]"`` (the value alone when there is no
        interval, ``"n/a"`` when nothing was scored); ``<prefix>_diff_<metric>_<baseline>``: the paired
        difference model − baseline, signed, with its interval; ``<prefix>_verdict_<metric>_<baseline>``:
        the verdict ("beats the baseline", ...); ``<prefix>_n_movies_<metric>``: the movies behind the
        model's interval.
    """
    out: dict[str, str] = {}
    for metric in metrics:
        out[f"{prefix}_n_movies_{metric}"] = "0"
        out.update({f"{prefix}_{metric}_{model}": "n/a" for model in models})
        for baseline in models[1:]:
            out[f"{prefix}_diff_{metric}_{baseline}"] = "n/a"
            out[f"{prefix}_verdict_{metric}_{baseline}"] = UNDECIDED
    for row in intervals.itertuples(index=False):
        out[f"{prefix}_{row.metric}_{row.model}"] = bounds_text(row.estimate, row.low, row.high)
        if row.model == models[0]:
            out[f"{prefix}_n_movies_{row.metric}"] = str(int(row.n_movies))
    for row in comparisons.itertuples(index=False):
        out[f"{prefix}_diff_{row.metric}_{row.baseline}"] = bounds_text(
            row.difference, row.low, row.high, signed=True
        )
        out[f"{prefix}_verdict_{row.metric}_{row.baseline}"] = row.verdict
    return out


def run_intervals(
    runs: Sequence[dict], path: str | None, n_resamples: int = DEFAULT_RESAMPLES, seed: int = 0
) -> dict[str, pd.DataFrame]:
    """The intervals and verdicts of the configuration of the run in ``path``, over all its folds.

    Parameters
    ----------
    runs
        Fold runs (:func:`emolib.evaluation.tables.gather_runs`).
    path
        Folder of a valence/arousal run (the book's own); every run of the same configuration
        (:data:`~emolib.evaluation.tables.CONFIG_KEYS`) counts, valence/arousal and fear. ``None``, or
        a run without per-movie scores: the tables have no rows.
    n_resamples, seed
        Of the bootstrap.

    Returns
    -------
    dict
        ``va_intervals``, ``va_comparisons`` (metrics :data:`~emolib.evaluation.tables.VA_METRICS`),
        ``fear_intervals``, ``fear_comparisons`` (metric ``ap``): :func:`movie_intervals` tables.
    """
    va, fear = movie_table(runs, "va"), movie_table(runs, "fear")
    config = configuration_of(va, str(path), CONFIG_KEYS) if str(path) in set(va["path"]) else {"path": None}
    va_int, va_cmp = movie_intervals(va, VA_METRICS, config, n_resamples=n_resamples, seed=seed)
    fear_int, fear_cmp = movie_intervals(fear, ["ap"], config, n_resamples=n_resamples, seed=seed)
    return {"va_intervals": va_int, "va_comparisons": va_cmp, "fear_intervals": fear_int,
            "fear_comparisons": fear_cmp}  # fmt: skip


def plot_intervals(
    intervals: pd.DataFrame,
    ax: plt.Axes,
    title: str = "",
    xlabel: str = "mean over test movies, 95 % interval over movies",
    label_columns: Sequence[str] = ("metric", "model"),
) -> None:
    """Each predictor's score with its interval, one row per metric and predictor.

    Parameters
    ----------
    intervals
        Rows with ``estimate``, ``low``, ``high``, ``model`` and the ``label_columns``
        (:func:`movie_intervals`, or :func:`emolib.evaluation.studyb_intervals.unit_intervals`).
    ax
        Where to draw.
    title, xlabel
        Of the axes.
    label_columns
        Columns joined into each row's label.
    """
    shown = intervals[np.isfinite(intervals["estimate"].to_numpy(dtype=np.float64))]
    labels = [
        " · ".join(str(v) for v in values) for values in shown[list(label_columns)].itertuples(index=False)
    ]
    y = np.arange(len(shown))[::-1]
    est = shown["estimate"].to_numpy(dtype=np.float64)
    low = np.where(np.isfinite(shown["low"]), est - shown["low"], 0.0)
    high = np.where(np.isfinite(shown["high"]), shown["high"] - est, 0.0)
    colours = {"lstm": "tab:blue", "model@val": "tab:blue", "model": "tab:blue", "ridge": "tab:orange",
               "logistic": "tab:orange", "boosted trees": "tab:purple", "paper@val": "tab:green"}  # fmt: skip
    for yi, e, lo, hi, model in zip(y, est, low, high, shown["model"], strict=True):
        ax.errorbar(e, yi, xerr=[[lo], [hi]], fmt="o", color=colours.get(model, "tab:grey"), capsize=3)
    ax.set_yticks(y, labels)
    ax.grid(axis="x", alpha=0.3)
    ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title)


def sweep_verdicts(runs: Sequence[dict], n_resamples: int = DEFAULT_RESAMPLES, seed: int = 0) -> pd.DataFrame:
    """The LSTM's verdicts against the baselines for every configuration found (a sweep's grid).

    Each configuration (:data:`~emolib.evaluation.tables.CONFIG_KEYS`) pools its folds and seeds
    over test movies, as :func:`run_intervals` does for the book's one.

    Returns
    -------
    pandas.DataFrame
        The configuration's keys, then :data:`COMPARISON_COLUMNS` (valence/arousal metrics and fear
        ``ap``); no rows when no run kept per-movie scores.
    """
    tables = []
    for task, metrics in (("va", list(VA_METRICS)), ("fear", ["ap"])):
        movies = movie_table(runs, task)
        if movies.empty:
            continue
        for values, _ in movies.groupby(list(CONFIG_KEYS), dropna=False, sort=True):
            config = dict(zip(CONFIG_KEYS, values, strict=True))
            _, comparisons = movie_intervals(movies, metrics, config, n_resamples=n_resamples, seed=seed)
            tables.append(comparisons.assign(**config))
    columns = [*CONFIG_KEYS, *COMPARISON_COLUMNS]
    return pd.concat(tables, ignore_index=True)[columns] if tables else pd.DataFrame(columns=columns)


def protocol_intervals(
    runs: Sequence[dict], n_resamples: int = DEFAULT_RESAMPLES, seed: int = 0, min_movies: int = MIN_MOVIES
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Intervals over the test movies of MediaEval-protocol runs (notebook 04 with a ``test_dir``).

    Parameters
    ----------
    runs
        Test-set runs (:func:`emolib.evaluation.tables.gather_test_set_runs`); fear runs and runs
        without ground truth are left out.
    n_resamples, seed, min_movies
        As :func:`movie_intervals` (the protocol scores per test movie, then averages: the movie is
        the unit).

    Returns
    -------
    intervals, comparisons : pandas.DataFrame
        The tables of :func:`movie_intervals` for every run, with its folder in a ``path`` column.
    """
    intervals, comparisons = [], []
    for run in runs:
        section = run.get("test_set") or {}
        if run.get("task") != "va" or not section.get("scored"):
            continue
        rows = [
            {"model": model, "movie": movie["movie"], **{m: movie.get(m) for m in VA_METRICS}}
            for model, movies in (section.get("per_movie") or {}).items()
            for movie in movies
        ]
        found = movie_intervals(
            pd.DataFrame(rows, columns=["model", "movie", *VA_METRICS]).astype(
                {m: float for m in VA_METRICS}
            ),
            VA_METRICS,
            n_resamples=n_resamples,
            seed=seed,
            min_movies=min_movies,
        )
        intervals.append(found[0].assign(path=run["path"]))
        comparisons.append(found[1].assign(path=run["path"]))
    return (
        pd.concat(intervals, ignore_index=True)
        if intervals
        else pd.DataFrame(columns=[*INTERVAL_COLUMNS, "path"]),
        pd.concat(comparisons, ignore_index=True)
        if comparisons
        else pd.DataFrame(columns=[*COMPARISON_COLUMNS, "path"]),
    )


def protocol_with_intervals(protocol: pd.DataFrame, intervals: pd.DataFrame) -> pd.DataFrame:
    """The protocol table (:func:`~emolib.evaluation.tables.protocol_table`), scores as text with intervals.

    Every score cell reads ``"0.123 [0.100, 0.150]"`` (the value alone below
    :data:`MIN_MOVIES` test movies); the ``system``, ``n_movies`` and ``source`` columns are kept.
    """
    names = {"LSTM": "lstm", "ridge regression": "ridge", "constant mean predictor": "constant"}
    keyed = intervals.set_index(["path", "model", "metric"]) if len(intervals) else None
    rows = []
    for row in protocol.itertuples(index=False):
        label = str(row.system).split(": ", 1)[-1].rsplit(" (", 1)[0]
        model = names.get(label, label)
        cells = {"system": row.system}
        for metric in VA_METRICS:
            key = (row.path, model, metric)
            if keyed is not None and key in keyed.index:
                found = keyed.loc[key]
                cells[metric] = bounds_text(found["estimate"], found["low"], found["high"])
            else:
                cells[metric] = bounds_text(getattr(row, metric))
        cells.update(n_movies=row.n_movies, source=row.source)
        rows.append(cells)
    return pd.DataFrame(rows, columns=["system", *VA_METRICS, "n_movies", "source"])


def _series(rows: pd.DataFrame, model: str, metric: str) -> tuple[str, np.ndarray, np.ndarray]:
    """The kind of ``metric`` (``mse`` or ``r``), the true values and one predictor's of its dimension."""
    kind, dim = metric.split("_")
    truth = rows[f"true_{dim}"].to_numpy(dtype=np.float64)
    return kind, truth, rows[f"{model}_{dim}"].to_numpy(dtype=np.float64)


def _pooled_metric(rows: pd.DataFrame, model: str, metric: str, units: np.ndarray) -> UnitMetric:
    """``mse_<dim>`` or ``r_<dim>`` of one predictor over the seconds of the drawn test movies."""
    kind, truth, pred = _series(rows, model, metric)
    return pooled_pearson(truth, pred, units) if kind == "r" else pooled_error(truth, pred, units)


def _pooled_value(rows: pd.DataFrame, model: str, metric: str) -> float:
    """The same score over every second of all the test movies (defined for a single movie too)."""
    kind, truth, pred = _series(rows, model, metric)
    return pearson(pred, truth) if kind == "r" else float(np.mean((pred - truth) ** 2))


def edition2018_intervals(
    runs: Sequence[dict], n_resamples: int = DEFAULT_RESAMPLES, seed: int = 0, min_movies: int = MIN_MOVIES
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Intervals over the test movies of the MediaEval 2018 runs' scores, pooled over every second as the
    2018 task scored them, and the LSTM's paired verdicts against the baselines.

    The unit resampled is the test movie: a resample draws whole movies, and the MSE and Pearson r are
    computed over every second of the drawn movies (:func:`emolib.evaluation.unit_metrics.pooled_error`,
    :func:`~emolib.evaluation.unit_metrics.pooled_pearson`), from each run's ``predictions.csv``.

    Parameters
    ----------
    runs
        :func:`emolib.evaluation.tables.gather_test_set_runs` of kind
        :data:`~emolib.studya.run.EDITION2018_KIND`; fear runs and runs without ground truth are left out.
    n_resamples, seed, min_movies
        As :func:`movie_intervals`.

    Returns
    -------
    intervals, comparisons : pandas.DataFrame
        :data:`INTERVAL_COLUMNS` and :data:`COMPARISON_COLUMNS` with a ``path`` column; below
        ``min_movies`` test movies, no interval (``nan`` bounds) and no verdict.
    """
    intervals, comparisons = [], []
    for run in runs:
        section = run.get("test_set") or {}
        path = Path(run["path"]) / "predictions.csv"
        if run.get("task") != "va" or not section.get("scored") or not path.is_file():
            continue
        rows = pd.read_csv(path)
        units = rows["movie"].astype(str).to_numpy()
        n_movies = len(set(units))
        enough = n_movies >= max(2, min_movies)
        for metric in VA_METRICS:
            dim = metric.split("_")[1]

            models = [m for m in ("lstm", "ridge", "constant") if f"{m}_{dim}" in rows]
            whole = {m: _pooled_value(rows, m, metric) for m in models}
            built = {m: _pooled_metric(rows, m, metric, units) for m in models} if enough else {}
            for m in models:
                found = bootstrap(built[m], n_resamples, seed=seed) if enough else None
                low, high = (found.low, found.high) if found else (np.nan, np.nan)
                intervals.append([metric, m, whole[m], low, high, n_movies, run["path"]])
            for base in (b for b in models if b != "lstm"):
                if enough and np.isfinite(whole[base]) and np.isfinite(whole["lstm"]):
                    diff = paired_bootstrap(built["lstm"], built[base], n_resamples, seed=seed)
                    row = [diff.estimate, diff.low, diff.high, verdict(diff, metric)]
                else:
                    row = [whole["lstm"] - whole[base], np.nan, np.nan, UNDECIDED]
                comparisons.append([metric, "lstm", base, *row[:3], n_movies, row[3], run["path"]])
    return (
        pd.DataFrame(intervals, columns=[*INTERVAL_COLUMNS, "path"]),
        pd.DataFrame(comparisons, columns=[*COMPARISON_COLUMNS, "path"]),
    )


def edition2018_with_intervals(table: pd.DataFrame, intervals: pd.DataFrame) -> pd.DataFrame:
    """:func:`~emolib.evaluation.tables.edition2018_table` with the book's 2018-scored cells as text, their
    intervals over test movies in brackets where there are enough movies; published rows as they are."""
    names = {"LSTM": "lstm", "ridge regression": "ridge", "constant mean predictor": "constant"}
    keyed = intervals.set_index(["path", "model", "metric"]) if len(intervals) else None
    shown = table.astype(dict.fromkeys(VA_METRICS, object))  # the scores become text
    for i, row in table.iterrows():
        model = names.get(str(row["system"]).split(": ", 1)[-1].rsplit(" (", 1)[0])
        for metric in VA_METRICS:
            key = (row["path"], model, metric)
            if row["path"] and row["scoring"] == SCORED_2018 and keyed is not None and key in keyed.index:
                found = keyed.loc[key]
                shown.loc[i, metric] = bounds_text(found["estimate"], found["low"], found["high"])
            else:
                shown.loc[i, metric] = bounds_text(row[metric])
    return shown.drop(columns="path")
