"""Visual extractor ``colour-motion``: weight-free colour, brightness, motion and shot-cut features per step.

These are the hand-made cues the thesis's state-of-the-art section names (its section 2.3, after
Hanjalic and the MediaEval 2016 systems): the dominant colours of a scene, its brightness and
saturation, how much the picture moves, and how often the shot changes. For every 16-frame clip:

=========================  ====  =====================================================================
feature                    dims  definition
=========================  ====  =====================================================================
brightness mean, std          2  HSV value channel over all pixels of the 16 frames, in [0, 1]
saturation mean, std          2  HSV saturation channel, in [0, 1]
hue cos, sin                  2  saturation-weighted circular mean of hue (grey pixels do not vote)
hue histogram                12  30° bins, saturation-weighted, sums to 1 (0 for a grey clip)
saturation histogram          4  fraction of pixels per quarter of the saturation range
brightness histogram          8  fraction of pixels per eighth of the value range
colourfulness                 1  Hasler and Süsstrunk's metric on RGB, divided by 255
motion mean, std, max         3  mean absolute grey-level difference of consecutive frames, in [0, 1]
cut count, cut strength       2  frame pairs whose HSV histograms differ by more than ``cut_threshold``
                                 (total-variation distance of 8 × 4 × 4 bins), and the largest distance
=========================  ====  =====================================================================

Frame pairs are the 15 inside a clip plus the pair across the boundary with the previous clip of the
same movie (state kept between batches, cleared by :meth:`ColourMotion.reset`). Pairs of identical
frames are left out of the motion and cut statistics: they are the repeats made by resampling a
24 or 25 fps movie to 30 fps, and would otherwise bias motion by the source frame rate.
"""

from __future__ import annotations

from typing import Any, ClassVar

import cv2
import numpy as np

from .base import Extractor

HUE_BINS, SAT_BINS, VAL_BINS = 12, 4, 8
CUT_BINS = (8, 4, 4)
_BLOCKS: tuple[tuple[str, int], ...] = (
    ("brightness_mean", 1),
    ("brightness_std", 1),
    ("saturation_mean", 1),
    ("saturation_std", 1),
    ("hue_cos", 1),
    ("hue_sin", 1),
    ("hue_hist", HUE_BINS),
    ("sat_hist", SAT_BINS),
    ("val_hist", VAL_BINS),
    ("colourfulness", 1),
    ("motion_mean", 1),
    ("motion_std", 1),
    ("motion_max", 1),
    ("cut_count", 1),
    ("cut_strength", 1),
)


def _names() -> list[str]:
    return [name if size == 1 else f"{name}_{i}" for name, size in _BLOCKS for i in range(size)]


_LEVELS = np.arange(256, dtype=np.float64)
_HUE_ANGLE = np.arange(180, dtype=np.float64) * (np.pi / 90)  # OpenCV hue is in [0, 180)


def _frame_histograms(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-frame sufficient statistics of one frame, with OpenCV's histogram code.

    Returns the joint hue × saturation histogram (180 × 256), the value histogram (256), the
    coarse HSV histogram for cut detection (8 × 4 × 4, normalised), the grey frame, and the mean and
    mean square of the opponent channels rg and yb (for colourfulness).
    """
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    hs = cv2.calcHist([hsv], [0, 1], None, [180, 256], [0, 180, 0, 256])
    v = cv2.calcHist([hsv], [2], None, [256], [0, 256]).ravel()
    cut = cv2.calcHist([hsv], [0, 1, 2], None, list(CUT_BINS), [0, 180, 0, 256, 0, 256]).ravel()
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    r, g, b = (rgb[..., i].astype(np.float32) for i in range(3))
    rg, yb = r - g, 0.5 * (r + g) - b
    opponent = np.array([rg.mean(), yb.mean(), (rg * rg).mean(), (yb * yb).mean()])
    return hs, v, cut / cut.sum(), grey, opponent


class ColourMotion(Extractor):
    """36 colour, brightness, motion and shot-cut features of every 16-frame clip (see the module).

    Parameters
    ----------
    **params
        ``cut_threshold``: histogram distance above which a frame pair counts as a cut (0.5).
    """

    name = "colour-motion"
    version = "1"
    modality = "visual"
    batch_hint = 16
    defaults: ClassVar[dict[str, Any]] = {"cut_threshold": 0.5}

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self._previous: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def dim(self) -> int:
        return sum(size for _, size in _BLOCKS)

    def feature_names(self) -> list[str]:
        return _names()

    def reset(self) -> None:
        self._previous = None

    def transform(self, batch: np.ndarray) -> np.ndarray:
        n, t = batch.shape[:2]
        out = np.zeros((n, self.dim), np.float32)
        for k in range(n):
            frames = [_frame_histograms(np.ascontiguousarray(f)) for f in batch[k]]
            hs = np.sum([f[0] for f in frames], axis=0)
            val = np.sum([f[1] for f in frames], axis=0)
            sat = hs.sum(axis=0)
            pixels = sat.sum()
            weighted_hue = hs @ (_LEVELS / 255)  # saturation-weighted hue histogram, 180 bins
            weight = max(weighted_hue.sum(), 1e-12)
            hue_hist = weighted_hue.reshape(HUE_BINS, -1).sum(axis=1) / weight
            opponent = np.mean([f[4] for f in frames], axis=0)
            spread = np.sqrt(max(opponent[2] - opponent[0] ** 2, 0) + max(opponent[3] - opponent[1] ** 2, 0))
            colourful = (spread + 0.3 * np.hypot(opponent[0], opponent[1])) / 255
            grey = np.stack([f[3] for f in frames])
            motion, cuts = self._motion_and_cuts(grey, np.stack([f[2] for f in frames]))
            out[k] = np.concatenate(
                [
                    _moments(val / pixels),
                    _moments(sat / pixels),
                    [weighted_hue @ np.cos(_HUE_ANGLE) / weight, weighted_hue @ np.sin(_HUE_ANGLE) / weight],
                    hue_hist,
                    sat.reshape(SAT_BINS, -1).sum(axis=1) / pixels,
                    val.reshape(VAL_BINS, -1).sum(axis=1) / pixels,
                    [colourful],
                    motion,
                    cuts,
                ]
            )
        return out

    def _motion_and_cuts(self, grey: np.ndarray, hist: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(motion mean, std, max) and (cut count, cut strength) of one clip's frame pairs."""
        if self._previous is not None:  # the pair across the boundary with the previous clip
            grey = np.concatenate([self._previous[0], grey])
            hist = np.concatenate([self._previous[1], hist])
        self._previous = (grey[-1:], hist[-1:])
        diff = np.array([cv2.absdiff(a, b).mean() for a, b in zip(grey[:-1], grey[1:], strict=True)]) / 255
        dist = 0.5 * np.abs(np.diff(hist, axis=0)).sum(axis=1)
        keep = diff > 0  # identical frames: repeats made by resampling to 30 fps
        if not keep.any():
            return np.zeros(3), np.zeros(2)
        d, strength = diff[keep], dist[keep]
        cut_count = float((strength > float(self.params["cut_threshold"])).sum())
        return np.array([d.mean(), d.std(), d.max()]), np.array([cut_count, strength.max()])


def _moments(hist: np.ndarray) -> np.ndarray:
    """Mean and standard deviation, in [0, 1], of 8-bit levels given their normalised histogram."""
    x = _LEVELS / 255
    mean = hist @ x
    return np.array([mean, np.sqrt(max(hist @ (x - mean) ** 2, 0.0))])
