"""Study B: a 3D convolutional autoencoder, scene labels and audience breath, audio networks, activation maps.

Modules: :mod:`~emolib.studyb.frames` (1 fps 64x36 sequences, cached), :mod:`~emolib.studyb.dataset`
(samples, what runs on a folder, the l20/oso/omo splits), :mod:`~emolib.studyb.models`,
:mod:`~emolib.studyb.metrics`, :mod:`~emolib.studyb.baselines` (logistic regression and boosted trees
beside the audio network), :mod:`~emolib.studyb.recipes` and :mod:`~emolib.studyb.losses` (how the
audio network is trained: the paper's recipe, a class-balanced seed ensemble),
:mod:`~emolib.studyb.training`, :mod:`~emolib.studyb.experiments`, :mod:`~emolib.studyb.predictions`
(each experiment's test predictions, kept for intervals), :mod:`~emolib.studyb.audio_splits` (the audio
experiment on every fold of a split, every film held out once), :mod:`~emolib.studyb.saliency`.
"""

from __future__ import annotations

__all__ = ["HEADS", "PAPER_BUDGET", "TINY_BUDGET", "budget"]

HEADS: tuple[str, ...] = ("paper", "pooled")
"""Heads on the frozen encoder: the paper's Figure 9, a pooled read-out (:mod:`~emolib.studyb.models`)."""

PAPER_BUDGET: dict[str, float] = {
    "epochs": 50, "head_epochs": 100, "audio_epochs": 1000, "head_bn_momentum": 0.99,
    "label_units": 1024, "voc_units": 512, "l2": 0.0,
}  # fmt: skip
"""The paper's training lengths (section III), Keras's batch-norm momentum, no weight decay."""
TINY_BUDGET: dict[str, float] = {
    "epochs": 4, "head_epochs": 40, "audio_epochs": 300, "head_bn_momentum": 0.9,
    "label_units": 64, "voc_units": 32, "l2": 0.1,
}  # fmt: skip
"""What fits the CI budget on the tiny synthetic sample (2 CPU cores, about 3 minutes a notebook).

The heads keep the paper's layers but a narrower hidden layer: Dense(1024) on the 64,512-value
code is 66 million weights, tens of seconds per epoch on two CPU cores. With a few dozen distinct
sequences, the networks memorise the compounds' noise within a few epochs; an L2 weight decay on
the hidden layers keeps them near what generalises. 0.1 was chosen on the *validation* parts of the
tiny sample (seed 0, l20 and two oso folds: validation skill of the audio compound network about
+0.05 and +0.28 with 0.1, -0.17 and +0.14 with 0.01; without decay it did no better than the
training mean on validation).
"""


def budget(profile: str) -> dict[str, float]:
    """Training lengths: :data:`TINY_BUDGET` for the ``tiny`` and ``micro`` profiles, else the paper's."""
    return dict(TINY_BUDGET if profile in ("micro", "tiny") else PAPER_BUDGET)
