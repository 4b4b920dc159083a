"""Frame rendering: latent curves made visible, where and as far as the cues let them show.

Cues planted in the pixels (see ``data/README.md`` and :mod:`emolib.synth.cues`):

* **valence** sets the colour *warmth* and *brightness* (cold dim blue at -1, warm bright orange
  at +1, for the background and half-way for every shape) in *graded* looks, shifted by the look's
  own grading offset; *stylised* looks have a colour of their own (green, teal, magenta, grey);
* **arousal** sets the *speed* of the moving shapes and of the scrolling background texture, and
  the *cut rate* (shots of about 6 s at -1, under 1 s at +1; every cut redraws the shapes, the
  texture and the colour jitter), both scaled by the look's camera energy and editing pace; in
  *held* looks the camera hardly moves and shots are long;
* **fear** *darkens* the whole frame and closes a vignette around it, and so does a scene set at
  *night*; every shock is a white *flash* of a few frames;
* the **scene type** sets the number, size and pace of the shapes, and a few looks (a horizon in
  landscapes, two large slow "faces" in conversations, a lavender haze in dreams).

A shot keeps the look in force at its start. Frames are rendered vectorised over a batch of frames
at half resolution, in float32, then resized to the movie's size; nothing longer than a batch is
ever held in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import ArrayLike, NDArray

from emolib.synth.cues import Cues
from emolib.synth.latent import SCENES, Latent

COLD = np.array([0.20, 0.32, 0.66], dtype=np.float32)
"""Background colour (RGB in [0, 1]) at valence -1, before brightness."""
WARM = np.array([0.95, 0.62, 0.22], dtype=np.float32)
"""Background colour at valence +1, before brightness."""
MAX_SHAPES = 6
"""Most shapes in a shot."""
FEAR_DARKNESS = 0.6
"""Fraction of the light a full fear episode (or a night scene) takes away."""
NIGHT_GLOOM = 0.85
"""Darkness of a night scene, as a level of the fear curve (which darkens up to 1)."""
FLASH_SECONDS = 0.12
"""Decay time of the white flash of a shock."""

# Per scene type (order of SCENES): shapes, shape radius (frame heights), pace multiplier.
_SCENE_SHAPES = np.array([3, 2, 1, 5, 2, 6, 2, 2, 4])
_SCENE_RADIUS = np.array([0.16, 0.30, 0.12, 0.11, 0.20, 0.08, 0.20, 0.18, 0.32], dtype=np.float32)
_SCENE_PACE = np.array([1.0, 0.25, 0.3, 1.3, 0.5, 1.6, 0.6, 0.5, 0.4], dtype=np.float32)
_LANDSCAPE = SCENES.index("landscape")
_DREAM = SCENES.index("dream")
_GROUND = np.array([0.30, 0.42, 0.18], dtype=np.float32)
_HAZE = np.array([0.62, 0.52, 0.82], dtype=np.float32)


def motion_speed(arousal: ArrayLike) -> NDArray[np.float64]:
    """Speed of the shapes in frame heights per second for an arousal in [-1, 1]."""
    u = (np.asarray(arousal, dtype=np.float64) + 1.0) / 2.0
    return 0.03 + 0.55 * u**2


def mean_shot_seconds(arousal: ArrayLike) -> NDArray[np.float64]:
    """Mean shot length in seconds for an arousal in [-1, 1]: 6 s at -1, about 0.86 s at +1."""
    u = (np.asarray(arousal, dtype=np.float64) + 1.0) / 2.0
    return 6.0 * (1.0 / 7.0) ** u


def valence_colour(valence: ArrayLike) -> NDArray[np.float32]:
    """Background RGB colour in [0, 1] for valences in [-1, 1]: warmer and brighter as valence rises."""
    u = ((np.asarray(valence, dtype=np.float32) + 1.0) / 2.0)[..., None]
    return (COLD * (1.0 - u) + WARM * u) * (0.5 + 0.5 * u)


@dataclass(frozen=True)
class Storyboard:
    """Shots of one movie and how each one looks.

    Attributes
    ----------
    cuts
        Start time of each shot in seconds (the first is 0), sorted.
    scene
        Scene code of each shot.
    tint
        Colour jitter of each shot, shape ``(n_shots, 3)``.
    stripes
        Texture frequency (cycles per frame height) and angle (radians) per shot, ``(n_shots, 2)``.
    shapes
        Per shot and shape: x, y, direction x, direction y, radius, pace, roundness, active;
        shape ``(n_shots, MAX_SHAPES, 8)``.
    colours
        Per shot and shape, RGB in [0, 1], shape ``(n_shots, MAX_SHAPES, 3)``.
    look
        Index of each shot's look (:class:`emolib.synth.cues.Cues`).
    graded
        Whether each shot's colour grade follows valence.
    grade_offset
        Valence offset of each graded shot's colour grade.
    grade_colour
        Colour of each stylised shot, shape ``(n_shots, 3)``.
    night
        Whether each shot is in a night scene.
    phase_t, phase
        Cumulative distance travelled (frame heights) on the latent grid.
    """

    cuts: NDArray[np.float64]
    scene: NDArray[np.int64]
    tint: NDArray[np.float32]
    stripes: NDArray[np.float32]
    shapes: NDArray[np.float32]
    colours: NDArray[np.float32]
    look: NDArray[np.int64]
    graded: NDArray[np.bool_]
    grade_offset: NDArray[np.float64]
    grade_colour: NDArray[np.float32]
    night: NDArray[np.bool_]
    phase_t: NDArray[np.float64]
    phase: NDArray[np.float64]


def shot_pace(latent: Latent, cues: Cues, times: ArrayLike) -> NDArray[np.float64]:
    """Mean shot length in seconds the cut process aims at, at ``times``: arousal times the look's pace."""
    return mean_shot_seconds(latent.at(times, "arousal")) * cues.pace[cues.look_at(times)]


