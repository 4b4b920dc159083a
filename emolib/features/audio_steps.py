"""Weight-free audio extractors on the step grid: ``logmel-stats`` and ``librosa193``.

``logmel-stats``
    Per mel band of the step's 98 × 64 log-mel patch (:mod:`emolib.features.logmel`): mean, standard
    deviation, maximum and mean absolute frame-to-frame change, 256 values. The change is a
    spectral-flux-like onset cue; the mean is the coarse spectral envelope.
``librosa193``
    The 193 features of the Smell of Fear study (40 MFCC, 12 chroma, 128 mel, 7 spectral contrast,
    6 tonnetz; :func:`emolib.features.librosa193.librosa193`), computed per 0.533 s window instead of per
    30 s sequence. The batch is resampled once to 22.05 kHz (the study's rate; a window is then
    exactly 11760 samples) before the features of each window are taken.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from emolib.features import librosa193 as audio_features
from emolib.media.alignment import AUDIO_RATE

from .base import Extractor
from .logmel import N_MELS, logmel_patches
from .logmel import PARAMS as LOGMEL_PARAMS

_STATS = ("mean", "std", "max", "flux")


class LogmelStats(Extractor):
    """Mean, std, max and mean absolute change over time of every band of the log-mel patch (256-d)."""

    name = "logmel-stats"
    version = "1"
    modality = "audio"
    batch_hint = 64
    defaults: ClassVar[dict[str, Any]] = {"logmel": LOGMEL_PARAMS}

    @property
    def dim(self) -> int:
        return len(_STATS) * N_MELS

    def feature_names(self) -> list[str]:
        return [f"{stat}_mel{band}" for stat in _STATS for band in range(N_MELS)]

    def transform(self, batch: np.ndarray) -> np.ndarray:
        patches = logmel_patches(batch)  # (n, 98, 64)
        flux = np.abs(np.diff(patches, axis=1)).mean(axis=1)
        out = np.concatenate([patches.mean(axis=1), patches.std(axis=1), patches.max(axis=1), flux], axis=1)
        return out.astype(np.float32)


class Librosa193(Extractor):
    """The 193 librosa features of the Smell of Fear study for every 0.533 s window.

    Parameters
    ----------
    **params
        ``recipe``: ``"fast"`` (tonnetz from the STFT chromagram) or ``"study"`` (the study's
        harmonic constant-Q tonnetz, about ten times slower); see :mod:`emolib.features.librosa193`.
    """

    name = "librosa193"
    version = "1"
    modality = "audio"
    batch_hint = 64
    defaults: ClassVar[dict[str, Any]] = {"recipe": "fast", "rate": audio_features.FEATURE_RATE}

    @property
    def dim(self) -> int:
        return audio_features.N_FEATURES

    def feature_names(self) -> list[str]:
        return audio_features.feature_names()

    def transform(self, batch: np.ndarray) -> np.ndarray:
        import librosa

        rate = int(self.params["rate"])
        x = np.asarray(batch, dtype=np.float32)
        if rate != AUDIO_RATE and len(x):
            x = librosa.resample(x, orig_sr=AUDIO_RATE, target_sr=rate, axis=-1)
        rows = [audio_features.librosa193(w, rate, recipe=str(self.params["recipe"])) for w in x]
        return np.stack(rows).astype(np.float32) if rows else np.zeros((0, self.dim), np.float32)
