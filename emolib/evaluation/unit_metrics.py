"""Metrics of unit multiplicities: each evaluated on thousands of bootstrap resamples at once.

A bootstrap resample (:func:`emolib.evaluation.intervals.resample_counts`) is a vector of unit
multiplicities; every metric here is built once from per-unit sufficient statistics and then computed
for a whole ``(n_resamples, n_units)`` matrix of them, with no Python loop over resamples:

- :func:`unit_mean`: the mean of per-unit scores (MediaEval scores each test movie, then averages);
- :func:`pooled_error` (:func:`pooled_mse`, :func:`pooled_mae`), :func:`pooled_pearson`: pooled over
  the rows of the drawn units, from per-unit sums (of errors; of ``x``, ``y``, ``x²``, ``y²``, ``xy``);
- :func:`pooled_weighted_f1`: the support-weighted F1 of multi-label decisions, from per-unit true
  positives, false positives and false negatives of each label (pooled counts: the right pooling for
  F1, also over the folds of a sweep);
- :func:`pooled_auc`: ROC AUC per label (or their macro mean) over the rows of the drawn units, as a
  quadratic form of the multiplicities (the Mann-Whitney count of every pair of rows, summed per pair of
  units). It ranks rows of different units against each other, so its rows must come from **one
  model**: the scores of two models (two folds of a one-movie-out sweep) live on scales of their own;
- :func:`unit_auc`: for rows from several models, the macro AUC **within** each unit (each unit's rows
  come from one model), then the mean over units (Forman and Scholz, "Apples-to-apples in
  cross-validation studies", 2010: pooled counts are right for F1, pooled scores are wrong for AUC). A
  predictor that is constant within a unit scores exactly 0.5 there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from emolib.evaluation.intervals import UnitMetric, encode_units

__all__ = [
    "pooled_auc",
    "pooled_error",
    "pooled_mae",
    "pooled_mse",
    "pooled_pearson",
    "pooled_weighted_f1",
    "unit_auc",
    "unit_mean",
]


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


def pooled_error(
    y_true: ArrayLike, y_pred: ArrayLike, units: ArrayLike, absolute: bool = False
) -> UnitMetric:
    """Mean squared (or absolute) error over all rows of the drawn units (a unit drawn twice counts twice).

    Parameters
    ----------
    y_true, y_pred
        One value per row (1-D) or several per row (2-D, averaged over the columns too).
    units
        The independent unit of every row (e.g. the movie of each window).
    absolute
        The absolute error instead of the squared one.
    """
    y, p = _pair(y_true, y_pred)
    names, codes = encode_units(units, len(y))
    err = (np.abs(y - p) if absolute else (y - p) ** 2).reshape(len(y), -1)
    stats = _per_unit_sums(
        np.column_stack([err.sum(axis=1), np.full(len(y), err.shape[1])]), codes, len(names)
    )
    return _LinearMetric(names, stats, _ratio)


def pooled_mse(y_true: ArrayLike, y_pred: ArrayLike, units: ArrayLike) -> UnitMetric:
    """Mean squared error over the rows of the drawn units (:func:`pooled_error`)."""
    return pooled_error(y_true, y_pred, units)


def pooled_mae(y_true: ArrayLike, y_pred: ArrayLike, units: ArrayLike) -> UnitMetric:
    """Mean absolute error over the rows of the drawn units (:func:`pooled_error`)."""
    return pooled_error(y_true, y_pred, units, absolute=True)


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
    names, codes = encode_units(units, len(y))
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
    names, codes = encode_units(units, len(y))
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
    names, codes = encode_units(units, len(y))
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


def _macro_auc(y: NDArray[np.float64], s: NDArray[np.float64]) -> float:
    """Mean ROC AUC over the labels with both classes among these rows (ties count ½); ``nan`` if none."""
    values = []
    for j in range(y.shape[1]):
        pos, neg = s[y[:, j] == 1, j], np.sort(s[y[:, j] == 0, j])
        if len(pos) and len(neg):
            below = np.searchsorted(neg, pos, side="left")
            tied = np.searchsorted(neg, pos, side="right") - below
            values.append(float((below + 0.5 * tied).sum()) / (len(pos) * len(neg)))
    return float(np.mean(values)) if values else float("nan")


def unit_auc(
    y_true: ArrayLike, scores: ArrayLike, units: ArrayLike, models: ArrayLike | None = None
) -> UnitMetric:
    """The macro ROC AUC within each unit, then the mean over the drawn units.

    For predictions of several models (the folds of a one-movie-out or one-screening-out sweep), whose
    scores are on scales of their own: every ranking compares rows of one unit, predicted by one model.
    A unit whose rows come from several models is scored within each model and averaged. A unit with no
    label of both classes has no AUC and is left out (its multiplicity does not count).

    Parameters
    ----------
    y_true
        0/1 targets, ``(rows,)`` or ``(rows, labels)``.
    scores
        Scores of the same shape.
    units
        The independent unit of every row (the held-out film, the screening).
    models
        The model of every row (``None``: one model).

    Returns
    -------
    UnitMetric
        The multiplicity-weighted mean of the defined per-unit AUCs (``nan`` when no drawn unit has one).
    """
    y, s = _pair(y_true, scores)
    y, s = y.reshape(len(y), -1), s.reshape(len(s), -1)
    if not np.isin(y, (0, 1)).all():
        raise ValueError("unit_auc takes 0/1 targets")
    names, codes = encode_units(units, len(y))
    model_of = (
        np.zeros(len(y), dtype=int)
        if models is None
        else np.unique(np.asarray(models), return_inverse=True)[1]
    )
    stats = np.zeros((len(names), 2))
    for u in range(len(names)):
        rows = codes == u
        per_model = [
            _macro_auc(y[rows & (model_of == m)], s[rows & (model_of == m)])
            for m in np.unique(model_of[rows])
        ]
        defined = [v for v in per_model if np.isfinite(v)]
        if defined:
            stats[u] = (float(np.mean(defined)), 1.0)
    return _LinearMetric(names, stats, _defined_ratio)


def _defined_ratio(sums: NDArray[np.float64]) -> NDArray[np.float64]:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(sums[:, 1] > 0, sums[:, 0] / np.where(sums[:, 1] > 0, sums[:, 1], 1), np.nan)
