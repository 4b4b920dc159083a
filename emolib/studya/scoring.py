"""Scoring as the MediaEval 2017 task scores: per test movie, then averaged over movies.

Valence and arousal are scored by the mean squared error and Pearson's r between the predicted and
the annotated values of each 10 s window of a movie; the figures of a run are the means of the
per-movie figures. Fear is scored by the average precision of each movie's window scores and their
mean over movies (MAP), with precision, recall and F1 at a threshold beside it, because a model that
says "no fear" everywhere has a fine accuracy and a useless recall.

Step predictions (every 16/30 s) are first averaged back to the windows with
:meth:`emolib.media.alignment.Grid.to_rows` (:func:`to_windows`).

MediaEval 2018 annotates every second and scores a run over every second of its test movies together
(:func:`pooled_va_scores`, beside the per-movie means); fear is predicted as sequences of time (start,
end) and scored by their intersection over union with the annotated sequences (:func:`fear_iou_scores`,
:func:`pooled_iou`), the seconds whose fear probability reaches a threshold chosen on the validation
movies making the sequences (:func:`sequences_from_flags`, :func:`choose_iou_threshold`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from emolib.media.alignment import STEPS_2017, Grid

__all__ = [
    "IOU_THRESHOLDS",
    "VA_COLUMNS",
    "average_precision",
    "choose_iou_threshold",
    "fear_iou_scores",
    "intersection_and_union",
    "fear_scores",
    "mean_scores",
    "pearson",
    "pooled_iou",
    "pooled_va_scores",
    "precision_recall_f1",
    "sequences_from_flags",
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


# --------------------------------------------------------------------------------------------------
# MediaEval 2018: every second, pooled scores, fear as intervals of time
# --------------------------------------------------------------------------------------------------


def pooled_va_scores(truth: Mapping[str, ArrayLike], pred: Mapping[str, ArrayLike]) -> dict[str, float]:
    """MSE and Pearson r of valence and arousal over the rows of every movie together.

    The MediaEval 2018 task scored a run over every second of its test movies at once; the per-movie
    scores and their mean (:func:`va_scores`, :func:`mean_scores`) are the 2017 convention, kept beside.

    Returns
    -------
    dict
        ``mse_valence``, ``r_valence``, ``mse_arousal``, ``r_arousal``, ``n_rows``.
    """
    names = _check_movies(truth, pred)
    t = np.concatenate([np.asarray(truth[m], dtype=np.float64).reshape(-1, 2) for m in names])
    p = np.concatenate([np.asarray(pred[m], dtype=np.float64).reshape(-1, 2) for m in names])
    if t.shape != p.shape:
        raise ValueError(f"{t.shape[0]} annotated rows but {p.shape[0]} predicted")
    out: dict[str, float] = {}
    for j, col in enumerate(VA_COLUMNS):
        out[f"mse_{col}"] = float(np.mean((p[:, j] - t[:, j]) ** 2))
        out[f"r_{col}"] = pearson(p[:, j], t[:, j])
    out["n_rows"] = float(t.shape[0])
    return out


def _merged(intervals: ArrayLike) -> NDArray[np.float64]:
    """``(n, 2)`` start/end intervals sorted and merged where they overlap or touch; empty ones dropped."""
    a = np.asarray(intervals, dtype=np.float64).reshape(-1, 2)
    a = a[a[:, 1] > a[:, 0]]
    if len(a) == 0:
        return a
    a = a[np.argsort(a[:, 0], kind="mergesort")]
    merged = [a[0].copy()]
    for start, end in a[1:]:
        if start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append(np.array([start, end]))
    return np.asarray(merged)


def sequences_from_flags(flags: ArrayLike, starts: ArrayLike, row: float = 1.0) -> NDArray[np.float64]:
    """The runs of consecutive flagged rows as ``(start, end)`` seconds.

    Parameters
    ----------
    flags
        0/1 (or booleans) per row.
    starts
        Start time of every row in seconds.
    row
        Seconds a row covers.

    Returns
    -------
    numpy.ndarray
        ``(n, 2)``: start of the first and end of the last row of every run, merged where rows touch.
    """
    on = np.asarray(flags, dtype=np.float64).ravel() > 0.5
    t = np.asarray(starts, dtype=np.float64).ravel()
    if on.shape != t.shape:
        raise ValueError(f"{on.size} flags but {t.size} row starts")
    return _merged(np.column_stack([t[on], t[on] + row]))


def _length(intervals: NDArray[np.float64]) -> float:
    return float(np.sum(intervals[:, 1] - intervals[:, 0])) if len(intervals) else 0.0


def intersection_and_union(predicted: ArrayLike, truth: ArrayLike) -> tuple[float, float]:
    """Seconds in both and seconds in either of two sets of ``(start, end)`` intervals."""
    p, t = _merged(predicted), _merged(truth)
    both = 0.0
    for start, end in p:
        overlap = np.minimum(end, t[:, 1]) - np.maximum(start, t[:, 0]) if len(t) else np.zeros(0)
        both += float(np.sum(np.clip(overlap, 0.0, None)))
    return both, _length(p) + _length(t) - both


def fear_iou_scores(truth: Mapping[str, ArrayLike], pred: Mapping[str, ArrayLike]) -> pd.DataFrame:
    """Intersection over union of predicted and annotated fear sequences, for every movie.

    Parameters
    ----------
    truth, pred
        Movie name to its ``(n, 2)`` fear sequences in seconds (start, end).

    Returns
    -------
    pandas.DataFrame
        Indexed by movie: ``iou`` (``nan`` when neither side has fear: nothing to agree on),
        ``intersection_s``, ``union_s``, ``n_true``, ``n_predicted``. The run's pooled IoU is
        ``intersection_s.sum() / union_s.sum()`` (:func:`pooled_iou`).
    """
    rows = []
    for name in _check_movies(truth, pred):
        both, either = intersection_and_union(pred[name], truth[name])
        rows.append(
            {
                "movie": name,
                "iou": both / either if either > 0 else float("nan"),
                "intersection_s": both,
                "union_s": either,
                "n_true": len(_merged(truth[name])),
                "n_predicted": len(_merged(pred[name])),
            }
        )
    return pd.DataFrame(rows).set_index("movie")


def pooled_iou(per_movie: pd.DataFrame) -> float:
    """Seconds of fear both predicted and annotated over seconds either predicted or annotated, all movies."""
    union = float(per_movie["union_s"].sum())
    return float(per_movie["intersection_s"].sum()) / union if union > 0 else float("nan")


IOU_THRESHOLDS: tuple[float, ...] = tuple(np.round(np.arange(0.05, 1.0, 0.05), 2))
"""Fear probabilities tried as the threshold that turns seconds into fear sequences."""


def choose_iou_threshold(
    truth: Mapping[str, ArrayLike],
    probabilities: Mapping[str, ArrayLike],
    starts: Mapping[str, ArrayLike],
    candidates: Sequence[float] = IOU_THRESHOLDS,
) -> float:
    """The threshold whose fear sequences reach the highest pooled IoU on these (validation) movies.

    Ties go to the threshold closest to 0.5; without any annotated or predicted fear at all, 0.5.
    """
    best, best_iou = 0.5, -np.inf
    for threshold in sorted(candidates, key=lambda c: abs(c - 0.5)):
        pred = {m: sequences_from_flags(np.asarray(probabilities[m]) >= threshold, starts[m]) for m in truth}
        value = pooled_iou(fear_iou_scores(truth, pred))
        if np.isfinite(value) and value > best_iou:
            best, best_iou = float(threshold), value
    return best