def plan_shots(latent: Latent, cues: Cues, rng: np.random.Generator) -> Storyboard:
    """Cut the movie into shots (faster cuts at higher arousal, always a cut at a scene change).

    Parameters
    ----------
    latent
        The movie's latent curves.
    cues
        Its cue plan: every shot takes the look in force at its start.
    rng
        The movie's ``video`` random stream.
    """
    cuts = [0.0]
    scene_changes = list(latent.scene_starts[1:])
    while True:
        mean = float(shot_pace(latent, cues, cuts[-1]))
        nxt = cuts[-1] + max(0.3, float(rng.gamma(4.0, mean / 4.0)))
        if scene_changes and scene_changes[0] <= nxt:
            nxt = scene_changes.pop(0)
        if nxt >= latent.duration:
            break
        cuts.append(nxt)
    cut_arr = np.array(cuts)
    n = cut_arr.size
    scene = latent.scene_at(cut_arr)
    shapes = np.zeros((n, MAX_SHAPES, 8), dtype=np.float32)
    shapes[..., 0:2] = rng.uniform(0.0, 1.0, size=(n, MAX_SHAPES, 2))
    angle = rng.uniform(0.0, 2 * np.pi, size=(n, MAX_SHAPES))
    shapes[..., 2] = np.cos(angle)
    shapes[..., 3] = np.sin(angle)
    shapes[..., 4] = _SCENE_RADIUS[scene][:, None] * rng.uniform(0.7, 1.3, size=(n, MAX_SHAPES))
    shapes[..., 5] = _SCENE_PACE[scene][:, None] * rng.uniform(0.6, 1.4, size=(n, MAX_SHAPES))
    shapes[..., 6] = rng.integers(0, 2, size=(n, MAX_SHAPES))
    shapes[..., 7] = np.arange(MAX_SHAPES)[None, :] < _SCENE_SHAPES[scene][:, None]
    conversation = scene == SCENES.index("conversation")
    shapes[conversation, 0, 0] = 0.25  # two faces, left and right, at eye height
    shapes[conversation, 1, 0] = 0.75
    shapes[conversation, :2, 1] = 0.45
    look = cues.look_at(cut_arr)
    speed = motion_speed(latent.arousal) * cues.energy[look][np.searchsorted(cut_arr, latent.t, "right") - 1]
    phase = np.concatenate([[0.0], np.cumsum(0.5 * (speed[1:] + speed[:-1]) / latent.rate)])
    return Storyboard(
        cuts=cut_arr,
        scene=scene,
        tint=rng.normal(0.0, 0.04, size=(n, 3)).astype(np.float32),
        stripes=np.stack([rng.uniform(1.5, 6.0, n), rng.uniform(0.0, np.pi, n)], axis=1).astype(np.float32),
        shapes=shapes,
        colours=rng.uniform(0.0, 1.0, size=(n, MAX_SHAPES, 3)).astype(np.float32),
        look=look,
        graded=cues.graded[look],
        grade_offset=cues.grade_offset[look],
        grade_colour=cues.grade_colour[look],
        night=cues.night_at(cut_arr),
        phase_t=latent.t,
        phase=phase,
    )


