"""Scoring as the MediaEval 2017 task scores: per test movie, then averaged over movies.

Valence and arousal are scored by the mean squared error and Pearson's r between the predicted and
the annotated values of each 10 s window of a movie; the figures of a run are the means of the
per-movie figures. Fear is scored by the average precision of each movie's window scores and their
mean over movies (MAP), with precision, recall and F1 at a threshold beside it, because a model that
says "no fear" everywhere has a fine accuracy and a useless recall.

Step predictions (every 16/30 s) are first averaged back to the windows with
:meth:`emolib.media.alignment.Grid.to_rows` (:func:`to_windows`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from emolib.media.alignment import STEPS_2017, Grid

__all__ = [
    "VA_COLUMNS",
    "average_precision",
    "fear_scores",
    "mean_scores",
    "pearson",
    "precision_recall_f1",
    "precision_recall_curve",
    "to_windows",
    "va_scores",
]

VA_COLUMNS = ("valence", "arousal")
"""The two dimensions of the regression task, in the order of the model's outputs."""


def pearson(x: ArrayLike, y: ArrayLike) -> float:
    """Pearson's correlation coefficient of two equally long series.

    Returns
    -------
    float
        ``nan`` when either series is constant or shorter than 2 (r is undefined there; a
        constant predictor has no correlation to report, and averaging must not pretend it is 0).
    """
    a = np.asarray(x, dtype=np.float64).ravel()
    b = np.asarray(y, dtype=np.float64).ravel()
    if a.shape != b.shape:
        raise ValueError(f"series of different lengths: {a.size} and {b.size}")
    if a.size < 2:
        return float("nan")
    da, db = a - a.mean(), b - b.mean()
    denom = np.sqrt((da * da).sum() * (db * db).sum())
    if denom <= 1e-12 * max(1.0, a.size):
        return float("nan")
    return float(np.clip((da * db).sum() / denom, -1.0, 1.0))


def to_windows(step_values: ArrayLike, starts: ArrayLike, grid: Grid = STEPS_2017) -> NDArray[np.float64]:
    """Average per-step predictions back to the annotation rows of ``grid`` that start at ``starts``.

    Raises
    ------
    ValueError
        If a window overlaps no step (the predictions stop before the window starts).
    """
    out = grid.to_rows(step_values, starts)
    if np.isnan(out).any():
        raise ValueError("some windows overlap no predicted step: the predictions are too short")
    return out


def _check_movies(truth: Mapping[str, object], pred: Mapping[str, object]) -> list[str]:
    missing = sorted(set(truth) - set(pred))
    if missing:
        raise ValueError(f"no predictions for {', '.join(missing)}")
    if not truth:
        raise ValueError("nothing to score")
    return sorted(truth)


def va_scores(truth: Mapping[str, ArrayLike], pred: Mapping[str, ArrayLike]) -> pd.DataFrame:
    """MSE and Pearson r of valence and arousal for every movie.

    Parameters
    ----------
    truth, pred
        Movie name to its ``(n_windows, 2)`` window values (valence, arousal). Every movie of
        ``truth`` must be in ``pred`` with the same number of windows.

    Returns
    -------
    pandas.DataFrame
        Indexed by movie: ``mse_valence``, ``r_valence``, ``mse_arousal``, ``r_arousal``, ``n_windows``.
    """
    rows = []
    for name in _check_movies(truth, pred):
        t = np.asarray(truth[name], dtype=np.float64).reshape(-1, 2)
        p = np.asarray(pred[name], dtype=np.float64).reshape(-1, 2)
        if t.shape != p.shape:
            raise ValueError(f"{name}: {t.shape[0]} annotated windows but {p.shape[0]} predicted")
        row: dict[str, object] = {"movie": name}
        for j, col in enumerate(VA_COLUMNS):
            row[f"mse_{col}"] = float(np.mean((p[:, j] - t[:, j]) ** 2))
            row[f"r_{col}"] = pearson(p[:, j], t[:, j])
        row["n_windows"] = t.shape[0]
        rows.append(row)
    return pd.DataFrame(rows).set_index("movie")


