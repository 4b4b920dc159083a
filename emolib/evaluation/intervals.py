"""Bootstrap intervals over the independent unit, paired differences against a baseline, verdicts.

A score computed on a test set is one draw; a reviewer asks how far it would move on another sample
of the same kind. The answer is a bootstrap **over the independent unit**: the test movies of Study A
(its windows are 10 s slices of the same films and strongly dependent), the screenings or films of
Study B (never its 30 s sequences). Resampling rows instead of units would pretend that every window
is a fresh observation and give intervals far too narrow.

How it is computed:

* A resample is a vector of **unit multiplicities** (how often each unit is drawn, summing to the
  number of units); :func:`resample_counts` draws all of them at once from a seeded
  :class:`numpy.random.Generator`, as an ``(n_resamples, n_units)`` matrix.
* A metric is evaluated on every resample at once from **per-unit sufficient statistics** weighted by
  the multiplicities, with no Python loop over resamples:

  - :func:`unit_mean`: the mean of per-unit scores (MediaEval scores each test movie, then averages);
  - :func:`pooled_mse`, :func:`pooled_mae`, :func:`pooled_pearson`: pooled over the rows of the drawn
    units, from per-unit sums (of squared errors; of ``x``, ``y``, ``x²``, ``y²``, ``xy``);
  - :func:`pooled_weighted_f1`: the support-weighted F1 of multi-label decisions, from per-unit
    true positives, false positives and false negatives of each label;
  - :func:`pooled_auc`: ROC AUC per label (or their macro mean) as a quadratic form of the
    multiplicities: the Mann-Whitney count of every (positive, negative) pair of rows, summed per
    pair of units.

  :func:`bootstrap_loop` is the generic fallback for any metric callable: it builds every resampled
  data set and calls the metric on it, one resample at a time (slow: seconds to minutes for 10,000
  resamples, against milliseconds for the vectorised metrics). Given the same seed it draws the same
  multiplicities, so both paths give the same interval.
* :func:`bootstrap` gives the percentile interval of one metric; :func:`paired_bootstrap` the interval
  of the difference model − baseline computed on the **same** resamples (the pairing removes the
  variance the two share: which units happened to be in the test set).
* :func:`verdict` reads a paired interval: "beats the baseline" only when it excludes 0 in the
  favourable direction (:data:`HIGHER_IS_BETTER` gives the direction of the usual metrics), "worse
  than the baseline" when it excludes 0 the other way, otherwise "not distinguishable from the
  baseline on this sample".
* :func:`compare_label_predictors`: every multi-label predictor's weighted F1 and macro AUC with
  their intervals, and each one's paired difference and verdict against a reference predictor.
* :func:`mean_sd`: mean ± standard deviation over seeds or folds, which measures the spread of the
  *training* (initialisation, fold assignment), not the sampling of the test units.

A resample whose metric is undefined (a Pearson r with a constant side, an AUC of a label without
positives among the drawn units) is left out of the percentiles and counted in
:attr:`Interval.n_undefined`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "BEATS",
    "DEFAULT_LEVEL",
    "DEFAULT_RESAMPLES",
    "HIGHER_IS_BETTER",
    "UNDECIDED",
    "WORSE",
    "Interval",
    "MeanSD",
    "UnitMetric",
    "bootstrap",
    "MIN_UNITS",
    "bootstrap_loop",
    "bounds_text",
    "compare_label_predictors",
    "higher_is_better",
    "mean_sd",
    "paired_bootstrap",
    "pooled_auc",
    "pooled_mae",
    "pooled_mse",
    "pooled_pearson",
    "pooled_weighted_f1",
    "resample_counts",
    "unit_mean",
    "verdict",
]

BEATS = "beats the baseline"
"""Verdict when the paired interval of model − baseline excludes 0 in the favourable direction."""
WORSE = "worse than the baseline"
"""Verdict when the paired interval excludes 0 in the unfavourable direction."""
UNDECIDED = "not distinguishable from the baseline on this sample"
"""Verdict when the paired interval contains 0."""

HIGHER_IS_BETTER: dict[str, bool] = {
    "r": True,
    "pearson": True,
    "f1": True,
    "auc": True,
    "ap": True,
    "map": True,
    "precision": True,
    "recall": True,
    "accuracy": True,
    "mse": False,
    "mae": False,
    "rmse": False,
}
"""Direction of the usual metrics: ``True`` where a higher value is better."""

DEFAULT_RESAMPLES = 10_000
"""Resamples drawn unless told otherwise."""
DEFAULT_LEVEL = 0.95
"""Coverage of the intervals unless told otherwise."""
MIN_UNITS = 5
"""Fewest independent units with a defined score for an interval: below, a percentile bootstrap has
only a handful of distinct resamples and its interval would claim a certainty it does not have."""


def higher_is_better(metric: str) -> bool:
    """Whether a higher value of ``metric`` is better, from its name.

    The name is matched case-insensitively against :data:`HIGHER_IS_BETTER`, first whole, then by its
    first word before ``_`` (``"f1_weighted"``, ``"mse_valence"``, ``"auc_macro"``).

    Raises
    ------
    ValueError
        For a name whose direction is not known.
    """
    key = metric.lower()
    for candidate in (key, key.split("_")[0]):
        if candidate in HIGHER_IS_BETTER:
            return HIGHER_IS_BETTER[candidate]
    raise ValueError(f"direction of metric {metric!r} unknown: name one of {sorted(HIGHER_IS_BETTER)}")


# ---------------------------------------------------------------------------------------------------
# Resamples


def resample_counts(n_units: int, n_resamples: int = DEFAULT_RESAMPLES, seed: int = 0) -> NDArray[np.int64]:
    """Unit multiplicities of ``n_resamples`` bootstrap resamples, drawn at once.

    Parameters
    ----------
    n_units
        Number of independent units (test movies, screenings, films); at least 2.
    n_resamples
        Number of resamples.
    seed
        Seed of the :class:`numpy.random.Generator`: the same seed gives the same matrix.

    Returns
    -------
    numpy.ndarray
        ``(n_resamples, n_units)`` integers; each row sums to ``n_units`` (``n_units`` draws with
        replacement).

    Raises
    ------
    ValueError
        Fewer than 2 units or fewer than 1 resample.
    """
    if n_units < 2:
        raise ValueError(f"a bootstrap over units needs at least 2 units, got {n_units}")
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be at least 1, got {n_resamples}")
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, n_units, size=(n_resamples, n_units))
    flat = draws + n_units * np.arange(n_resamples)[:, None]
    return np.bincount(flat.ravel(), minlength=n_resamples * n_units).reshape(n_resamples, n_units)


# ---------------------------------------------------------------------------------------------------
# Metrics as functions of unit multiplicities


class UnitMetric(Protocol):
    """A metric that can be evaluated for many unit multiplicities at once.

    ``units`` names the units in the order of the multiplicities' columns; calling the metric with a
    ``(n_resamples, n_units)`` matrix returns ``(n_resamples,)`` values (``nan`` where undefined). A row
    of ones gives the metric on the sample itself.
    """

    units: NDArray

    def __call__(self, counts: NDArray) -> NDArray[np.float64]:
        """Metric values, one per row of ``counts``."""
        ...


@dataclass(frozen=True)
class _LinearMetric:
    """A metric of the multiplicity-weighted sums of per-unit statistics: ``finish(counts @ stats)``."""

    units: NDArray
    stats: NDArray[np.float64]  # (n_units, k)
    finish: Callable[[NDArray[np.float64]], NDArray[np.float64]]  # (n, k) -> (n,)

    def __call__(self, counts: NDArray) -> NDArray[np.float64]:
        sums = np.asarray(counts, dtype=np.float64) @ self.stats
        return np.asarray(self.finish(sums), dtype=np.float64)


@dataclass(frozen=True)
class _AucMetric:
    """ROC AUC per label as a quadratic form of the multiplicities (see :func:`pooled_auc`)."""

    units: NDArray
    pairs: NDArray[
        np.float64
    ]  # (labels, n_units, n_units): Mann-Whitney counts, positives of u vs negatives of v
    positives: NDArray[np.float64]  # (n_units, labels)
    negatives: NDArray[np.float64]  # (n_units, labels)
    label: int | None  # None: macro mean over labels

    def per_label(self, counts: NDArray) -> NDArray[np.float64]:
        """AUC of every label, ``(n_resamples, labels)``, ``nan`` where a class is missing."""
        c = np.asarray(counts, dtype=np.float64)
        n_labels, n_units = self.pairs.shape[:2]
        # c @ M_l @ c for every label l: one matrix product (B, U) @ (U, L·U), then a row-wise dot
        left = (c @ self.pairs.transpose(1, 0, 2).reshape(n_units, n_labels * n_units)).reshape(
            len(c), n_labels, n_units
        )
        numerator = np.einsum("blv,bv->bl", left, c)
        denominator = (c @ self.positives) * (c @ self.negatives)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(denominator > 0, numerator / np.where(denominator > 0, denominator, 1), np.nan)

    def __call__(self, counts: NDArray) -> NDArray[np.float64]:
        auc = self.per_label(counts)
        if self.label is not None:
            return auc[:, self.label]
        defined = np.isfinite(auc)
        total = np.where(defined, auc, 0.0).sum(axis=1)
        n = defined.sum(axis=1)
        return np.where(n > 0, total / np.maximum(n, 1), np.nan)


def _encode_units(units: ArrayLike, n_rows: int) -> tuple[NDArray, NDArray[np.intp]]:
    """Unit names (sorted) and each row's unit index; checks lengths and the number of units."""
    u = np.asarray(units)
    if u.ndim != 1 or len(u) != n_rows:
        raise ValueError(f"units must give one unit per row: {u.shape} units for {n_rows} rows")
    names, codes = np.unique(u, return_inverse=True)
    if len(names) < 2:
        raise ValueError(f"a bootstrap over units needs at least 2 units, got {len(names)}")
    return names, codes.astype(np.intp)