def _bounce(x: NDArray[np.float32]) -> NDArray[np.float32]:
    """Fold any real number into [0, 1] like a ball bouncing between two walls."""
    return (1.0 - np.abs(np.mod(x, 2.0) - 1.0)).astype(np.float32)


def _profile(
    coord: NDArray[np.float32],
    centre: NDArray[np.float32],
    radius: NDArray[np.float32],
    round_: NDArray[np.float32],
) -> NDArray[np.float32]:
    """Separable 1-D shape profile: Gaussian for round shapes, soft box for square ones."""
    u = (coord[None, None, :] - centre[..., None]) / radius[..., None]
    gauss = np.exp(-1.5 * u * u)
    box = 1.0 / (1.0 + (u * u) ** 4)
    r = round_[..., None]
    return gauss * r + box * (1.0 - r)


def render_batch(
    latent: Latent, board: Storyboard, times: NDArray[np.float64], width: int, height: int
) -> NDArray[np.uint8]:
    """Render the frames shown at ``times``.

    Parameters
    ----------
    latent
        Latent curves of the movie.
    board
        Its storyboard.
    times
        Presentation times of the frames in seconds.
    width, height
        Output frame size.

    Returns
    -------
    numpy.ndarray
        ``uint8`` RGB frames, shape ``(len(times), height, width, 3)``.
    """
    w, h = max(2, width // 2), max(2, height // 2)
    aspect = w / h
    xs = (np.arange(w, dtype=np.float32) + 0.5) / h
    ys = (np.arange(h, dtype=np.float32) + 0.5) / h
    shot = np.searchsorted(board.cuts, times, side="right") - 1
    valence = latent.at(times, "valence")
    fear = latent.at(times, "fear").astype(np.float32)
    phase = np.interp(times, board.phase_t, board.phase)
    travelled = (phase - np.interp(board.cuts[shot], board.phase_t, board.phase)).astype(np.float32)
    scene = board.scene[shot]

    # background: the look's colour (graded by valence or stylised), shot tint, vertical light
    # gradient, scrolling stripes (stripes: sin(ax + by - c) expanded so that only 1-D sines are computed)
    graded = valence_colour(np.clip(valence + board.grade_offset[shot], -1.0, 1.0))
    look = np.where(board.graded[shot][:, None], graded, board.grade_colour[shot])
    base = np.clip(look + board.tint[shot], 0.0, 1.0)
    freq, angle = board.stripes[shot, 0], board.stripes[shot, 1]
    ax = (2 * np.pi * freq * np.cos(angle))[:, None] * xs[None, :]
    by = (2 * np.pi * freq * np.sin(angle))[:, None] * ys[None, :] - (np.pi * travelled)[:, None]
    stripes = (
        np.sin(by)[:, :, None] * np.cos(ax)[:, None, :] + np.cos(by)[:, :, None] * np.sin(ax)[:, None, :]
    )
    light = (1.15 - 0.3 * ys)[None, :, None] * (1.0 + 0.08 * stripes)
    img = base[:, None, None, :] * light[..., None]
    land = scene == _LANDSCAPE
    if land.any():
        ground = (ys > 0.6)[None, :, None, None] & land[:, None, None, None]
        img = np.where(ground, _GROUND * (0.6 + 0.5 * base.mean(axis=1))[:, None, None, None], img)

    # shapes: bouncing, coloured half by their own hue and half by the valence colour; where shapes
    # overlap their colours blend (one batched product instead of one pass per shape)
    n = int(board.shapes[shot, :, 7].sum(axis=1).max(initial=0))
    if n:
        s = board.shapes[shot][:, :n]
        cx = _bounce(s[..., 0] + s[..., 2] * s[..., 5] * travelled[:, None] / aspect) * aspect
        cy = _bounce(s[..., 1] + s[..., 3] * s[..., 5] * travelled[:, None])
        radius, round_ = s[..., 4], s[..., 6]
        py = _profile(ys, cy, radius, round_) * s[..., 7, None]
        alpha = py[..., :, None] * _profile(xs, cx, radius, round_)[..., None, :]
        colour = 0.5 * board.colours[shot, :n] + 0.5 * np.clip(base * 1.3, 0.0, 1.0)[:, None, :]
        total = alpha.sum(axis=1)
        paint = np.matmul(alpha.reshape(times.size, n, h * w).transpose(0, 2, 1), colour).reshape(img.shape)
        cover = np.minimum(total, 1.0)
        img = img * (1.0 - cover)[..., None] + paint * (cover / np.maximum(total, 1e-6))[..., None]

    dream = scene == _DREAM
    if dream.any():
        img[dream] = 0.6 * img[dream] + 0.4 * _HAZE

    # fear and night: darkness and a closing vignette; shocks: white flashes
    fear = 1.0 - (1.0 - fear) * (1.0 - NIGHT_GLOOM * board.night[shot].astype(np.float32))
    r2 = ((xs[None, :] - aspect / 2) ** 2 + (ys[:, None] - 0.5) ** 2) / (0.25 + aspect**2 / 4)
    dark = (1.0 - FEAR_DARKNESS * fear)[:, None, None] * (1.0 - 0.6 * fear[:, None, None] * r2[None])
    img *= dark[..., None]
    since = times[:, None] - latent.shocks[None, :]
    flash = np.where((since >= 0) & (since < 6 * FLASH_SECONDS), np.exp(-np.abs(since) / FLASH_SECONDS), 0.0)
    flash = flash.sum(axis=1).clip(0.0, 1.0).astype(np.float32)
    if flash.any():
        img += flash[:, None, None, None] * (1.0 - img)

    small = np.clip(img * 255.0 + 0.5, 0.0, 255.0).astype(np.uint8)
    return np.stack([cv2.resize(f, (width, height), interpolation=cv2.INTER_LINEAR) for f in small])


def frame_times(start: int, stop: int, fps: float) -> NDArray[np.float64]:
    """Presentation times in seconds of frames ``start .. stop - 1``."""
    return np.arange(start, stop, dtype=np.float64) / fps


def iter_frames(
    latent: Latent, board: Storyboard, n_frames: int, fps: float, width: int, height: int, batch: int = 16
) -> Iterator[NDArray[np.uint8]]:
    """Yield the frames of a movie in batches of at most ``batch`` frames, in order.

    Parameters
    ----------
    latent, board
        Latent curves and storyboard of the movie.
    n_frames
        Number of frames.
    fps
        Frame rate.
    width, height
        Frame size.
    batch
        Frames per yielded array.
    """
    for start in range(0, n_frames, batch):
        yield render_batch(
            latent, board, frame_times(start, min(n_frames, start + batch), fps), width, height
        )
