"""Time grids and the mapping between them.

Three grids meet in this project:

* the **step grid** of Study A: one step per 16-frame clip at 30 fps, i.e. every
  ``16/30 = 0.5333 s``, which is also exactly 23520 audio samples at 44.1 kHz;
* the **window grid** of the MediaEval 2017 annotations: 10 s windows every 5 s (MediaEval 2018
  annotates every second, and its models step every second: :class:`Grid` names the two);
* the **sequence grid** of the Smell of Fear study: consecutive 30 s sequences.

Window annotations are *expanded* to the step grid for training (each step takes the
overlap-weighted mean of the windows that cover it) and step predictions are *averaged back* to the
windows for scoring (each window takes the overlap-weighted mean of the steps inside it), as the
thesis describes in its section 3.5. Both directions weight by the same interval overlaps, so a
constant signal survives the round trip exactly. The overlaps are never formed as a dense
steps × windows matrix (ten million entries for a 1.5 h movie): the weighted sums are differences of
integrals of box functions, computed in ``O((n + m) log n)``. The dense matrix survives only as the
test oracle of ``tests/test_alignment.py``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

TARGET_FPS = 30.0
"""Frame rate every movie is resampled to before clips are cut (Study A)."""
STEP_FRAMES = 16
"""Frames per C3D clip."""
STEP_SECONDS = STEP_FRAMES / TARGET_FPS
"""Duration of one step: 16/30 s."""
AUDIO_RATE = 44100
"""Audio sample rate of Study A."""
STEP_SAMPLES = 23520
"""Audio samples per step: 23520 / 44100 = 16 / 30 s exactly."""
WINDOW_SECONDS = 10.0
"""Length of a MediaEval 2017 annotation window."""
SHIFT_SECONDS = 5.0
"""Shift between consecutive MediaEval 2017 windows."""
SEQUENCE_SECONDS = 30.0
"""Length of a Smell of Fear sequence."""

_EPS = 1e-9


def n_steps(duration: float, step: float = STEP_SECONDS) -> int:
    """Number of whole steps in ``duration`` seconds (a trailing partial step is dropped).

    Parameters
    ----------
    duration
        Length of the movie in seconds (non-negative).
    step
        Step length in seconds.

    Returns
    -------
    int
        ``floor(duration / step)``, robust to floating-point noise at exact multiples.
    """
    if duration < 0 or not math.isfinite(duration):
        raise ValueError(f"duration must be a finite non-negative number, got {duration!r}")
    return int(math.floor(duration / step + _EPS))


def step_starts(count: int, step: float = STEP_SECONDS) -> NDArray[np.float64]:
    """Start times in seconds of ``count`` consecutive steps."""
    return np.arange(count, dtype=np.float64) * step


def n_windows(duration: float, window: float = WINDOW_SECONDS, shift: float = SHIFT_SECONDS) -> int:
    """Number of complete annotation windows in a movie of ``duration`` seconds.

    Windows start at 0, ``shift``, ``2 shift``, ... and are kept while they end inside the movie.
    A movie shorter than one window still gets one window (MediaEval annotates every movie).
    """
    if duration < 0 or not math.isfinite(duration):
        raise ValueError(f"duration must be a finite non-negative number, got {duration!r}")
    if duration < window:
        return 1
    return int(math.floor((duration - window) / shift + _EPS)) + 1


def window_starts(count: int, shift: float = SHIFT_SECONDS) -> NDArray[np.float64]:
    """Start times in seconds of ``count`` annotation windows."""
    return np.arange(count, dtype=np.float64) * shift


def _box_integral(
    starts: NDArray[np.float64], length: float, values: NDArray[np.float64], at: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Integral from -inf to each time in ``at`` of a sum of boxes.

    The function integrated is ``sum_i values[i] * 1[starts[i] <= t < starts[i] + length]``. Its
    integral is piecewise linear between box edges, so it is evaluated exactly by interpolation.
    This costs ``O((n + m) log n)`` instead of the ``n x m`` overlap matrix, which for a 1.5 h movie
    would hold ten million entries.
    """
    vals = values.reshape(values.shape[0], -1)
    edges = np.concatenate([starts, starts + length])
    slopes = np.concatenate([vals, -vals])
    order = np.argsort(edges, kind="stable")
    edges, slopes = edges[order], slopes[order]
    slope_after = np.cumsum(slopes, axis=0)[:-1]
    area = np.vstack([np.zeros((1, vals.shape[1])), np.cumsum(slope_after * np.diff(edges)[:, None], axis=0)])
    out = np.stack([np.interp(at, edges, area[:, j]) for j in range(vals.shape[1])], axis=1)
    return out.reshape((at.shape[0],) + values.shape[1:])


