"""Latent emotion curves: the hidden truth every synthetic movie is rendered from.

A movie is a chain of *scenes* (everyday life, conversation, landscape, comedy, romance, action,
suspense, drama, dream), each with a typical valence and arousal. The piecewise targets are
smoothed into continuous curves and given a slow random wander, so that valence and arousal are
smooth random processes in ``[-1, 1]``. Every suspense scene holds a *fear episode*: a smooth
bump of the fear curve (in ``[0, 1]``) that pulls valence down and arousal up, and that holds one
or more sudden *shocks* (jump scares); action scenes have occasional shocks too (a gunshot, a
crash). Pixels, sound, annotations, scene labels and breath compounds are all derived from one
:class:`Latent`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.ndimage import gaussian_filter1d
from scipy.signal import lfilter

SCENES: tuple[str, ...] = (
    "everyday",
    "conversation",
    "landscape",
    "comedy",
    "romance",
    "action",
    "suspense",
    "drama",
    "dream",
)
"""Scene types, in the order of their integer codes."""
SUSPENSE = SCENES.index("suspense")
ACTION = SCENES.index("action")

# Per scene type: typical valence, typical arousal, how often it is chosen, mean length (s).
_SCENE_VALENCE = np.array([0.25, 0.0, 0.45, 0.7, 0.55, -0.1, -0.55, -0.55, 0.05])
_SCENE_AROUSAL = np.array([-0.3, -0.45, -0.65, 0.25, -0.25, 0.7, 0.35, -0.3, -0.45])
_SCENE_WEIGHT = np.array([0.14, 0.22, 0.08, 0.12, 0.06, 0.13, 0.14, 0.07, 0.04])
_SCENE_LENGTH = np.array([35.0, 40.0, 20.0, 30.0, 30.0, 25.0, 35.0, 35.0, 20.0])

LATENT_RATE = 10.0
"""Samples per second of the latent curves."""
SMOOTH_SECONDS = 3.0
"""Standard deviation of the Gaussian that smooths the scene targets into curves."""
FEAR_VALENCE_PULL = 0.5
"""How far a full fear episode lowers valence."""
FEAR_AROUSAL_PUSH = 0.45
"""How far a full fear episode raises arousal."""
SHOCK_AROUSAL = 0.35
"""Arousal jump right after a shock (it decays over a few seconds)."""


@dataclass(frozen=True)
class Latent:
    """Latent curves of one movie, sampled every ``1 / rate`` s from 0 to ``duration``.

    Attributes
    ----------
    duration
        Movie length in seconds.
    rate
        Samples per second.
    valence, arousal
        Curves in ``[-1, 1]``.
    fear
        Curve in ``[0, 1]``; fear episodes are where it is high.
    scene
        Integer scene code (index into :data:`SCENES`) at each sample.
    scene_starts
        Start time of each scene in seconds (the first is 0).
    scene_codes
        Scene code of each scene.
    shocks
        Times in seconds of sudden shocks, sorted.
    """

    duration: float
    rate: float
    valence: NDArray[np.float64]
    arousal: NDArray[np.float64]
    fear: NDArray[np.float64]
    scene: NDArray[np.int64]
    scene_starts: NDArray[np.float64]
    scene_codes: NDArray[np.int64]
    shocks: NDArray[np.float64]

    @property
    def t(self) -> NDArray[np.float64]:
        """Sample times in seconds."""
        return np.arange(self.valence.size, dtype=np.float64) / self.rate

    def at(self, times: ArrayLike, name: str) -> NDArray[np.float64]:
        """Linearly interpolate the curve ``name`` (``valence``, ``arousal`` or ``fear``) at ``times``."""
        return np.interp(np.asarray(times, dtype=np.float64), self.t, getattr(self, name))

    def scene_at(self, times: ArrayLike) -> NDArray[np.int64]:
        """Scene code in force at ``times``."""
        idx = np.searchsorted(self.scene_starts, np.asarray(times, dtype=np.float64), side="right") - 1
        return self.scene_codes[np.clip(idx, 0, self.scene_codes.size - 1)]

    def interval_means(self, starts: ArrayLike, length: float, name: str) -> NDArray[np.float64]:
        """Mean of a curve over ``[start, start + length)`` for every start (clipped to the movie).

        Parameters
        ----------
        starts
            Interval starts in seconds.
        length
            Interval length in seconds.
        name
            ``valence``, ``arousal`` or ``fear``.
        """
        curve = getattr(self, name)
        csum = np.concatenate([[0.0], np.cumsum(curve)])
        s = np.asarray(starts, dtype=np.float64)
        lo = np.clip(np.ceil(s * self.rate - 1e-9).astype(np.int64), 0, curve.size - 1)
        hi = np.clip(np.ceil((s + length) * self.rate - 1e-9).astype(np.int64), lo + 1, curve.size)
        return (csum[hi] - csum[lo]) / (hi - lo)

    def scene_fractions(self, starts: ArrayLike, length: float) -> NDArray[np.float64]:
        """Fraction of each interval spent in each scene type, shape ``(len(starts), len(SCENES))``."""
        s = np.asarray(starts, dtype=np.float64)
        out = np.zeros((s.size, len(SCENES)))
        for i, start in enumerate(s):
            lo = int(np.clip(np.ceil(start * self.rate - 1e-9), 0, self.scene.size - 1))
            hi = int(np.clip(np.ceil((start + length) * self.rate - 1e-9), lo + 1, self.scene.size))
            out[i] = np.bincount(self.scene[lo:hi], minlength=len(SCENES)) / (hi - lo)
        return out

    def felt(self, seconds: float) -> Latent:
        """The emotion as a viewer feels it: valence and arousal lagging behind the film's.

        Each curve is passed through a causal first-order low-pass filter (an exponential memory of
        time constant ``seconds``, starting from the curve's first value), so that a felt emotion
        builds up over a few seconds and persists for a while after the film has moved on. Fear
        and everything else are kept.

        Parameters
        ----------
        seconds
            Time constant; 0 returns the curves unchanged.
        """
        if seconds <= 0:
            return self
        keep = float(np.exp(-1.0 / (seconds * self.rate)))

        def lag(curve: NDArray[np.float64]) -> NDArray[np.float64]:
            return lfilter([1.0 - keep], [1.0, -keep], curve - curve[0]) + curve[0]

        return replace(self, valence=lag(self.valence), arousal=lag(self.arousal))

    def shock_counts(self, starts: ArrayLike, length: float) -> NDArray[np.int64]:
        """Number of shocks inside each interval ``[start, start + length)``."""
        s = np.asarray(starts, dtype=np.float64)
        return np.searchsorted(self.shocks, s + length) - np.searchsorted(self.shocks, s)


def _scene_chain(rng: np.random.Generator, duration: float) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    starts, codes = [0.0], []
    prev = -1
    while True:
        weights = _SCENE_WEIGHT.copy()
        if prev >= 0:
            weights[prev] = 0.0  # a scene never follows one of its own kind
        code = int(rng.choice(len(SCENES), p=weights / weights.sum()))
        codes.append(code)
        length = max(8.0, float(rng.gamma(3.0, _SCENE_LENGTH[code] / 3.0)))
        end = starts[-1] + length
        if end >= duration - 6.0:
            break
        starts.append(end)
        prev = code
    code_arr = np.array(codes, dtype=np.int64)
    if SUSPENSE not in code_arr and code_arr.size > 1 and duration > 30.0:
        # every movie longer than 30 s holds at least one fear episode (never the opening scene)
        code_arr[1 + int(rng.integers(code_arr.size - 1))] = SUSPENSE
        for k in range(1, code_arr.size):  # keep neighbours different
            if code_arr[k] == code_arr[k - 1]:
                code_arr[k] = (code_arr[k] + 1 + (code_arr[k] + 1 == SUSPENSE)) % len(SCENES)
    return np.array(starts), code_arr


def _wander(rng: np.random.Generator, t: NDArray[np.float64], amplitude: float) -> NDArray[np.float64]:
    periods = rng.uniform(25.0, 150.0, size=3)
    phases = rng.uniform(0.0, 2 * np.pi, size=3)
    return amplitude * np.sin(2 * np.pi * t[:, None] / periods + phases).sum(axis=1) / np.sqrt(3)


def sample_latent(rng: np.random.Generator, duration: float, rate: float = LATENT_RATE) -> Latent:
    """Draw the latent curves of one movie.

    Parameters
    ----------
    rng
        The movie's ``latent`` random stream.
    duration
        Movie length in seconds.
    rate
        Samples per second.

    Returns
    -------
    Latent
        Curves sampled at ``rate`` from 0 to ``duration`` inclusive.
    """
    n = int(np.floor(duration * rate)) + 1
    t = np.arange(n) / rate
    scene_starts, codes = _scene_chain(rng, duration)
    which = np.searchsorted(scene_starts, t, side="right") - 1
    scene = codes[which]
    sigma = SMOOTH_SECONDS * rate
    valence = gaussian_filter1d(_SCENE_VALENCE[scene] + rng.normal(0.0, 0.15, codes.size)[which], sigma)
    arousal = gaussian_filter1d(_SCENE_AROUSAL[scene] + rng.normal(0.0, 0.15, codes.size)[which], sigma)
    valence = valence + _wander(rng, t, 0.15)
    arousal = arousal + _wander(rng, t, 0.15)

    ends = np.append(scene_starts[1:], duration)
    episodes = np.zeros(n)
    shocks: list[float] = []
    for start, end, code in zip(scene_starts, ends, codes, strict=True):
        length = end - start
        if code == SUSPENSE:
            lo = start + rng.uniform(0.1, 0.3) * length
            hi = end - rng.uniform(0.0, 0.15) * length
            episodes[(t >= lo) & (t < hi)] = 1.0
            count = 1 + rng.poisson((hi - lo) / 20.0)
            shocks.extend(rng.uniform(lo + 1.0, max(lo + 1.5, hi - 0.5), size=count))
        elif code == ACTION:
            shocks.extend(
                rng.uniform(start + 1.0, max(start + 1.5, end - 0.5), size=rng.poisson(length / 30.0))
            )
    fear = np.clip(gaussian_filter1d(episodes, 1.5 * rate, mode="nearest"), 0.0, 1.0)
    shock_times = np.sort(np.array([s for s in shocks if 0.0 < s < duration - 0.5]))
    after = t[:, None] - shock_times[None, :]
    kick = np.where(after >= 0, np.exp(-np.maximum(after, 0) / 3.0), 0.0).sum(axis=1)

    valence = np.tanh(1.1 * (valence - FEAR_VALENCE_PULL * fear))
    arousal = np.tanh(1.1 * (arousal + FEAR_AROUSAL_PUSH * fear + SHOCK_AROUSAL * kick))
    return Latent(
        duration=float(duration),
        rate=float(rate),
        valence=valence,
        arousal=arousal,
        fear=fear,
        scene=scene,
        scene_starts=scene_starts,
        scene_codes=codes,
        shocks=shock_times,
    )
