"""Ground truth that the real datasets do not have: the latent curves behind every movie.

``<layout>/_latent/<Name>.csv`` holds, every :data:`GROUNDTRUTH_STEP` seconds, the latent curves
and the cues derived from them, so that documentation and tests can check that the cues really
are in the pixels and the sound.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from emolib.atomic import write_text
from emolib.synth.audio import tempo_bpm
from emolib.synth.latent import SCENES, Latent
from emolib.synth.video import Storyboard, mean_shot_seconds, motion_speed

GROUNDTRUTH_STEP = 0.5
"""Seconds between two rows of a latent file (2 Hz)."""
COLUMNS: tuple[str, ...] = (
    "time", "valence", "arousal", "fear", "scene", "speed", "mean_shot", "tempo", "cuts", "shocks",
)  # fmt: skip
"""Columns of a latent file."""


def latent_table(latent: Latent, board: Storyboard) -> str:
    """CSV text of a movie's latent file.

    Columns: ``time`` (s), ``valence``, ``arousal`` (in [-1, 1]), ``fear`` (in [0, 1]), ``scene``
    (scene type name), ``speed`` (shape speed, frame heights per second), ``mean_shot`` (mean
    shot length the cut process aims at, s), ``tempo`` (beats per minute), ``cuts`` and
    ``shocks`` (how many start in ``[time, time + 0.5)``).
    """
    t = np.arange(0.0, latent.duration, GROUNDTRUTH_STEP)
    v, a, f = (latent.at(t, name) for name in ("valence", "arousal", "fear"))
    edges = np.append(t, t[-1] + GROUNDTRUTH_STEP)
    cuts = np.histogram(board.cuts, bins=edges)[0]
    shocks = np.histogram(latent.shocks, bins=edges)[0]
    scene = latent.scene_at(t)
    rows = [",".join(COLUMNS)]
    for k in range(t.size):
        rows.append(
            f"{t[k]:.1f},{v[k]:.6f},{a[k]:.6f},{f[k]:.6f},{SCENES[scene[k]]},{motion_speed(a[k]):.6f},"
            f"{mean_shot_seconds(a[k]):.6f},{tempo_bpm(a[k]):.6f},{cuts[k]},{shocks[k]}"
        )
    return "\n".join(rows) + "\n"


def write_latent(path: Path, latent: Latent, board: Storyboard) -> Path:
    """Write a movie's latent file atomically."""
    return write_text(path, latent_table(latent, board))
