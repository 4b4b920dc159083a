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
scaled compounds, for compounds. The F1 comes from the decision counts pooled over the test rows, also
when they come from the several models of a one-movie-out sweep (pooled counts are the right pooling).
The AUC ranks scores, and scores of different models live on scales of their own: it is computed over
the pooled rows only when one model predicted them all (``l20``), and otherwise within each held-out
film, then averaged over films (:func:`ranking_auc`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from emolib.evaluation.intervals import (
    DEFAULT_LEVEL,
    DEFAULT_RESAMPLES,
    MIN_UNITS,
    UNDECIDED,
    Interval,
    MeanSD,
    UnitMetric,
    bootstrap,
    bounds_text,
    mean_sd,
    paired_bootstrap,
    verdict,
)
from emolib.evaluation.unit_metrics import pooled_auc, pooled_mae, pooled_weighted_f1, unit_auc
from emolib.studyb.predictions import (
    MEMBER_PREFIX,
    PREDICTIONS_SUFFIX,
    TestPredictions,
    load_test_predictions,
)

__all__ = [
    "AudioLabelIntervals",
    "COMPARISON_COLUMNS",
    "HEADLINE_EXPERIMENTS",
    "INTERVAL_COLUMNS",
    "SHORT_NAMES",
    "headline_intervals_b",
    "audio_label_intervals",
    "compare_audio_predictors",
    "compare_label_predictors",
    "load_run_predictions",
    "ranking_auc",
    "seed_spread",
    "seed_spread_keys",
    "spread_text",
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
METRIC_NAMES = {"f1": "weighted F1", "auc": "macro AUC", "mae": "MAE"}
"""How the text names each score."""
"""Scores computed for each target."""
LEFT_OUT = frozenset({"model@0.5", "paper@0.5"})
"""Predictors shown in notebook 05 but not compared here (networks at the untuned threshold 0.5), besides
the single networks of a seed ensemble (``seed <k>``: see :func:`seed_spread`)."""
HEADLINE_EXPERIMENTS = ("audio_labels", "video_labels", "audio_vocs", "video_vocs", "audio_labels_omo")
"""The experiments the Results chapter quotes, named ``<features>_<target>[_<split>]`` (``audio_labels_omo``:
every film held out once, :mod:`emolib.studyb.audio_splits`)."""
SHORT_NAMES = {
    "model@val": "", "model": "", "all on": "allon", "prevalence": "prevalence", "logistic": "logistic",
    "boosted trees": "trees", "training mean": "mean", "training median": "median",
    "other screenings, same time": "sametime", "paper@val": "paper",
}  # fmt: skip
"""Predictor name to the suffix of its ``glue`` keys (the model has none)."""
BASELINES = {"labels": ("allon", "prevalence", "logistic", "trees", "paper"), "vocs": ("mean", "median")}
"""Baselines whose keys :func:`headline_intervals_b` always defines (``n/a`` when not scored)."""


def load_run_predictions(run_dir: str | Path) -> dict[str, TestPredictions]:
    """Every experiment's test predictions in a notebook 05 run folder, by experiment name (sorted)."""
    found = sorted(Path(run_dir).glob(f"*{PREDICTIONS_SUFFIX}"))
    return {p.name.removesuffix(PREDICTIONS_SUFFIX): load_test_predictions(p) for p in found}


def _compared(predictor: str) -> bool:
    """Whether a predictor gets an interval and a verdict here (see :data:`LEFT_OUT`)."""
    return predictor not in LEFT_OUT and not predictor.startswith(MEMBER_PREFIX)


def seed_spread(held: TestPredictions) -> dict[str, MeanSD]:
    """Mean ± sd over seeds of the single networks of an ensemble (its ``seed <k>`` predictors).

    Each network is scored on the pooled test rows like the ensemble (weighted F1 at its own
    validation thresholds from pooled counts, macro AUC ranked within each model: :func:`ranking_auc`);
    the spread says how much one network depends on its seed, which the ensemble averages away.

    Returns
    -------
    dict
        ``f1`` and ``auc`` to :class:`~emolib.evaluation.intervals.MeanSD`; empty without members.
    """
    members = [k for k in held.scores if k.startswith(MEMBER_PREFIX)]
    if not members or held.target != "labels":
        return {}
    ones = np.ones((1, len(np.unique(held.units))))
    spread = {}
    for metric in ("f1", "auc"):
        values = np.array([float(_metric(metric, held, k)(ones)[0]) for k in members])
        if np.isfinite(values).any():  # an AUC needs both classes of some label
            spread[metric] = mean_sd(values)
    return spread


def spread_text(spread: Mapping[str, MeanSD], digits: int = 3) -> str:
    """``"weighted F1 0.615 ± 0.027 and macro AUC 0.805 ± 0.018 over 3 seeds"``; ``"one seed only"``."""
    if not spread:
        return "one seed only"
    parts = [f"{METRIC_NAMES[k]} {v.format(digits)}" for k, v in spread.items()]
    return f"{' and '.join(parts)} over {max(v.n for v in spread.values())} seeds"


def seed_spread_keys(predictions: Mapping[str, TestPredictions], prefix: str = "res_b") -> dict[str, str]:
    """The Results chapter's spread over seeds of the audio network, keyed for ``glue``.

    Returns
    -------
    dict
        ``<prefix>_seeds_audio`` (``audio_labels``) and ``<prefix>_seeds_audio_omo``
        (``audio_labels_omo``): ``"weighted F1 0.61 ± 0.02 and macro AUC 0.80 ± 0.01 over 3 seeds"``,
        or ``"one seed only"``; ``<prefix>_n_seeds_audio``: how many networks the ensemble holds.
    """
    out = {f"{prefix}_n_seeds_audio": "1"}
    for experiment in ("audio_labels", "audio_labels_omo"):
        held = predictions.get(experiment)
        spread = seed_spread(held) if held is not None else {}
        if spread:
            out[f"{prefix}_n_seeds_audio"] = str(max(v.n for v in spread.values()))
        out[f"{prefix}_{_key('seeds', experiment)}"] = spread_text(spread)
    return out


def compare_audio_predictors(
    held: TestPredictions,
    names: Mapping[str, str],
    reference: str = "logistic",
    seed: int = 0,
    min_units: int = MIN_UNITS,
) -> tuple[pd.DataFrame, str]:
    """Scene-label predictors with intervals over films, their verdicts against ``reference``, a sentence.

    Parameters
    ----------
    held
        Test predictions of a scene-label experiment (one run, or every fold pooled).
    names
        Predictor key (``model@val``, ``paper@val``, ``logistic``, ...) to the name shown; keys the
        predictions lack are skipped (e.g. ``paper@val`` when the paper's recipe is the model).
    reference
        Key of the predictor the others are compared with.
    seed, min_units
        Of the bootstrap; below ``min_units`` films, no interval is drawn.

    Returns
    -------
    table : pandas.DataFrame
        :func:`compare_label_predictors`, rows renamed; empty with too
        few films.
    text : str
        ``"audio network: weighted F1 0.63 [0.60, 0.66], macro AUC ... (minus the logistic: F1
        ..., not distinguishable ...; AUC ...); ..."``, or why there is no interval.
    """
    films = sorted(set(held.units))
    if len(films) < max(2, min_units):
        return pd.DataFrame(), (
            f"no interval: the test rows hold {len(films)} film{'s' if len(films) != 1 else ''} "
            f"({', '.join(films)}), fewer than {max(2, min_units)}"
        )
    shown = {k: v for k, v in names.items() if k in held.scores}
    table = compare_label_predictors(held, list(shown), reference=reference, seed=seed).rename(index=shown)
    lines = []
    for name, row in table.iterrows():
        line = f"{name}: weighted F1 {row['f1'].format(2)}, macro AUC {row['auc'].format(2)}"
        if row["f1_diff"] is not None:
            line += (
                f" (minus the {shown[reference]}: F1 {row['f1_diff'].format(2)}, {row['f1_verdict']}; "
                f"AUC {row['auc_diff'].format(2)}, {row['auc_verdict']})"
            )
        lines.append(line)
    return table, "; ".join(lines)


def compare_label_predictors(
    held: TestPredictions,
    predictors: Sequence[str],
    reference: str,
    n_resamples: int = DEFAULT_RESAMPLES,
    level: float = DEFAULT_LEVEL,
    seed: int = 0,
) -> pd.DataFrame:
    """Weighted F1 and macro AUC of scene-label predictors with intervals over units, and their verdicts
    against ``reference``.

    All intervals use the same resamples of the units (one seed), so the paired differences are
    differences on the same resampled test sets.

    Parameters
    ----------
    held
        Test predictions of a scene-label experiment (with decisions).
    predictors
        The predictors to score (keys of ``held.scores``), ``reference`` among them.
    reference
        The predictor the others are compared with (a baseline).
    n_resamples, level, seed
        As :func:`emolib.evaluation.intervals.bootstrap`.

    Returns
    -------
    pandas.DataFrame
        Index: predictor (``reference`` first). Columns, for ``metric`` in ``f1`` and ``auc``:
        ``metric`` (the :class:`~emolib.evaluation.intervals.Interval`), ``metric_diff`` (the interval of
        predictor − reference, ``None`` for the reference) and ``metric_verdict`` (empty for the reference).

    Raises
    ------
    ValueError
        A reference or predictor the predictions lack, fewer than 2 units.
    """
    missing = [k for k in {reference, *predictors} if k not in held.scores or k not in held.decisions]
    if missing:
        raise ValueError(f"no scores and decisions for {sorted(missing)} (found {sorted(held.scores)})")
    names = [reference, *(k for k in predictors if k != reference)]
    built = {metric: {k: _metric(metric, held, k) for k in names} for metric in ("f1", "auc")}
    rows = []
    for name in names:
        row: dict[str, object] = {"predictor": name}
        for metric, by_name in built.items():
            row[metric] = bootstrap(by_name[name], n_resamples, level, seed)
            if name == reference:
                row[f"{metric}_diff"], row[f"{metric}_verdict"] = None, ""
            else:
                diff = paired_bootstrap(by_name[name], by_name[reference], n_resamples, level, seed)
                row[f"{metric}_diff"], row[f"{metric}_verdict"] = diff, verdict(diff, metric)
        rows.append(row)
    return pd.DataFrame(rows).set_index("predictor")


def ranking_auc(held: TestPredictions, name: str) -> UnitMetric:
    """The macro ROC AUC of one predictor, ranked within one model's rows.

    Predictions of one model (a single split such as ``l20``): the AUC over all its test rows pooled
    (:func:`~emolib.evaluation.unit_metrics.pooled_auc`). Predictions pooled from several models (the
    folds of ``omo``, each trained on other films, with scores on scales of their own): the AUC within
    each unit (the held-out film), then the mean over units
    (:func:`~emolib.evaluation.unit_metrics.unit_auc`), so that no score of one fold's model is ranked
    against a score of another's, and a predictor that is constant within a fold scores 0.5.
    """
    if held.n_models > 1:
        return unit_auc(held.y, held.scores[name], held.units, held.models)
    return pooled_auc(held.y, held.scores[name], held.units)


def _metric(metric: str, held: TestPredictions, name: str) -> UnitMetric:
    """Weighted F1 of the decisions from pooled counts, the macro AUC ranked within a model, or the MAE."""
    if metric == "f1":
        return pooled_weighted_f1(held.y, held.decisions[name], held.units)
    if metric == "auc":
        return ranking_auc(held, name)
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
            [model, *(k for k in held.scores if _compared(k) and k != model)] if model in held.scores else []
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
    """``f1_audio``, ``f1_audio_logistic``, ``f1_audio_omo_logistic`` (a split after the target)."""
    features, _target, *split = experiment.split("_")
    source = "_".join([features, *split])
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
        target = experiment.split("_")[1]
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


@dataclass(frozen=True)
class AudioLabelIntervals:
    """The audio scene-label experiment on every fold of its splits, with intervals over films.

    Attributes
    ----------
    table
        Every split's predictors (index: split, predictor) with their intervals, paired differences
        against the reference and verdicts, formatted for reading; empty when no split has enough films.
    section
        ``metrics.json``'s ``audio_label_intervals``: ``unit``, ``reference``, ``n_resamples``, ``level``
        and per split its ``folds``, ``films``, ``seed_spread`` and ``predictors``.
    text
        One sentence per split (:func:`compare_audio_predictors`), joined with dashes.
    spread
        Per split, the single networks' mean ± sd over seeds (:func:`spread_text`).
    """

    table: pd.DataFrame
    section: dict[str, Any]
    text: str
    spread: str


def _formatted(compared: pd.DataFrame) -> pd.DataFrame:
    """A comparison table with intervals as text and readable column names."""
    return (
        compared.map(lambda v: v.format(3) if isinstance(v, Interval) else v)
        .fillna("")
        .rename(columns=lambda c: c.replace("_diff", " − logistic").replace("_", " "))
    )


def audio_label_intervals(
    label_splits: Mapping[str, Mapping[str, Any]], names: Mapping[str, str], seed: int = 0
) -> AudioLabelIntervals:
    """Score the pooled test rows of every split of the audio scene-label experiment (see
    :func:`emolib.studyb.audio_splits.run_audio_label_splits`) against the logistic regression.

    Parameters
    ----------
    label_splits
        Split to its ``folds``, ``films`` and pooled ``predictions``.
    names
        Predictor key to the name shown (:func:`compare_audio_predictors`).
    seed
        Of the bootstrap.
    """
    section: dict[str, Any] = {
        "unit": "film",
        "reference": "logistic",
        "n_resamples": DEFAULT_RESAMPLES,
        "level": DEFAULT_LEVEL,
        "splits": {},
    }
    tables, lines, spreads = {}, [], []
    for split, pooled in label_splits.items():
        held = pooled["predictions"]
        compared, text = compare_audio_predictors(held, names, seed=seed)
        lines.append(f"{split} ({len(pooled['folds'])} fold(s), {len(pooled['films'])} film(s)): {text}")
        spread = seed_spread(held)
        spreads.append(f"{split}: {spread_text(spread)}")
        if len(compared):
            tables[split] = _formatted(compared)
        section["splits"][split] = {
            "folds": pooled["folds"],
            "films": pooled["films"],
            "seed_spread": {k: asdict(v) for k, v in spread.items()},
            "predictors": {
                name: {k: asdict(v) if isinstance(v, Interval) else v for k, v in row.items()}
                for name, row in compared.iterrows()
            },
        }
    table = pd.concat(tables, names=["split"]) if tables else pd.DataFrame()
    text = " — ".join(lines) or "the audio label experiment did not run"
    return AudioLabelIntervals(
        table, section, text, "; ".join(spreads) or "the audio label experiment did not run"
    )