def _pair(y_true: ArrayLike, y_pred: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    y, p = np.asarray(y_true, dtype=np.float64), np.asarray(y_pred, dtype=np.float64)
    if y.shape != p.shape:
        raise ValueError(f"y_true and y_pred differ in shape: {y.shape} and {p.shape}")
    if y.ndim == 0 or len(y) == 0:
        raise ValueError("y_true and y_pred are empty")
    if not (np.isfinite(y).all() and np.isfinite(p).all()):
        raise ValueError("y_true and y_pred must be finite")
    return y, p


def _per_unit_sums(values: NDArray[np.float64], codes: NDArray[np.intp], n_units: int) -> NDArray[np.float64]:
    """Sum of ``values`` (rows × k) within each unit: ``(n_units, k)``."""
    out = np.zeros((n_units, values.shape[1]))
    np.add.at(out, codes, values)
    return out


def _ratio(sums: NDArray[np.float64]) -> NDArray[np.float64]:
    return sums[:, 0] / sums[:, 1]


def unit_mean(scores: ArrayLike, units: ArrayLike | None = None) -> UnitMetric:
    """The mean of one score per unit (MediaEval: score each test movie, then average the movies).

    Parameters
    ----------
    scores
        One finite score per unit.
    units
        Their names (default ``0 … n-1``); must be distinct.

    Returns
    -------
    UnitMetric
        The multiplicity-weighted mean of ``scores``.

    Raises
    ------
    ValueError
        Fewer than 2 units, non-finite scores, repeated or mismatched unit names.
    """
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim != 1 or len(s) < 2:
        raise ValueError(f"unit_mean needs one score per unit and at least 2 units, got shape {s.shape}")
    if not np.isfinite(s).all():
        raise ValueError("unit_mean needs finite scores (leave undefined units out first)")
    names = np.arange(len(s)) if units is None else np.asarray(units)
    if names.shape != s.shape or len(np.unique(names)) != len(names):
        raise ValueError(f"units must name each of the {len(s)} scores once, got {names.shape}")
    return _LinearMetric(names, np.column_stack([s, np.ones_like(s)]), _ratio)


def pooled_mse(y_true: ArrayLike, y_pred: ArrayLike, units: ArrayLike) -> UnitMetric:
    """Mean squared error over all rows of the drawn units (a unit drawn twice counts twice).

    Parameters
    ----------
    y_true, y_pred
        One value per row (1-D) or several per row (2-D, averaged over the columns too).
    units
        The independent unit of every row (e.g. the movie of each window).
    """
    y, p = _pair(y_true, y_pred)
    names, codes = _encode_units(units, len(y))
    err = ((y - p) ** 2).reshape(len(y), -1)
    stats = _per_unit_sums(
        np.column_stack([err.sum(axis=1), np.full(len(y), err.shape[1])]), codes, len(names)
    )
    return _LinearMetric(names, stats, _ratio)


def pooled_mae(y_true: ArrayLike, y_pred: ArrayLike, units: ArrayLike) -> UnitMetric:
    """Mean absolute error over all rows of the drawn units; arguments as :func:`pooled_mse`."""
    y, p = _pair(y_true, y_pred)
    names, codes = _encode_units(units, len(y))
    err = np.abs(y - p).reshape(len(y), -1)
    stats = _per_unit_sums(
        np.column_stack([err.sum(axis=1), np.full(len(y), err.shape[1])]), codes, len(names)
    )
    return _LinearMetric(names, stats, _ratio)


def _pearson_finish(s: NDArray[np.float64]) -> NDArray[np.float64]:
    n, sx, sy, sxx, syy, sxy = s.T
    vx, vy = sxx - sx * sx / n, syy - sy * sy / n
    cov = sxy - sx * sy / n
    # a side that is constant (up to rounding) has no correlation: nan, as emolib.studya.scoring.pearson
    defined = (vx > 1e-12 * np.maximum(sxx, 1e-300)) & (vy > 1e-12 * np.maximum(syy, 1e-300))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(defined, cov / np.sqrt(np.where(defined, vx * vy, 1.0)), np.nan)


def pooled_pearson(y_true: ArrayLike, y_pred: ArrayLike, units: ArrayLike) -> UnitMetric:
    """Pearson r over all rows of the drawn units, from per-unit sums of x, y, x², y², xy.

    ``nan`` for a resample in which either side is constant. For the MediaEval convention (r of each
    movie, then the mean over movies) score each unit first and use :func:`unit_mean`.
    """
    y, p = _pair(y_true, y_pred)
    if y.ndim != 1:
        raise ValueError(f"pooled_pearson takes one value per row, got shape {y.shape}")
    names, codes = _encode_units(units, len(y))
    rows = np.column_stack([np.ones_like(y), y, p, y * y, p * p, y * p])
    return _LinearMetric(names, _per_unit_sums(rows, codes, len(names)), _pearson_finish)


def _weighted_f1_finish(n_labels: int) -> Callable[[NDArray[np.float64]], NDArray[np.float64]]:
    def finish(s: NDArray[np.float64]) -> NDArray[np.float64]:
        tp, fp, fn = (s[:, k * n_labels : (k + 1) * n_labels] for k in range(3))
        denominator = 2 * tp + fp + fn
        f1 = np.where(denominator > 0, 2 * tp / np.where(denominator > 0, denominator, 1), 0.0)
        support = tp + fn
        total = support.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(total > 0, (f1 * support).sum(axis=1) / np.where(total > 0, total, 1), np.nan)

    return finish


def pooled_weighted_f1(y_true: ArrayLike, y_pred: ArrayLike, units: ArrayLike) -> UnitMetric:
    """Support-weighted F1 of multi-label 0/1 decisions, from per-unit TP, FP, FN of every label.

    The same figure as the ``weighted avg`` row of :func:`emolib.studyb.metrics.label_report`: per label
    ``F1 = 2 TP / (2 TP + FP + FN)`` (0 when undefined), weighted by its support ``TP + FN``.

    Parameters
    ----------
    y_true, y_pred
        0/1 arrays ``(rows, labels)`` (a 1-D array is one label).
    units
        The independent unit of every row (film or screening).
    """
    y, p = _pair(y_true, y_pred)
    y, p = y.reshape(len(y), -1), p.reshape(len(p), -1)
    if not (np.isin(y, (0, 1)).all() and np.isin(p, (0, 1)).all()):
        raise ValueError("pooled_weighted_f1 takes 0/1 decisions (threshold the scores first)")
    names, codes = _encode_units(units, len(y))
    rows = np.column_stack([y * p, (1 - y) * p, y * (1 - p)])
    return _LinearMetric(names, _per_unit_sums(rows, codes, len(names)), _weighted_f1_finish(y.shape[1]))


def pooled_auc(
    y_true: ArrayLike, scores: ArrayLike, units: ArrayLike, label: int | None = None
) -> UnitMetric:
    """ROC AUC over the rows of the drawn units: one label's, or the macro mean over labels.

    AUC is the share of (positive, negative) pairs of rows that the scores order correctly (ties count
    ½). With unit multiplicities ``c``, its numerator is ``c @ M @ c`` where ``M[u, v]`` counts those
    pairs between the positives of unit ``u`` and the negatives of unit ``v``, and its denominator the
    product of the drawn positives and negatives: one quadratic form per resample, no loop.

    Parameters
    ----------
    y_true
        0/1 targets, ``(rows,)`` or ``(rows, labels)``.
    scores
        Scores of the same shape (any monotone scale: probabilities, logits).
    units
        The independent unit of every row.
    label
        Column to score; ``None``: the mean AUC over the labels that have both classes in the resample
        (as :func:`emolib.studyb.metrics.mean_auc`), ``nan`` if none has.
    """
    y, s = _pair(y_true, scores)
    y, s = y.reshape(len(y), -1), s.reshape(len(s), -1)
    if not np.isin(y, (0, 1)).all():
        raise ValueError("pooled_auc takes 0/1 targets")
    if label is not None and not 0 <= label < y.shape[1]:
        raise ValueError(f"label {label} out of range for {y.shape[1]} labels")
    names, codes = _encode_units(units, len(y))
    n_units, n_labels = len(names), y.shape[1]
    pairs = np.zeros((n_labels, n_units, n_units))
    for j in range(n_labels):
        pos, neg = y[:, j] == 1, y[:, j] == 0
        pos_scores, pos_units = s[pos, j], codes[pos]
        for v in range(n_units):
            negatives = np.sort(s[neg & (codes == v), j])
            if len(negatives) == 0 or len(pos_scores) == 0:
                continue
            below = np.searchsorted(negatives, pos_scores, side="left")
            tied = np.searchsorted(negatives, pos_scores, side="right") - below
            pairs[j, :, v] = np.bincount(pos_units, weights=below + 0.5 * tied, minlength=n_units)
    positives = _per_unit_sums(y, codes, n_units)
    negatives = _per_unit_sums(1 - y, codes, n_units)
    return _AucMetric(names, pairs, positives, negatives, label)


# ---------------------------------------------------------------------------------------------------
# Intervals


@dataclass(frozen=True)
class Interval:
    """A percentile bootstrap interval.

    Attributes
    ----------
    estimate
        The metric on the sample itself (every unit once).
    low, high
        The interval's bounds (``nan`` when no resample was defined).
    level
        Its coverage, e.g. 0.95.
    n_units
        Independent units resampled.
    n_resamples
        Resamples drawn.
    n_undefined
        Resamples on which the metric was undefined, left out of the percentiles.
    """

    estimate: float
    low: float
    high: float
    level: float
    n_units: int
    n_resamples: int
    n_undefined: int = 0

    @property
    def width(self) -> float:
        """``high - low``."""
        return self.high - self.low

    def excludes_zero(self) -> bool:
        """Whether 0 lies outside ``[low, high]``."""
        return bool(self.low > 0 or self.high < 0)

    def format(self, digits: int = 2) -> str:
        """``"0.42 [0.30, 0.55]"``."""
        return f"{self.estimate:.{digits}f} [{self.low:.{digits}f}, {self.high:.{digits}f}]"

    def __str__(self) -> str:
        return self.format()


def bounds_text(
    estimate: float, low: float = float("nan"), high: float = float("nan"), signed: bool = False
) -> str:
    """``"0.902 [0.851, 0.950]"``: three decimals, the bounds only when they are finite, ``"n/a"`` for a
    missing estimate; ``signed`` writes ``+``/``-`` signs (for differences)."""

    def number(value: float) -> str:
        return f"{value:+.3f}" if signed else f"{value:.3f}"

    if not np.isfinite(estimate):
        return "n/a"
    if np.isfinite(low) and np.isfinite(high):
        return f"{number(estimate)} [{number(low)}, {number(high)}]"
    return number(estimate)


def _check_level(level: float) -> None:
    if not 0 < level < 1:
        raise ValueError(f"level must lie strictly between 0 and 1, got {level}")


def _interval(estimate: float, values: NDArray[np.float64], level: float, n_units: int) -> Interval:
    finite = values[np.isfinite(values)]
    tail = (1 - level) / 2
    if len(finite):
        low, high = (float(q) for q in np.quantile(finite, [tail, 1 - tail]))
    else:
        low = high = float("nan")
    return Interval(float(estimate), low, high, level, n_units, len(values), len(values) - len(finite))


def bootstrap(
    metric: UnitMetric, n_resamples: int = DEFAULT_RESAMPLES, level: float = DEFAULT_LEVEL, seed: int = 0
) -> Interval:
    """Percentile bootstrap interval of a metric over its independent units.

    Parameters
    ----------
    metric
        Built by :func:`unit_mean`, :func:`pooled_mse`, :func:`pooled_mae`, :func:`pooled_pearson`,
        :func:`pooled_weighted_f1` or :func:`pooled_auc`.
    n_resamples
        Resamples (10,000 of 50 units take milliseconds).
    level
        Coverage of the interval.
    seed
        Seed of the resamples: the same seed gives the same interval.

    Returns
    -------
    Interval
    """
    _check_level(level)
    n_units = len(metric.units)
    counts = resample_counts(n_units, n_resamples, seed)
    estimate = metric(np.ones((1, n_units)))[0]
    return _interval(estimate, metric(counts), level, n_units)


def paired_bootstrap(
    model: UnitMetric,
    baseline: UnitMetric,
    n_resamples: int = DEFAULT_RESAMPLES,
    level: float = DEFAULT_LEVEL,
    seed: int = 0,
) -> Interval:
    """Percentile interval of ``model − baseline``, both evaluated on the *same* resamples.

    Parameters
    ----------
    model, baseline
        The same metric of the two predictors, built on the same units (same rows, same targets).
    n_resamples, level, seed
        As :func:`bootstrap`.

    Returns
    -------
    Interval
        Of the difference; read it with :func:`verdict`.

    Raises
    ------
    ValueError
        When the two metrics are not over the same units.
    """
    _check_level(level)
    if len(model.units) != len(baseline.units) or not np.array_equal(model.units, baseline.units):
        raise ValueError(
            f"model and baseline must be scored on the same units: {len(model.units)} and "
            f"{len(baseline.units)} units, or different names"
        )
    n_units = len(model.units)
    counts = resample_counts(n_units, n_resamples, seed)
    ones = np.ones((1, n_units))
    estimate = model(ones)[0] - baseline(ones)[0]
    return _interval(estimate, model(counts) - baseline(counts), level, n_units)


def bootstrap_loop(
    metric: Callable[..., float],
    units: ArrayLike,
    *arrays: ArrayLike,
    n_resamples: int = DEFAULT_RESAMPLES,
    level: float = DEFAULT_LEVEL,
    seed: int = 0,
) -> Interval:
    """Generic, **slow** fallback: any metric callable, one resampled data set at a time.

    Every resample is built by repeating the rows of each unit as often as the unit is drawn (the
    multiplicities of :func:`resample_counts`, so the same seed draws the same resamples as the
    vectorised path) and ``metric(*resampled_arrays)`` is called on it: a Python loop over
    ``n_resamples``, seconds to minutes where the vectorised metrics take milliseconds. Use it for
    metrics without sufficient statistics (average precision, ...), with fewer resamples if need be.
    For a paired difference, pass a callable returning ``m(y, model) - m(y, baseline)``.

    Parameters
    ----------
    metric
        ``metric(*arrays) -> float``; may return ``nan`` (left out, counted as undefined).
    units
        The independent unit of every row.
    *arrays
        Row-aligned arrays (targets, predictions, ...), each with ``len(units)`` rows.
    n_resamples, level, seed
        As :func:`bootstrap`.

    Returns
    -------
    Interval
    """
    _check_level(level)
    if not arrays:
        raise ValueError("bootstrap_loop needs at least one array to resample")
    data = [np.asarray(a) for a in arrays]
    for a in data:
        if len(a) != len(data[0]):
            raise ValueError(f"arrays differ in length: {[len(a) for a in data]}")
    names, codes = _encode_units(units, len(data[0]))
    rows_of = [np.flatnonzero(codes == u) for u in range(len(names))]
    counts = resample_counts(len(names), n_resamples, seed)
    values = np.empty(n_resamples)
    for b, row in enumerate(counts):
        index = np.concatenate([np.tile(rows_of[u], k) for u, k in enumerate(row) if k])
        values[b] = metric(*(a[index] for a in data))
    return _interval(float(metric(*data)), values, level, len(names))


def verdict(difference: Interval, higher_better: bool | str) -> str:
    """Read a paired interval of model − baseline.

    Parameters
    ----------
    difference
        From :func:`paired_bootstrap` (or :func:`bootstrap_loop` of a difference).
    higher_better
        The metric's direction, or its name (``"f1"``, ``"auc"``, ``"mse"``, ... see
        :func:`higher_is_better`).

    Returns
    -------
    str
        :data:`BEATS` when the interval excludes 0 on the favourable side, :data:`WORSE` when it
        excludes 0 on the other, otherwise :data:`UNDECIDED` (also when it is undefined).
    """
    higher = higher_is_better(higher_better) if isinstance(higher_better, str) else bool(higher_better)
    if not (np.isfinite(difference.low) and np.isfinite(difference.high)):
        return UNDECIDED
    if difference.low > 0:
        return BEATS if higher else WORSE
    if difference.high < 0:
        return WORSE if higher else BEATS
    return UNDECIDED


# ---------------------------------------------------------------------------------------------------
# Over seeds and folds


@dataclass(frozen=True)
class MeanSD:
    """Mean and sample standard deviation (``ddof=1``) of a score over seeds or folds."""

    mean: float
    sd: float
    n: int

    def format(self, digits: int = 2) -> str:
        """``"0.42 ± 0.03"`` (``sd`` is ``nan`` for a single value)."""
        return f"{self.mean:.{digits}f} ± {self.sd:.{digits}f}"

    def __str__(self) -> str:
        return self.format()


def mean_sd(values: Sequence[float] | ArrayLike) -> MeanSD:
    """Mean ± standard deviation of one score over seeds or folds (``nan`` values skipped).

    Raises
    ------
    ValueError
        When no finite value is given.
    """
    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[np.isfinite(v)]
    if len(v) == 0:
        raise ValueError("mean_sd needs at least one finite value")
    sd = float(np.std(v, ddof=1)) if len(v) > 1 else float("nan")
    return MeanSD(float(np.mean(v)), sd, len(v))


# ---------------------------------------------------------------------------------------------------
# Several predictors of multi-label targets against one reference


def compare_label_predictors(
    y_true: ArrayLike,
    units: ArrayLike,
    scores: dict[str, ArrayLike],
    decisions: dict[str, ArrayLike],
    reference: str,
    n_resamples: int = DEFAULT_RESAMPLES,
    level: float = DEFAULT_LEVEL,
    seed: int = 0,
) -> pd.DataFrame:
    """Weighted F1 and macro AUC of every predictor with intervals, and its verdict against ``reference``.

    All intervals use the same resamples of the units (one seed), so the paired differences are
    differences on the same resampled test sets.

    Parameters
    ----------
    y_true
        0/1 targets ``(rows, labels)``.
    units
        The independent unit of every row (the film of each test sequence, say).
    scores
        Predictor name to its scores ``(rows, labels)`` (for the AUC).
    decisions
        Predictor name to its 0/1 decisions (for the F1); the same names as ``scores``.
    reference
        The predictor the others are compared with (a baseline).
    n_resamples, level, seed
        As :func:`bootstrap`.

    Returns
    -------
    pandas.DataFrame
        Index: predictor (``reference`` first). Columns, for ``metric`` in ``f1`` and ``auc``:
        ``metric`` (the :class:`Interval`), ``metric_diff`` (the :class:`Interval` of predictor −
        reference, ``None`` for the reference) and ``metric_verdict`` (:func:`verdict`, empty for the
        reference).

    Raises
    ------
    ValueError
        A reference without scores, different predictor names, fewer than 2 units, bad shapes.
    """
    if set(scores) != set(decisions) or reference not in scores:
        raise ValueError(
            f"scores and decisions must name the same predictors, {reference!r} among them: "
            f"{sorted(scores)} and {sorted(decisions)}"
        )
    built = {
        "f1": {k: pooled_weighted_f1(y_true, decisions[k], units) for k in decisions},
        "auc": {k: pooled_auc(y_true, scores[k], units) for k in scores},
    }
    names = [reference, *(k for k in scores if k != reference)]
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