def _overlap_sums(
    starts_from: NDArray[np.float64],
    length_from: float,
    values: NDArray[np.float64],
    starts_to: NDArray[np.float64],
    length_to: float,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Overlap-weighted sums of ``values`` and total overlaps, for every interval of the target grid."""

    def over_targets(v: NDArray[np.float64]) -> NDArray[np.float64]:
        return _box_integral(starts_from, length_from, v, starts_to + length_to) - _box_integral(
            starts_from, length_from, v, starts_to
        )

    return over_targets(values), over_targets(np.ones(values.shape[0]))


def expand_to_steps(
    values: ArrayLike,
    starts: ArrayLike,
    n_step: int,
    window: float = WINDOW_SECONDS,
    step: float = STEP_SECONDS,
) -> NDArray[np.float64]:
    """Expand window annotations to the step grid.

    Each step takes the mean of the windows that overlap it, weighted by the overlap. A step that
    no window covers (the tail of a movie whose length is not on the 5 s grid) takes the value of
    the nearest window.

    Parameters
    ----------
    values
        Window values, shape ``(n_windows,)`` or ``(n_windows, k)``.
    starts
        Window start times in seconds, shape ``(n_windows,)``.
    n_step
        Number of steps to produce.
    window, step
        Window and step lengths in seconds.

    Returns
    -------
    numpy.ndarray
        Step values, shape ``(n_step,)`` or ``(n_step, k)``.
    """
    vals = np.asarray(values, dtype=np.float64)
    starts_arr = np.asarray(starts, dtype=np.float64)
    if vals.shape[0] != starts_arr.shape[0]:
        raise ValueError(f"{vals.shape[0]} window values but {starts_arr.shape[0]} window starts")
    if vals.shape[0] == 0:
        raise ValueError("cannot expand an empty annotation")
    grid = step_starts(n_step, step)
    sums, total = _overlap_sums(starts_arr, window, vals, grid, step)
    covered = total > _EPS
    out = np.empty((n_step,) + vals.shape[1:])
    out[covered] = sums[covered] / total[covered].reshape((-1,) + (1,) * (vals.ndim - 1))
    if not np.all(covered):
        centres = grid[~covered] + step / 2
        nearest = np.abs(centres[:, None] - (starts_arr[None, :] + window / 2)).argmin(axis=1)
        out[~covered] = vals[nearest]
    return out


def average_to_windows(
    step_values: ArrayLike,
    starts: ArrayLike,
    window: float = WINDOW_SECONDS,
    step: float = STEP_SECONDS,
) -> NDArray[np.float64]:
    """Average step predictions back to annotation windows (overlap-weighted mean).

    A window that overlaps no step (possible only if the steps stop before the window starts)
    gets ``nan``, so that scoring notices instead of inventing a value.

    Parameters
    ----------
    step_values
        Per-step values, shape ``(n_steps,)`` or ``(n_steps, k)``.
    starts
        Window start times in seconds.
    window, step
        Window and step lengths in seconds.

    Returns
    -------
    numpy.ndarray
        Window values, shape ``(n_windows,)`` or ``(n_windows, k)``.
    """
    vals = np.asarray(step_values, dtype=np.float64)
    starts_arr = np.asarray(starts, dtype=np.float64)
    if vals.shape[0] == 0:
        return np.full((starts_arr.shape[0],) + vals.shape[1:], np.nan)
    sums, total = _overlap_sums(step_starts(vals.shape[0], step), step, vals, starts_arr, window)
    shape = (-1,) + (1,) * (vals.ndim - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = sums / total.reshape(shape)
    out[total <= _EPS] = np.nan
    return out


def n_sequences(duration: float, length: float = SEQUENCE_SECONDS) -> int:
    """Number of whole Smell of Fear sequences (30 s) in ``duration`` seconds."""
    return n_steps(duration, length)


def sequence_starts(count: int, length: float = SEQUENCE_SECONDS) -> NDArray[np.float64]:
    """Start times in seconds of ``count`` consecutive 30 s sequences."""
    return step_starts(count, length)


@dataclass(frozen=True)
class Grid:
    """The time grid of a model's steps and of the annotation rows it learns from and is scored on.

    MediaEval 2017 annotates 10 s windows every 5 s and the thesis's models step every 16/30 s
    (:data:`STEPS_2017`); MediaEval 2018 annotates every second, and its models step every second
    (:data:`PER_SECOND`). Annotations are expanded to the steps for training (:meth:`to_steps`) and step
    predictions averaged back to the annotation rows for scoring (:meth:`to_rows`), both by overlap.

    Attributes
    ----------
    step
        Seconds per model step.
    row
        Seconds an annotation row covers (from its start time).
    """

    step: float = STEP_SECONDS
    row: float = WINDOW_SECONDS

    def to_steps(self, values: ArrayLike, starts: ArrayLike, n_step: int) -> NDArray[np.float64]:
        """Annotation rows starting at ``starts`` expanded to ``n_step`` steps (:func:`expand_to_steps`)."""
        return expand_to_steps(values, starts, n_step, self.row, self.step)

    def to_rows(self, step_values: ArrayLike, starts: ArrayLike) -> NDArray[np.float64]:
        """Step values averaged back to the rows that start at ``starts`` (:func:`average_to_windows`)."""
        return average_to_windows(step_values, starts, self.row, self.step)


STEPS_2017 = Grid()
"""16/30 s steps, 10 s annotation windows (MediaEval 2017, the thesis)."""
PER_SECOND = Grid(1.0, 1.0)
"""1 s steps, one annotation row per second (MediaEval 2018)."""
