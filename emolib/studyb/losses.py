"""Class-balanced binary cross-entropy for multi-label networks whose labels are rare (beyond the paper).

With binary cross-entropy, a label on in 10 % of the training sequences contributes nine negatives
for each positive, and a small network learns to keep it off: its scores sit near the prevalence and
the paper's 0.5 threshold never switches it on. Weighting each label's positives and negatives by
the inverse of their frequency (scikit-learn's ``class_weight="balanced"``, per label) gives both
classes of every label the same total weight, as the logistic-regression baseline of
:mod:`emolib.studyb.baselines` does.

Weights come from the *training* targets only (:func:`balanced_label_weights`) and are stored in the
loss's configuration, so a saved model can be reloaded and trained further.
"""

from __future__ import annotations

import keras
import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["MAX_CLASS_WEIGHT", "LabelBalancedCrossentropy", "balanced_label_weights"]

MAX_CLASS_WEIGHT = 10.0
"""Cap of a class's weight: a label with 2 positives among 200 rows is weighted 10, not 50, so that a
few sequences cannot dominate the loss."""


def balanced_label_weights(
    y_train: ArrayLike, cap: float = MAX_CLASS_WEIGHT
) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """Per-label weights of positives and negatives, ``n / (2 n_pos)`` and ``n / (2 n_neg)``, capped.

    Parameters
    ----------
    y_train
        0/1 training targets, ``(rows, labels)``.
    cap
        Largest weight of a class (a label without positives, or without negatives, gets the cap
        for the missing class: it never occurs, so the value does not matter).

    Returns
    -------
    positive, negative : numpy.ndarray
        ``(labels,)`` float32 each; both 1 for a label on in exactly half of the rows.
    """
    y = np.asarray(y_train, dtype=np.float64)
    if y.ndim != 2 or not len(y):
        raise ValueError(f"y_train must be a non-empty (rows, labels) array, got shape {y.shape}")
    if cap < 1:
        raise ValueError(f"cap must be at least 1, got {cap}")
    n, positives = len(y), y.sum(axis=0)
    with np.errstate(divide="ignore"):
        pos = np.minimum(n / (2.0 * positives), cap)
        neg = np.minimum(n / (2.0 * (n - positives)), cap)
    return pos.astype(np.float32), neg.astype(np.float32)


@keras.saving.register_keras_serializable(package="emolib")
class LabelBalancedCrossentropy(keras.losses.Loss):
    """Binary cross-entropy with one weight for each label's positives and one for its negatives.

    ``loss = -mean over labels of (w_pos y log p + w_neg (1 - y) log(1 - p))`` on sigmoid outputs
    ``p`` (clipped away from 0 and 1 by Keras's epsilon). With all weights 1 it is Keras's
    ``binary_crossentropy``.

    Parameters
    ----------
    positive_weights, negative_weights
        ``(labels,)`` weights, e.g. from :func:`balanced_label_weights`.
    name, reduction
        As for any Keras loss.
    """

    def __init__(
        self,
        positive_weights: ArrayLike,
        negative_weights: ArrayLike,
        name: str = "label_balanced_crossentropy",
        reduction: str = "sum_over_batch_size",
    ) -> None:
        super().__init__(name=name, reduction=reduction)
        self.positive_weights = [float(w) for w in np.ravel(positive_weights)]
        self.negative_weights = [float(w) for w in np.ravel(negative_weights)]
        if len(self.positive_weights) != len(self.negative_weights):
            raise ValueError("one positive and one negative weight per label are needed")

    def call(self, y_true: keras.KerasTensor, y_pred: keras.KerasTensor) -> keras.KerasTensor:
        eps = keras.config.epsilon()
        p = keras.ops.clip(keras.ops.cast(y_pred, "float32"), eps, 1.0 - eps)
        y = keras.ops.cast(y_true, "float32")
        w_pos = keras.ops.convert_to_tensor(self.positive_weights, dtype="float32")
        w_neg = keras.ops.convert_to_tensor(self.negative_weights, dtype="float32")
        per_label = -(w_pos * y * keras.ops.log(p) + w_neg * (1.0 - y) * keras.ops.log(1.0 - p))
        return keras.ops.mean(per_label, axis=-1)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "positive_weights": self.positive_weights,
            "negative_weights": self.negative_weights,
        }
