"""The 98 × 64 log-mel patch of a 23520-sample audio window (thesis section 3.4.3).

The thesis decomposes every window with "10 ms windows every 5 ms" into 64 mel bands and gets a
98 × 64 patch, following the log-mel input of Hershey et al. (2016). Those two
numbers cannot both be exact (0.533 s at a 5 ms hop gives about 106 frames), so the hop is the one
that gives exactly 98 whole frames without padding:

* analysis window: 441 samples (10 ms at 44.1 kHz), periodic Hann, zero-padded to a 1024-point FFT;
* hop: 237 samples (5.37 ms), so ``1 + (23520 - 441) // 237 = 98`` frames, all inside the window;
* 64 mel bands (Slaney) between 125 Hz and 7500 Hz, on the magnitude spectrum, as Hershey et al.;
* ``log(mel + 0.01)``, the same stabilised logarithm.

Everything is vectorised over a batch of windows.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import scipy.fft
from numpy.lib.stride_tricks import sliding_window_view

from emolib.media.alignment import AUDIO_RATE, STEP_SAMPLES

WIN_LENGTH = 441
"""Analysis window in samples (10 ms)."""
HOP_LENGTH = 237
"""Hop in samples (5.37 ms): the hop that gives exactly 98 frames per window."""
N_FFT = 1024
"""FFT length (the 441-sample frame is zero-padded)."""
N_MELS = 64
"""Mel bands."""
FMIN, FMAX = 125.0, 7500.0
"""Frequency range of the mel bands in Hz."""
LOG_OFFSET = 0.01
"""Offset inside the logarithm."""
N_FRAMES = 1 + (STEP_SAMPLES - WIN_LENGTH) // HOP_LENGTH
"""Frames per patch: 98."""
PATCH_SHAPE = (N_FRAMES, N_MELS)
"""Shape of one patch: (98, 64)."""
PARAMS = {
    "sr": AUDIO_RATE,
    "win_length": WIN_LENGTH,
    "hop_length": HOP_LENGTH,
    "n_fft": N_FFT,
    "n_mels": N_MELS,
    "fmin": FMIN,
    "fmax": FMAX,
    "log_offset": LOG_OFFSET,
}
"""The patch parameters, recorded in the feature store by every extractor that uses patches."""


_MEL_LINEAR_HZ = 200.0 / 3
"""Slaney's mel scale: 200/3 Hz per mel below 1 kHz ..."""
_MEL_LOG_HZ = 1000.0
"""... and logarithmic above 1 kHz, with a step of ``log(6.4) / 27`` per mel."""
_MEL_LOG_STEP = np.log(6.4) / 27.0


def hz_to_mel(hz: np.ndarray) -> np.ndarray:
    """Slaney's mel scale (the Auditory Toolbox's, librosa's default): linear below 1 kHz, log above."""
    hz = np.asarray(hz, dtype=np.float64)
    log_mel = _MEL_LOG_HZ / _MEL_LINEAR_HZ + np.log(np.maximum(hz, _MEL_LOG_HZ) / _MEL_LOG_HZ) / _MEL_LOG_STEP
    return np.where(hz >= _MEL_LOG_HZ, log_mel, hz / _MEL_LINEAR_HZ)


def mel_to_hz(mel: np.ndarray) -> np.ndarray:
    """The inverse of :func:`hz_to_mel`."""
    mel = np.asarray(mel, dtype=np.float64)
    start = _MEL_LOG_HZ / _MEL_LINEAR_HZ
    log_hz = _MEL_LOG_HZ * np.exp(_MEL_LOG_STEP * (np.maximum(mel, start) - start))
    return np.where(mel >= start, log_hz, _MEL_LINEAR_HZ * mel)


def mel_filterbank(sr: float, n_fft: int, n_mels: int, fmin: float, fmax: float) -> np.ndarray:
    """Slaney-normalised triangular mel filters, ``(n_mels, 1 + n_fft // 2)`` float32.

    The same matrix as ``librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax)``
    (Slaney's mel scale, each triangle divided by its width in Hz so that every band has about
    the same energy), computed in the same order of float64 steps and rounded to float32 at the same
    points, so that the log-mel front end needs only numpy (a GPU server has no librosa).
    """
    fft_hz = np.fft.rfftfreq(n=n_fft, d=1.0 / sr)
    edges = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    widths = np.diff(edges)
    ramps = np.subtract.outer(edges, fft_hz)
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    weights = np.maximum(0, np.minimum(lower, upper)).astype(np.float32)
    slaney = 2.0 / (edges[2:] - edges[:-2])
    return (weights * slaney[:, None]).astype(np.float32)


@lru_cache(maxsize=1)
def _filters() -> tuple[np.ndarray, np.ndarray]:
    window = np.hanning(WIN_LENGTH + 1)[:-1].astype(np.float32)  # periodic Hann
    mel = mel_filterbank(AUDIO_RATE, N_FFT, N_MELS, FMIN, FMAX)
    return window, mel.T.astype(np.float32)


def logmel_patches(windows: np.ndarray) -> np.ndarray:
    """Log-mel patches of a batch of audio windows.

    Parameters
    ----------
    windows
        ``(n, 23520)`` (or ``(23520,)``) float mono samples at 44.1 kHz.

    Returns
    -------
    numpy.ndarray
        float32, ``(n, 98, 64)`` (or ``(98, 64)``): time frames × mel bands.
    """
    x = np.asarray(windows, dtype=np.float32)
    single = x.ndim == 1
    x = np.atleast_2d(x)
    if x.shape[-1] != STEP_SAMPLES:
        raise ValueError(f"windows must have {STEP_SAMPLES} samples, got shape {x.shape}")
    window, mel = _filters()
    frames = sliding_window_view(x, WIN_LENGTH, axis=-1)[:, ::HOP_LENGTH][:, :N_FRAMES]
    spectrum = np.abs(scipy.fft.rfft(frames * window, n=N_FFT, axis=-1)).astype(np.float32)
    mel_power = spectrum.reshape(-1, spectrum.shape[-1]) @ mel  # 2-D: one BLAS call for the batch
    patches = np.log(mel_power + LOG_OFFSET).reshape(len(x), N_FRAMES, N_MELS)
    return patches[0] if single else patches


def frame_times() -> np.ndarray:
    """Centre time in seconds of every frame of a patch, relative to the start of the window."""
    return (np.arange(N_FRAMES) * HOP_LENGTH + WIN_LENGTH / 2) / AUDIO_RATE
