"""The 42 scene labels of the Smell of Fear study, derived from the latent curves.

The names and their order are :data:`emolib.datasets.smelloffear.LABEL_NAMES`.

Each 30 s sequence is described by the fraction of it spent in each scene type, its mean
valence, arousal and fear, and its number of shocks. Every label has a linear score over these
descriptors (the rules below: *suspense* rises with suspense scenes and fear, *conversation* with
conversation scenes and calm, *action* with action scenes and arousal, *comedy* with comedy
scenes and high valence, ...), plus logistic annotator noise; the label is on when the score is
positive. Broad labels are on often, specific ones (``villain death``, ``sex``) rarely, so that, as
in the real study, only some labels reach the 20 positive sequences needed to be kept.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from emolib.datasets.smelloffear import LABEL_NAMES
from emolib.media.alignment import SEQUENCE_SECONDS, sequence_starts
from emolib.synth.latent import SCENES, Latent

DESCRIPTORS: tuple[str, ...] = (*SCENES, "valence", "arousal", "fear", "shocks")
"""What a label score is computed from, per sequence: scene fractions, curve means, shocks (at most 2)."""
NOISE_SCALE = 0.25
"""Scale of the logistic annotator noise added to every score."""

# label: (weights on descriptors, bias)
_RULES: dict[str, tuple[dict[str, float], float]] = {
    "suspense": ({"suspense": 2.5, "fear": 2.0, "arousal": 0.6, "valence": -0.6}, -0.3),
    "chase": ({"action": 2.0, "arousal": 1.0}, -2.0),
    "hidden threat": ({"suspense": 2.0, "fear": 1.0}, -1.9),
    "hiding": ({"suspense": 1.5, "fear": 1.5}, -2.4),
    "comedy": ({"comedy": 3.0, "valence": 0.8}, -0.9),
    "romantic comedy": ({"comedy": 1.5, "romance": 1.5}, -2.0),
    "courtroom drama": ({"drama": 1.0, "conversation": 1.0}, -2.5),
    "detective": ({"conversation": 1.0, "suspense": 1.0}, -2.2),
    "murder scene": ({"suspense": 1.0, "action": 1.0, "shocks": 0.8}, -2.6),
    "crime": ({"action": 1.2, "suspense": 0.8}, -1.7),
    "fantasy": ({"dream": 2.0, "landscape": 0.8}, -1.8),
    "horror": ({"suspense": 1.5, "fear": 1.5}, -1.9),
    "mystery": ({"suspense": 1.0, "dream": 1.0}, -1.6),
    "romance": ({"romance": 3.0}, -1.0),
    "drama": ({"drama": 3.0, "valence": -0.8, "conversation": 0.6}, -0.3),
    "everyday life": ({"everyday": 3.0, "conversation": 0.6, "arousal": -0.6}, -0.4),
    "dream": ({"dream": 3.5}, -0.8),
    "landscape": ({"landscape": 3.5}, -0.8),
    "conversation": ({"conversation": 3.0, "arousal": -0.4}, -0.2),
    "aggressive conversation": ({"conversation": 1.5, "arousal": 1.0, "valence": -0.5}, -1.8),
    "calm conversation": ({"conversation": 2.0, "arousal": -0.8}, -1.4),
    "conversation main actor": ({"conversation": 2.5}, -0.9),
    "intrigue": ({"suspense": 1.0, "conversation": 1.0}, -1.9),
    "action": ({"action": 3.0, "arousal": 0.8}, -0.6),
    "death": ({"drama": 1.5, "suspense": 0.8, "shocks": 0.6}, -1.5),
    "many deaths": ({"action": 1.0, "shocks": 0.5}, -3.0),
    "main character dies": ({"drama": 1.0}, -3.2),
    "villain death": ({"action": 1.0, "shocks": 0.4}, -3.2),
    "running": ({"action": 2.5, "arousal": 0.8}, -1.2),
    "recovery": ({"drama": 1.0, "valence": 0.5}, -2.8),
    "hero recovers": ({"drama": 0.8, "valence": 0.5}, -3.0),
    "laughter": ({"comedy": 2.0, "valence": 0.8}, -2.0),
    "sleeping": ({"dream": 1.5, "everyday": 0.5}, -2.6),
    "blood (violence)": ({"action": 1.5, "shocks": 0.8, "fear": 0.5}, -1.5),
    "sex": ({"romance": 1.2}, -3.0),
    "kissing": ({"romance": 2.0}, -2.0),
    "crying": ({"drama": 2.0, "valence": -0.5}, -2.2),
    "main character cries": ({"drama": 1.5}, -2.8),
    "other character cries": ({"drama": 1.2}, -3.0),
    "pets": ({"everyday": 1.0, "comedy": 0.8}, -2.6),
    "injury": ({"action": 1.0, "shocks": 0.6}, -2.4),
    "sudden shock": ({"shocks": 2.5}, -1.0),
}


def rule_matrix() -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The label rules as weights ``(42, len(DESCRIPTORS))`` and biases ``(42,)``."""
    if tuple(_RULES) != LABEL_NAMES:
        raise RuntimeError(
            "the synthetic label rules are out of step with emolib.datasets.smelloffear.LABEL_NAMES"
        )
    weights = np.zeros((len(LABEL_NAMES), len(DESCRIPTORS)))
    bias = np.zeros(len(LABEL_NAMES))
    for i, name in enumerate(LABEL_NAMES):
        coefs, b = _RULES[name]
        for key, value in coefs.items():
            weights[i, DESCRIPTORS.index(key)] = value
        bias[i] = b
    return weights, bias


def sequence_descriptors(latent: Latent, n_sequences: int) -> NDArray[np.float64]:
    """Descriptors of consecutive 30 s sequences, shape ``(n_sequences, len(DESCRIPTORS))``."""
    starts = sequence_starts(n_sequences)
    means = [latent.interval_means(starts, SEQUENCE_SECONDS, name) for name in ("valence", "arousal", "fear")]
    shocks = np.minimum(latent.shock_counts(starts, SEQUENCE_SECONDS), 2)
    return np.column_stack([latent.scene_fractions(starts, SEQUENCE_SECONDS), *means, shocks])


def scene_labels(latent: Latent, n_sequences: int, rng: np.random.Generator) -> NDArray[np.int8]:
    """Label matrix of a film as in the label files: 42 rows, one 0/1 column per sequence.

    Parameters
    ----------
    latent
        The film's latent curves.
    n_sequences
        Number of 30 s sequences labelled.
    rng
        The film's ``labels`` random stream (annotator noise).
    """
    weights, bias = rule_matrix()
    score = sequence_descriptors(latent, n_sequences) @ weights.T + bias
    score += rng.logistic(0.0, NOISE_SCALE, size=score.shape)
    return (score > 0).astype(np.int8).T
