"""Baselines computed on the same folds and features as the LSTM, scored the same way.

* ``constant``: the training movies' mean window annotation, for every window of a test movie
  (for fear: the training positive rate, whose AP is a movie's positive rate). Pearson r of a
  constant is undefined and reported as ``nan``; MediaEval's constant-mean line is the MSE bar
  the thesis's LSTM did not clear.
* ``ridge``: a linear model of the step features (ridge regression for valence and arousal, a
  class-balanced logistic regression for fear), its strength chosen on the validation movies,
  its step predictions averaged back to the windows like the LSTM's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

__all__ = ["ALPHAS", "constant_windows", "linear_steps"]

ALPHAS: tuple[float, ...] = (0.1, 1.0, 10.0, 100.0, 1000.0, 10000.0)
"""Ridge strengths tried (for the logistic regression, ``C = 1 / alpha``)."""

Arrays = Mapping[str, NDArray[np.floating]]


def constant_windows(train_truth: Arrays, n_windows: Mapping[str, int]) -> dict[str, NDArray[np.float64]]:
    """The mean training window value, repeated over each movie's windows.

    Parameters
    ----------
    train_truth
        Training movie name to its window ground truth, ``(n, k)`` or ``(n,)``.
    n_windows
        Movie name to its number of windows (the movies to predict).
    """
    stacked = np.concatenate([np.asarray(v, dtype=np.float64) for v in train_truth.values()])
    mean = stacked.mean(axis=0)
    return {m: np.broadcast_to(mean, (n, *np.shape(mean))).copy() for m, n in n_windows.items()}


def _stack(
    x: Arrays, y: Arrays | None, movies: Sequence[str]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    xs = np.concatenate([np.asarray(x[m], dtype=np.float64) for m in movies])
    ys = (
        np.concatenate([np.asarray(y[m], dtype=np.float64).reshape(len(x[m]), -1) for m in movies])
        if y
        else xs[:, :0]
    )
    return xs, ys


def linear_steps(
    task: str,
    train_x: Arrays,
    train_y: Arrays,
    val_x: Arrays,
    val_y: Arrays,
    predict_x: Arrays,
    alphas: Sequence[float] = ALPHAS,
) -> tuple[dict[str, NDArray[np.float64]], float]:
    """Fit the linear baseline on training steps, pick its strength on validation steps, predict steps.

    Parameters
    ----------
    task
        ``"va"`` (ridge regression, clipped to [-1, 1]) or ``"fear"`` (balanced logistic regression on
        steps whose expanded fear share is at least 0.5; outputs probabilities).
    train_x, train_y, val_x, val_y
        Standardised step features and step targets.
    predict_x
        Features of the movies to predict.
    alphas
        Strengths tried.

    Returns
    -------
    predictions, alpha
        Movie name to ``(n_steps, k)`` predictions, and the chosen strength.
    """
    from sklearn.linear_model import LogisticRegression, Ridge

    xt, yt = _stack(train_x, train_y, sorted(train_x))
    xv, yv = _stack(val_x, val_y, sorted(val_x))
    best: tuple[float, float, object] = (np.inf, np.nan, None)
    for alpha in alphas:
        if task == "va":
            model: object = Ridge(alpha=alpha).fit(xt, yt)
            loss = float(np.mean((np.clip(model.predict(xv), -1, 1) - yv) ** 2))
        else:
            labels = yt.ravel() >= 0.5
            if labels.all() or not labels.any():  # one class only: the constant rate is all there is
                return {m: np.full((len(f), 1), float(labels.mean())) for m, f in predict_x.items()}, float(
                    "nan"
                )
            model = LogisticRegression(C=1.0 / alpha, class_weight="balanced", max_iter=2000).fit(xt, labels)
            p = np.clip(model.predict_proba(xv)[:, 1], 1e-7, 1 - 1e-7)
            t = yv.ravel()
            loss = float(-np.mean(t * np.log(p) + (1 - t) * np.log(1 - p)))
        if loss < best[0]:
            best = (loss, alpha, model)
    chosen = best[2]
    out = {}
    for m, f in predict_x.items():
        x = np.asarray(f, dtype=np.float64)
        if task == "va":
            out[m] = np.clip(chosen.predict(x), -1, 1).reshape(len(x), -1)  # type: ignore[attr-defined]
        else:
            out[m] = chosen.predict_proba(x)[:, 1:2]  # type: ignore[attr-defined]
    return out, float(best[1])
