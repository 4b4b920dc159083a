"""Scores of Study B and the baselines every model is put beside.

Scene labels: per-label precision, recall and F1 and their **support-weighted** averages (the
paper's metric: each label weighs as much as it has positive test sequences). Because of that
weighting, the predictor that switches every label on scores well whenever labels are common
(recall 1, precision = prevalence), so a model must be judged against it (:func:`all_on_scores`).

Decision thresholds: the paper rounds the sigmoid at 0.5. :func:`choose_thresholds` picks one
threshold per label that maximises F1 on the *validation* part; it never sees the test part.

Ranking: ROC AUC per label (:func:`label_aucs`) and their mean over the labels that have both
classes (:func:`mean_auc`, the macro AUC), independent of any threshold.

Compounds: mean absolute error per compound and overall, beside the per-compound training mean and
training median (the best constant under absolute error).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from sklearn.metrics import roc_auc_score

__all__ = [
    "THRESHOLD_GRID",
    "all_on_scores",
    "binarise",
    "choose_thresholds",
    "label_aucs",
    "label_report",
    "mae_report",
    "prevalence_scores",
    "summary",
    "training_mean",
    "training_median",
]

THRESHOLD_GRID: NDArray[np.float64] = np.round(np.arange(0.05, 0.951, 0.05), 2)
"""Candidate thresholds for :func:`choose_thresholds`."""


def binarise(scores: ArrayLike, thresholds: ArrayLike | float = 0.5) -> NDArray[np.int8]:
    """Label decisions: 1 where ``scores >= thresholds`` (one per label, broadcast)."""
    return (np.asarray(scores) >= np.asarray(thresholds)).astype(np.int8)


def _f1(y: NDArray, pred: NDArray) -> float:
    tp = float(np.sum((y == 1) & (pred == 1)))
    denom = float(np.sum(y == 1) + np.sum(pred == 1))
    return 2 * tp / denom if denom else 0.0


def choose_thresholds(
    y_val: ArrayLike,
    scores_val: ArrayLike,
    grid: ArrayLike = THRESHOLD_GRID,
    default: float = 0.5,
    min_positives: int = 1,
    floor: float = 0.0,
) -> NDArray[np.float64]:
    """One decision threshold per label, maximising that label's F1 on validation data.

    Ties go to the threshold nearest ``default``; a label with fewer than ``min_positives`` positive
    validation sequences keeps ``default`` (with none, F1 is 0 whatever the threshold; with one or
    two, the best threshold is whatever happens to rank those few first).

    Parameters
    ----------
    y_val
        0/1 targets of the validation part, ``(n, labels)``.
    scores_val
        Model scores on the same samples.
    grid
        Candidate thresholds.
    default
        The paper's rule, 0.5.
    min_positives
        Fewest positive validation sequences for a label's threshold to be chosen (at least 1).
    floor
        Lowest threshold that may be chosen: a rare label whose validation F1 is best when it is
        switched on almost everywhere is not allowed to become an all-on predictor on the test part.

    Returns
    -------
    numpy.ndarray
        ``(labels,)`` thresholds.
    """
    y = np.asarray(y_val)
    s = np.asarray(scores_val, dtype=np.float64)
    candidates = np.asarray(grid, dtype=np.float64)
    candidates = candidates[candidates >= floor]
    if not len(candidates):
        raise ValueError(f"no candidate threshold is at or above the floor {floor}")
    order = np.argsort(np.abs(candidates - default), kind="stable")  # nearest to default first
    out = np.full(y.shape[1], default)
    for j in range(y.shape[1]):
        if np.sum(y[:, j] == 1) < max(1, int(min_positives)):
            continue
        f1 = [_f1(y[:, j], binarise(s[:, j], t)) for t in candidates[order]]
        out[j] = candidates[order][int(np.argmax(f1))]
    return out


def label_report(y_true: ArrayLike, y_pred: ArrayLike, names: list[str]) -> pd.DataFrame:
    """Per-label precision, recall, F1 and support, plus the support-weighted average row.

    Parameters
    ----------
    y_true, y_pred
        0/1 arrays ``(n, labels)``.
    names
        Label names.

    Returns
    -------
    pandas.DataFrame
        Index: the labels then ``weighted avg``; columns ``precision``, ``recall``, ``f1``,
        ``support``. Undefined ratios (no positive prediction or no positive target) count as 0,
        as in the paper.
    """
    y, p = np.asarray(y_true).reshape(len(y_true), -1), np.asarray(y_pred).reshape(len(y_pred), -1)
    if y.shape != p.shape or y.shape[1] != len(names):
        raise ValueError(f"y_true {y.shape}, y_pred {p.shape} and {len(names)} names do not match")
    # counted by hand: scikit-learn reads a single-label (n, 1) indicator as one binary column of
    # classes 0/1, which would score a lone kept label as class 0 with no support
    tp = np.sum((y == 1) & (p == 1), axis=0)
    fp = np.sum((y != 1) & (p == 1), axis=0)
    sup = np.sum(y == 1, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        prec = np.where(tp + fp > 0, tp / np.maximum(tp + fp, 1), 0.0)
        rec = np.where(sup > 0, tp / np.maximum(sup, 1), 0.0)
        f1 = np.where(prec + rec > 0, 2 * prec * rec / np.where(prec + rec > 0, prec + rec, 1), 0.0)
    table = pd.DataFrame({"precision": prec, "recall": rec, "f1": f1, "support": sup}, index=list(names))
    total = sup.sum()
    weights = sup / total if total else np.zeros_like(sup, dtype=float)
    avg = {k: float(np.sum(table[k] * weights)) for k in ("precision", "recall", "f1")}
    table.loc["weighted avg"] = [avg["precision"], avg["recall"], avg["f1"], total]
    table["support"] = table["support"].astype(int)
    return table


def label_aucs(y_true: ArrayLike, scores: ArrayLike) -> NDArray[np.float64]:
    """ROC AUC of every label, ``nan`` for a label without both classes in ``y_true``."""
    y, s = np.asarray(y_true), np.asarray(scores)
    return np.array(
        [roc_auc_score(y[:, j], s[:, j]) if 0 < y[:, j].sum() < len(y) else np.nan for j in range(y.shape[1])]
    )


def mean_auc(y_true: ArrayLike, scores: ArrayLike) -> float:
    """Mean ROC AUC over the labels that have both classes in ``y_true`` (NaN if none)."""
    y, s = np.asarray(y_true), np.asarray(scores)
    aucs = [roc_auc_score(y[:, j], s[:, j]) for j in range(y.shape[1]) if 0 < y[:, j].sum() < len(y)]
    return float(np.mean(aucs)) if aucs else float("nan")


def prevalence_scores(y_train: ArrayLike, n: int) -> NDArray[np.float64]:
    """Baseline: every sample scores each label's training prevalence."""
    prevalence = np.asarray(y_train, dtype=np.float64).mean(axis=0)
    return np.tile(prevalence, (n, 1))


