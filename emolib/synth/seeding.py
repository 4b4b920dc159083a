"""Independent, order-free random streams for every movie of the synthetic cinema.

Each movie draws from its own :class:`numpy.random.Generator`, derived from the sample seed, the
layout, the movie's index in that layout and the purpose of the draws (latent curves, pixels,
sound, annotations, ...). No stream depends on which process renders a movie or in which order,
so a sample is the same whatever the number of workers, and changing how one modality is rendered
does not reshuffle the others.
"""

from __future__ import annotations

import numpy as np

LAYOUT_CODES = {"mediaeval2017": 1, "smelloffear": 2, "mediaeval2017test": 3, "mediaeval2018": 4}
"""Integer code of each layout in the seed derivation (never renumber: it would change every sample)."""
STREAM_CODES = {
    "plan": 0,
    "latent": 1,
    "video": 2,
    "audio": 3,
    "annotation": 4,
    "labels": 5,
    "vocs": 6,
    "cues": 7,
}
"""Integer code of each purpose of random draws (never renumber); ``plan`` draws the movie's duration."""


def stream(seed: int, layout: str, index: int, purpose: str, *sub: int) -> np.random.Generator:
    """The random generator of one movie for one purpose.

    Parameters
    ----------
    seed
        Seed of the whole sample (non-negative).
    layout
        ``"mediaeval2017"``, ``"smelloffear"``, ``"mediaeval2017test"`` or ``"mediaeval2018"``.
    index
        Index of the movie within its layout.
    purpose
        One of :data:`STREAM_CODES`.
    *sub
        Further integers naming a sub-stream (e.g. a screening number).

    Returns
    -------
    numpy.random.Generator
        A fresh generator; the same arguments always give the same draws.
    """
    if seed < 0:
        raise ValueError(f"seed must be non-negative, got {seed}")
    key = (LAYOUT_CODES[layout], int(index), STREAM_CODES[purpose], *(int(k) for k in sub))
    return np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=key))
