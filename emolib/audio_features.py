"""The 193 audio features of the Smell of Fear study, per clip and per 30 s sequence.

The study cut each film's sound into 30 s clips, analysed each clip with librosa and kept the
mean over time of 40 MFCCs, 12 chroma bins, 128 mel bands, 7 spectral-contrast bands and 6
tonnetz dimensions (the widely shared "193 features" recipe), giving one row of 193 numbers per
sequence. :func:`librosa193` computes one such row; :func:`librosa193_sequences` the whole matrix.

The recipe computed the tonnetz from a constant-Q chromagram of the harmonic part of the clip
(``librosa.effects.harmonic``, then librosa's default ``tonnetz``); those two steps cost ten times
more than everything else together. By default (``recipe="fast"``) the tonnetz is therefore
projected from the STFT chromagram already computed for the chroma block; ``recipe="study"``
follows the original recipe. Use one recipe for every table that a model sees.
"""

from __future__ import annotations

import warnings

import librosa
import numpy as np
from numpy.typing import NDArray

from emolib.alignment import SEQUENCE_SECONDS

FEATURE_RATE = 22050
"""Sample rate at which the features are computed (librosa's default load rate, as in the study)."""
N_MFCC = 40
N_CHROMA = 12
N_MEL = 128
N_CONTRAST = 7
N_TONNETZ = 6
N_FEATURES = N_MFCC + N_CHROMA + N_MEL + N_CONTRAST + N_TONNETZ
"""193."""
FEATURE_BLOCKS: tuple[tuple[str, int], ...] = (
    ("mfcc", N_MFCC),
    ("chroma", N_CHROMA),
    ("mel", N_MEL),
    ("contrast", N_CONTRAST),
    ("tonnetz", N_TONNETZ),
)
"""Blocks of the feature vector, in order, with their sizes."""
_MIN_SAMPLES = 2048


def feature_names() -> list[str]:
    """Names of the 193 features, e.g. ``mfcc_0`` … ``tonnetz_5``."""
    return [f"{block}_{i}" for block, size in FEATURE_BLOCKS for i in range(size)]


def _mono(y: NDArray, sr: int) -> NDArray[np.float32]:
    x = np.asarray(y, dtype=np.float32)
    if x.ndim == 2:  # (samples, channels), as soundfile reads; librosa's (channels, samples) also works
        x = x.mean(axis=1) if x.shape[0] >= x.shape[1] else x.mean(axis=0)
    elif x.ndim != 1:
        raise ValueError(f"audio must be 1-D or 2-D, got shape {x.shape}")
    if sr <= 0:
        raise ValueError(f"sample rate must be positive, got {sr}")
    return x


RECIPES = ("fast", "study")
"""Ways of computing the tonnetz block (see the module docstring)."""


def librosa193(y: NDArray, sr: int, recipe: str = "fast") -> NDArray[np.float64]:
    """Mean MFCC, chroma, mel, spectral contrast and tonnetz of one clip: 193 numbers.

    Parameters
    ----------
    y
        Audio samples, mono ``(n,)`` or multichannel ``(n, channels)`` (mixed down to mono).
    sr
        Sample rate of ``y`` in Hz; the clip is resampled to :data:`FEATURE_RATE` first.
    recipe
        ``"fast"``: tonnetz from the STFT chromagram; ``"study"``: tonnetz of the harmonic
        component from a constant-Q chromagram (about ten times slower).

    Returns
    -------
    numpy.ndarray
        float64, shape ``(193,)``: 40 MFCC, 12 chroma, 128 mel, 7 contrast, 6 tonnetz means.

    Raises
    ------
    ValueError
        If the clip is empty, not finite, or of an unsupported shape, or the recipe is unknown.
    """
    if recipe not in RECIPES:
        raise ValueError(f"unknown recipe {recipe!r}; choose one of {RECIPES}")
    x = _mono(y, sr)
    if x.size == 0:
        raise ValueError("cannot compute audio features of an empty clip")
    if not np.all(np.isfinite(x)):
        raise ValueError("audio clip holds NaN or infinite samples")
    if sr != FEATURE_RATE:
        x = librosa.resample(x, orig_sr=sr, target_sr=FEATURE_RATE)
    if x.size < _MIN_SAMPLES:  # shorter than one analysis frame: pad with silence
        x = np.pad(x, (0, _MIN_SAMPLES - x.size))
    stft = np.abs(librosa.stft(x))
    mel = librosa.feature.melspectrogram(S=stft**2, sr=FEATURE_RATE)
    mfcc = librosa.feature.mfcc(S=librosa.power_to_db(mel), n_mfcc=N_MFCC)
    contrast = librosa.feature.spectral_contrast(S=stft, sr=FEATURE_RATE)
    with warnings.catch_warnings():  # a clip without any pitched sound has no tuning to estimate
        warnings.filterwarnings("ignore", message="Trying to estimate tuning", category=UserWarning)
        chroma = librosa.feature.chroma_stft(S=stft, sr=FEATURE_RATE)
        if recipe == "study":
            tonnetz = librosa.feature.tonnetz(y=librosa.effects.harmonic(x), sr=FEATURE_RATE)
        else:
            tonnetz = librosa.feature.tonnetz(sr=FEATURE_RATE, chroma=chroma)
    feats = [m.mean(axis=1) for m in (mfcc, chroma, mel, contrast, tonnetz)]
    out = np.concatenate(feats).astype(np.float64)
    return np.nan_to_num(out, nan=0.0)


def librosa193_sequences(
    y: NDArray, sr: int, seconds: float = SEQUENCE_SECONDS, partial: bool = False, recipe: str = "fast"
) -> NDArray[np.float64]:
    """Features of every consecutive ``seconds``-long sequence of a soundtrack.

    Parameters
    ----------
    y
        Whole soundtrack, mono ``(n,)`` or ``(n, channels)``.
    sr
        Sample rate in Hz.
    seconds
        Sequence length (30 s in the study).
    partial
        Also describe the trailing partial sequence, if any.
    recipe
        See :func:`librosa193`.

    Returns
    -------
    numpy.ndarray
        float64, shape ``(n_sequences, 193)``.
    """
    x = _mono(y, sr)
    step = int(round(seconds * sr))
    count = x.size // step + (1 if partial and x.size % step else 0)
    rows = [librosa193(x[i * step : (i + 1) * step], sr, recipe=recipe) for i in range(count)]
    return np.stack(rows) if rows else np.zeros((0, N_FEATURES))