def all_on_scores(n: int, n_labels: int) -> NDArray[np.float64]:
    """Baseline: every label switched on for every sample (score 1)."""
    return np.ones((n, n_labels))


def training_mean(y_train: ArrayLike, n: int) -> NDArray[np.float64]:
    """Baseline for the compounds: each compound's mean over the training part."""
    return np.tile(np.asarray(y_train, dtype=np.float64).mean(axis=0), (n, 1))


def training_median(y_train: ArrayLike, n: int) -> NDArray[np.float64]:
    """Baseline for the compounds: each compound's median over the training part.

    The best constant under mean absolute error: a model that learned nothing but a constant
    can beat the training mean by predicting the median, never this baseline.
    """
    return np.tile(np.median(np.asarray(y_train, dtype=np.float64), axis=0), (n, 1))


def mae_report(y_true: ArrayLike, y_pred: ArrayLike, names: list[str]) -> pd.Series:
    """Mean absolute error per compound and over all (``all``)."""
    err = np.abs(np.asarray(y_true, dtype=np.float64) - np.asarray(y_pred, dtype=np.float64))
    return pd.Series([*err.mean(axis=0), err.mean()], index=[*names, "all"], name="mae")


def summary(report: pd.DataFrame) -> dict[str, float]:
    """The weighted-average row of a :func:`label_report` as a plain dict."""
    row = report.loc["weighted avg"]
    return {"precision": float(row["precision"]), "recall": float(row["recall"]), "f1": float(row["f1"])}
