"""Learned baselines of the audio scene-label experiment: logistic regression and boosted trees.

The constant baselines of :mod:`emolib.studyb.metrics` (prevalence, all on) say what a model gets
for knowing nothing about the input. These say what the 193 audio features give to standard
tabular models, so that the audio network is judged against the best simple use of the same
inputs, on the same training, validation and test rows:

* :func:`fit_logistic`: a class-balanced logistic regression per label (each class weighted by
  the inverse of its training frequency), on features standardised with the *training* rows'
  mean and standard deviation;
* :func:`fit_boosted_trees`: one :class:`~sklearn.ensemble.HistGradientBoostingClassifier` per
  label (no early stopping, so no internal split of the training rows and no randomness).

A label with a single class among the training rows cannot be learned: it scores its training
prevalence (0 or 1) everywhere. Decision thresholds are chosen by the caller on validation rows
only (:func:`emolib.studyb.metrics.choose_thresholds`); :func:`label_baselines` does all of it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import ClassifierMixin, clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from emolib.studyb.metrics import choose_thresholds

__all__ = [
    "BASELINES",
    "LabelModels",
    "fit_boosted_trees",
    "fit_logistic",
    "label_baselines",
]


@dataclass
class LabelModels:
    """One binary classifier per label; a label with one training class keeps a constant score.

    Attributes
    ----------
    models
        Per label, the fitted classifier or ``None`` (constant label).
    constants
        Per label, the training prevalence (the score of a constant label).
    """

    models: list[ClassifierMixin | None]
    constants: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))

    def predict_scores(self, x: ArrayLike) -> NDArray[np.float64]:
        """Probability of every label, ``(rows, labels)``."""
        x = np.asarray(x, dtype=np.float64)
        out = np.empty((len(x), len(self.models)))
        for j, model in enumerate(self.models):
            out[:, j] = self.constants[j] if model is None else model.predict_proba(x)[:, 1]
        return out


def _fit_per_label(template: ClassifierMixin, x_train: ArrayLike, y_train: ArrayLike) -> LabelModels:
    x = np.asarray(x_train, dtype=np.float64)
    y = np.asarray(y_train)
    if y.ndim != 2 or len(x) != len(y):
        raise ValueError(
            f"x_train {x.shape} and y_train {y.shape} must be (rows, features) and (rows, labels)"
        )
    prevalence = y.mean(axis=0).astype(np.float64)
    models: list[ClassifierMixin | None] = []
    for j in range(y.shape[1]):
        if len(np.unique(y[:, j])) < 2:
            models.append(None)
            continue
        models.append(clone(template).fit(x, y[:, j].astype(int)))
    return LabelModels(models, prevalence)


def fit_logistic(x_train: ArrayLike, y_train: ArrayLike, c: float = 1.0, seed: int = 0) -> LabelModels:
    """Class-balanced logistic regression per label on standardised features.

    Parameters
    ----------
    x_train
        Training inputs ``(rows, features)``; the standardisation is fitted on them only.
    y_train
        0/1 targets ``(rows, labels)``.
    c
        Inverse L2 regularisation strength (scikit-learn's ``C``).
    seed
        Random state (the lbfgs solver is deterministic; kept for a uniform interface).
    """
    template = make_pipeline(
        StandardScaler(),
        LogisticRegression(C=c, class_weight="balanced", max_iter=2000, random_state=seed),
    )
    return _fit_per_label(template, x_train, y_train)


def fit_boosted_trees(
    x_train: ArrayLike,
    y_train: ArrayLike,
    max_iter: int = 100,
    learning_rate: float = 0.1,
    max_leaf_nodes: int = 15,
    seed: int = 0,
) -> LabelModels:
    """Gradient-boosted trees per label (:class:`~sklearn.ensemble.HistGradientBoostingClassifier`).

    Parameters
    ----------
    x_train, y_train
        As :func:`fit_logistic` (trees need no standardisation).
    max_iter, learning_rate, max_leaf_nodes
        Boosting rounds, shrinkage and tree size.
    seed
        Random state.
    """
    template = HistGradientBoostingClassifier(
        max_iter=max_iter,
        learning_rate=learning_rate,
        max_leaf_nodes=max_leaf_nodes,
        class_weight="balanced",
        early_stopping=False,
        random_state=seed,
    )
    return _fit_per_label(template, x_train, y_train)


BASELINES: dict[str, Callable[..., LabelModels]] = {
    "logistic": fit_logistic,
    "boosted trees": fit_boosted_trees,
}
"""The learned baselines by name, as reported beside the audio network."""


def label_baselines(
    x_train: ArrayLike,
    y_train: ArrayLike,
    x_val: ArrayLike,
    y_val: ArrayLike,
    x_test: ArrayLike,
    seed: int = 0,
    choose: Callable[[NDArray, NDArray], NDArray[np.float64]] | None = None,
) -> dict[str, dict[str, NDArray[np.float64]]]:
    """Fit every baseline of :data:`BASELINES` on the training rows; thresholds from validation rows.

    Parameters
    ----------
    x_train, y_train
        Training inputs and 0/1 targets.
    x_val, y_val
        Validation part: only used to choose one threshold per label (0.5 where it is empty).
    x_test
        Test inputs, scored once.
    seed
        Random state of the models.
    choose
        ``choose(y_val, scores_val) -> thresholds`` (default
        :func:`emolib.studyb.metrics.choose_thresholds`).

    Returns
    -------
    dict
        Baseline name to ``{"test_scores": (rows, labels), "thresholds": (labels,)}``.
    """
    choose = choose or choose_thresholds
    y_train = np.asarray(y_train)
    out = {}
    # One thread: on a few hundred rows, BLAS and OpenMP threads cost more than they save, and beside
    # a Keras process they fight it for the cores (trees 5x and the logistic 20x slower, measured).
    with threadpool_limits(1):
        for name, fit in BASELINES.items():
            models = fit(x_train, y_train, seed=seed)
            if len(np.asarray(x_val)):
                thresholds = choose(np.asarray(y_val), models.predict_scores(x_val))
            else:
                thresholds = np.full(y_train.shape[1], 0.5)
            out[name] = {"test_scores": models.predict_scores(x_test), "thresholds": np.asarray(thresholds)}
    return out
