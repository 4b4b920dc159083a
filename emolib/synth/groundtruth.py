"""Ground truth that the real datasets do not have: the latent curves behind every movie.

``<layout>/_latent/<Name>.csv`` holds, every :data:`GROUNDTRUTH_STEP` seconds, the latent curves
and the cues derived from them, so that documentation and tests can check that the cues really
are in the pixels and the sound.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from emolib.core.atomic import write_text
from emolib.synth.audio import tempo_bpm
from emolib.synth.cues import Cues
from emolib.synth.latent import SCENES, Latent
from emolib.synth.movie import RenderedMovie
from emolib.synth.video import Storyboard, mean_shot_seconds, motion_speed

GROUNDTRUTH_STEP = 0.5
"""Seconds between two rows of a latent file (2 Hz)."""
COLUMNS: tuple[str, ...] = (
    "time", "valence", "arousal", "fear", "scene", "speed", "mean_shot", "tempo", "cuts", "shocks",
    "music", "graded", "held", "night", "stingers",
)  # fmt: skip
"""Columns of a latent file."""


def latent_table(latent: Latent, cues: Cues, board: Storyboard) -> str:
    """CSV text of a movie's latent file.

    Columns: ``time`` (s), ``valence``, ``arousal`` (in [-1, 1]), ``fear`` (in [0, 1]), ``scene``
    (scene type name), ``speed`` (shape speed, frame heights per second), ``mean_shot`` (mean
    shot length the cut process aims at, s), ``tempo`` (beats per minute, heard only with music),
    ``cuts`` and ``shocks`` (how many start in ``[time, time + 0.5)``), then the presence of the
    cues: ``music`` (1 while music plays), ``graded`` (1 while the colour grade follows valence),
    ``held`` (1 in a held look), ``night`` (1 in a night scene) and ``stingers`` (how many start in
    ``[time, time + 0.5)``). Presence in the picture is that of the shot shown at ``time``.
    """
    t = np.arange(0.0, latent.duration, GROUNDTRUTH_STEP)
    v, a, f = (latent.at(t, name) for name in ("valence", "arousal", "fear"))
    edges = np.append(t, t[-1] + GROUNDTRUTH_STEP)
    cuts, shocks, stingers = (np.histogram(x, edges)[0] for x in (board.cuts, latent.shocks, cues.stingers))
    scene = latent.scene_at(t)
    shot = np.searchsorted(board.cuts, t, side="right") - 1
    look = board.look[shot]
    speed, mean_shot = motion_speed(a) * cues.energy[look], mean_shot_seconds(a) * cues.pace[look]
    music = cues.music_at(t).astype(int)
    tempo = tempo_bpm(a) * cues.tempo_at(t)
    held = cues.held[look].astype(int)
    graded, night = board.graded[shot].astype(int), board.night[shot].astype(int)
    rows = [",".join(COLUMNS)]
    for k in range(t.size):
        rows.append(
            f"{t[k]:.1f},{v[k]:.6f},{a[k]:.6f},{f[k]:.6f},{SCENES[scene[k]]},{speed[k]:.6f},"
            f"{mean_shot[k]:.6f},{tempo[k]:.6f},{cuts[k]},{shocks[k]},"
            f"{music[k]},{graded[k]},{held[k]},{night[k]},{stingers[k]}"
        )
    return "\n".join(rows) + "\n"


def write_latent(path: Path, movie: RenderedMovie) -> Path:
    """Write the latent file of a rendered movie atomically."""
    return write_text(path, latent_table(movie.latent, movie.cues, movie.board))
