"""Study B's scores with intervals over films or screenings, and each model's verdict against its baselines.

Notebook 05 keeps what every experiment predicted on its test rows
(:mod:`emolib.studyb.predictions`). Here those rows are scored again with intervals over the
**independent unit**: the film for scene labels (a film's 30 s sequences are neighbouring parts of
one story, and the labels belong to the film), the screening for breath compounds (one audience's
measurements are a time series). Each predictor's score is bootstrapped over units; the model and
each baseline are compared on the *same* resamples (the paired difference), and the model is said
to beat a baseline only when that difference's interval excludes zero
(:func:`emolib.evaluation.intervals.verdict`).

Scores: the support-weighted F1 of the decisions at the thresholds chosen on validation rows (the
paper's metric) and the macro ROC AUC of the scores, for scene labels; the mean absolute error of the
scaled compounds, for compounds.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from emolib.evaluation.intervals import (
    DEFAULT_LEVEL,
    DEFAULT_RESAMPLES,
    MIN_UNITS,
    UNDECIDED,
    UnitMetric,
    bootstrap,
    bounds_text,
    paired_bootstrap,
    pooled_auc,
    pooled_mae,
    pooled_weighted_f1,
    verdict,
)
from emolib.studyb.predictions import PREDICTIONS_SUFFIX, TestPredictions, load_test_predictions

__all__ = [
    "COMPARISON_COLUMNS",
    "HEADLINE_EXPERIMENTS",
    "INTERVAL_COLUMNS",
    "SHORT_NAMES",
    "headline_intervals_b",
    "load_run_predictions",
    "unit_intervals",
    "units_summary",
]

INTERVAL_COLUMNS = ["experiment", "metric", "model", "estimate", "low", "high", "n_units", "unit"]
"""Columns of the first table :func:`unit_intervals` returns."""
COMPARISON_COLUMNS = [
    "experiment",
    "metric",
    "model",
    "baseline",
    "difference",
    "low",
    "high",
    "n_units",
    "verdict",
]
"""Columns of the second table :func:`unit_intervals` returns."""
MODEL = {"labels": "model@val", "vocs": "model"}
"""The predictor compared with the baselines: for labels, the network at its validation thresholds."""
UNIT = {"labels": "film", "vocs": "screening"}
"""The independent unit of each target."""
METRICS = {"labels": ("f1", "auc"), "vocs": ("mae",)}
"""Scores computed for each target."""
LEFT_OUT = frozenset({"model@0.5"})
"""Predictors shown in notebook 05 but not compared here (the network at the untuned threshold 0.5)."""
HEADLINE_EXPERIMENTS = ("audio_labels", "video_labels", "audio_vocs", "video_vocs")
"""The experiments the Results chapter quotes, named ``<features>_<target>``."""
SHORT_NAMES = {
    "model@val": "", "model": "", "all on": "allon", "prevalence": "prevalence", "logistic": "logistic",
    "boosted trees": "trees", "training mean": "mean", "training median": "median",
    "other screenings, same time": "sametime",
}  # fmt: skip
"""Predictor name to the suffix of its ``glue`` keys (the model has none)."""
BASELINES = {"labels": ("allon", "prevalence", "logistic", "trees"), "vocs": ("mean", "median")}
"""Baselines whose keys :func:`headline_intervals_b` always defines (``n/a`` when not scored)."""


def load_run_predictions(run_dir: str | Path) -> dict[str, TestPredictions]:
    """Every experiment's test predictions in a notebook 05 run folder, by experiment name (sorted)."""
    found = sorted(Path(run_dir).glob(f"*{PREDICTIONS_SUFFIX}"))
    return {p.name.removesuffix(PREDICTIONS_SUFFIX): load_test_predictions(p) for p in found}


def _metric(metric: str, held: TestPredictions, name: str) -> UnitMetric:
    if metric == "f1":
        return pooled_weighted_f1(held.y, held.decisions[name], held.units)
    if metric == "auc":
        return pooled_auc(held.y, held.scores[name], held.units)
    return pooled_mae(held.y, held.scores[name], held.units)