def average_precision(labels: ArrayLike, scores: ArrayLike) -> float:
    """Average precision of ``scores`` ranking the positive ``labels`` (non-interpolated).

    ``AP = sum_k (R_k - R_{k-1}) P_k`` over the distinct score thresholds, from the highest down;
    tied scores enter together, as in scikit-learn's ``average_precision_score``.

    Returns
    -------
    float
        ``nan`` if there is no positive label (AP is undefined for a movie without fear).
    """
    y = np.asarray(labels, dtype=np.float64).ravel() > 0.5
    s = np.asarray(scores, dtype=np.float64).ravel()
    if y.shape != s.shape:
        raise ValueError(f"{y.size} labels but {s.size} scores")
    if not y.any():
        return float("nan")
    precision, recall, _ = precision_recall_curve(y, s)
    return float(np.sum(np.diff(recall[::-1], prepend=0.0) * precision[::-1]))


def precision_recall_curve(
    labels: ArrayLike, scores: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Precision and recall at every distinct threshold, highest threshold last.

    Returns
    -------
    precision, recall, thresholds
        ``precision[i]`` and ``recall[i]`` when predicting positive for ``scores >= thresholds[i]``;
        thresholds increase, so recall decreases along the arrays.
    """
    y = np.asarray(labels, dtype=np.float64).ravel() > 0.5
    s = np.asarray(scores, dtype=np.float64).ravel()
    order = np.argsort(-s, kind="mergesort")
    s, y = s[order], y[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(s)), s.size - 1]
    tp = np.cumsum(y)[last_of_tie]
    predicted = last_of_tie + 1
    precision = tp / predicted
    recall = tp / max(int(y.sum()), 1)
    return precision[::-1], recall[::-1], s[last_of_tie][::-1]


def precision_recall_f1(labels: ArrayLike, scores: ArrayLike, threshold: float = 0.5) -> dict[str, float]:
    """Precision, recall and F1 of ``scores >= threshold`` (0 where undefined, as a count of nothing)."""
    y = np.asarray(labels, dtype=np.float64).ravel() > 0.5
    hit = np.asarray(scores, dtype=np.float64).ravel() >= threshold
    tp = float(np.sum(hit & y))
    precision = tp / hit.sum() if hit.any() else 0.0
    recall = tp / y.sum() if y.any() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return {"precision": float(precision), "recall": float(recall), "f1": float(f1)}


def fear_scores(
    truth: Mapping[str, ArrayLike], pred: Mapping[str, ArrayLike], threshold: float = 0.5
) -> pd.DataFrame:
    """Average precision, precision, recall and F1 of the fear windows of every movie.

    Parameters
    ----------
    truth, pred
        Movie name to its window labels (0/1) and predicted fear probabilities.
    threshold
        Probability from which a window counts as predicted fear.

    Returns
    -------
    pandas.DataFrame
        Indexed by movie: ``ap`` (``nan`` for a movie without fear windows), ``precision``,
        ``recall``, ``f1``, ``positive_rate``, ``n_windows``.
    """
    rows = []
    for name in _check_movies(truth, pred):
        t = np.asarray(truth[name], dtype=np.float64).ravel()
        p = np.asarray(pred[name], dtype=np.float64).ravel()
        if t.shape != p.shape:
            raise ValueError(f"{name}: {t.size} annotated windows but {p.size} predicted")
        rows.append(
            {
                "movie": name,
                "ap": average_precision(t, p),
                **precision_recall_f1(t, p, threshold),
                "positive_rate": float(np.mean(t > 0.5)),
                "n_windows": t.size,
            }
        )
    return pd.DataFrame(rows).set_index("movie")


def mean_scores(per_movie: pd.DataFrame) -> dict[str, float]:
    """Means over movies of every score column (``nan`` entries skipped), as MediaEval averages runs.

    ``map`` is the mean of ``ap``; ``n_movies`` counts the movies and, for fear, ``n_movies_ap``
    the movies with at least one fear window.
    """
    out: dict[str, float] = {}
    for col in per_movie.columns:
        if col == "n_windows":
            continue
        values = per_movie[col].to_numpy(dtype=np.float64)
        out["map" if col == "ap" else col] = (
            float(np.nanmean(values)) if np.isfinite(values).any() else float("nan")
        )
    out["n_movies"] = float(len(per_movie))
    if "ap" in per_movie:
        out["n_movies_ap"] = float(np.isfinite(per_movie["ap"].to_numpy(dtype=np.float64)).sum())
    return out