def unit_intervals(
    predictions: Mapping[str, TestPredictions],
    n_resamples: int = DEFAULT_RESAMPLES,
    level: float = DEFAULT_LEVEL,
    seed: int = 0,
    min_units: int = MIN_UNITS,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Intervals over units of every experiment's scores, and the model's paired verdicts against baselines.

    Parameters
    ----------
    predictions
        Experiment name to its test predictions (:func:`load_run_predictions`).
    n_resamples, level, seed
        Of the bootstrap; every interval of one experiment uses the same resamples of its units.
    min_units
        Fewest units for an interval (:data:`~emolib.evaluation.intervals.MIN_UNITS`; at least 2):
        below, ``low`` and ``high`` are ``nan`` and every verdict is
        :data:`~emolib.evaluation.intervals.UNDECIDED`.

    Returns
    -------
    intervals : pandas.DataFrame
        :data:`INTERVAL_COLUMNS`, one row per experiment, metric and predictor.
    comparisons : pandas.DataFrame
        :data:`COMPARISON_COLUMNS`: the model minus each baseline, its paired interval and verdict.
    """
    intervals, comparisons = [], []
    for experiment, held in predictions.items():
        target = held.target
        model = MODEL[target]
        n_units = len(np.unique(held.units))
        enough = n_units >= max(2, min_units)
        names = (
            [model, *(k for k in held.scores if k not in LEFT_OUT and k != model)]
            if model in held.scores
            else []
        )
        for metric in METRICS[target]:
            built = {name: _metric(metric, held, name) for name in names}
            for name, scored in built.items():
                whole = float(scored(np.ones((1, len(scored.units))))[0])
                found = bootstrap(scored, n_resamples, level, seed) if enough else None
                low, high = (found.low, found.high) if found else (np.nan, np.nan)
                intervals.append([experiment, metric, name, whole, low, high, n_units, UNIT[target]])
            for baseline in names[1:]:
                if enough:
                    diff = paired_bootstrap(built[model], built[baseline], n_resamples, level, seed)
                    row = [diff.estimate, diff.low, diff.high, n_units, verdict(diff, metric)]
                else:
                    ones = np.ones((1, n_units))
                    difference = float(built[model](ones)[0] - built[baseline](ones)[0])
                    row = [difference, np.nan, np.nan, n_units, UNDECIDED]
                comparisons.append([experiment, metric, model, baseline, *row])
    return (
        pd.DataFrame(intervals, columns=INTERVAL_COLUMNS),
        pd.DataFrame(comparisons, columns=COMPARISON_COLUMNS),
    )


def units_summary(intervals: pd.DataFrame) -> str:
    """The units behind each experiment's intervals: ``"audio_labels: 6 films; ..."``."""
    counts = intervals.groupby(["experiment", "unit"], sort=False)["n_units"].max()
    return "; ".join(f"{name}: {int(n)} {unit}s" for (name, unit), n in counts.items()) or "no experiment"


def _key(metric: str, experiment: str, predictor: str = "") -> str:
    source = experiment.split("_", 1)[0]
    short = SHORT_NAMES.get(predictor, predictor.replace(" ", ""))
    return f"{metric}_{source}" + (f"_{short}" if short else "")


def headline_intervals_b(
    intervals: pd.DataFrame,
    comparisons: pd.DataFrame,
    prefix: str = "res_b",
    fallback: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The Results chapter's Study B numbers with their intervals, and the verdicts, keyed for ``glue``.

    Only the :data:`HEADLINE_EXPERIMENTS` are keyed; their model's and usual baselines' keys are always
    present (``"n/a"``, verdict not distinguishable, when an experiment did not run), so a page quoting
    them builds.

    Parameters
    ----------
    intervals, comparisons
        The tables of :func:`unit_intervals`.
    prefix
        Of every key.
    fallback
        Values for keys that no interval row fills (e.g. the plain scores of
        :func:`emolib.evaluation.tables.headline` for a run written before predictions were kept).

    Returns
    -------
    dict
        ``<prefix>_<metric>_<features>[_<baseline>]``: ``"0.631 [0.605, 0.662]"`` (e.g. ``res_b_f1_audio``,
        ``res_b_f1_audio_allon``, ``res_b_mae_video_mean``); ``<prefix>_diff_<...>_<baseline>``: model −
        baseline with its paired interval; ``<prefix>_verdict_<...>_<baseline>``: the verdict;
        ``<prefix>_n_units_<features>_<target>``: how many films or screenings were resampled.
    """
    out: dict[str, str] = {}
    for experiment in HEADLINE_EXPERIMENTS:
        target = experiment.split("_", 1)[1]
        out[f"{prefix}_n_units_{experiment}"] = "0"
        for metric in METRICS[target]:
            out[f"{prefix}_{_key(metric, experiment)}"] = "n/a"
            for short in BASELINES[target]:
                out[f"{prefix}_{_key(metric, experiment, short)}"] = "n/a"
                out[f"{prefix}_diff_{_key(metric, experiment, short)}"] = "n/a"
                out[f"{prefix}_verdict_{_key(metric, experiment, short)}"] = UNDECIDED
    chosen = intervals[intervals["experiment"].isin(HEADLINE_EXPERIMENTS)]
    for row in chosen.itertuples(index=False):
        out[f"{prefix}_{_key(row.metric, row.experiment, row.model)}"] = bounds_text(
            row.estimate, row.low, row.high
        )
        out[f"{prefix}_n_units_{row.experiment}"] = str(int(row.n_units))
    for row in comparisons[comparisons["experiment"].isin(HEADLINE_EXPERIMENTS)].itertuples(index=False):
        key = _key(row.metric, row.experiment, row.baseline)
        out[f"{prefix}_diff_{key}"] = bounds_text(row.difference, row.low, row.high, signed=True)
        out[f"{prefix}_verdict_{key}"] = row.verdict
    filled = {f"{prefix}_{_key(r.metric, r.experiment, r.model)}" for r in chosen.itertuples(index=False)}
    for key, value in (fallback or {}).items():
        if key in out and out[key] == "n/a" and key not in filled:
            out[key] = value
    return out
