"""A numpy stand-in for openSMILE's emobase2010 set, in its exact layout, for machines without openSMILE.

openSMILE (the ``opensmile`` package) is an optional extra of emolib (its licence allows research and
other non-commercial use only, and it brings pyarrow along). Where it is not installed, the synthetic
cinema still writes the organisers' audio descriptor folders, with values from this module: the same
1582 names in the same order (:data:`emolib.datasets.emobase2010.NAMES`), each the same *kind* of
quantity computed more simply. It is a stand-in, not a re-implementation: values are close in meaning,
not in number, to openSMILE's.

Low-level contours, every 10 ms on the mono signal resampled to 16 kHz, smoothed by a 3-frame moving
average (``_sma``), with deltas (``_de``, the regression over +-2 frames):

* ``pcm_loudness``: the frame's mean power to the power 0.3 (25 ms frames);
* ``mfcc[0-14]``: DCT-II of the log power of 26 mel bands (25 ms Hamming frames, 0-8 kHz);
* ``logMelFreqBand[0-7]``: log power of 8 mel bands over 0-8 kHz;
* ``lspFreq[0-7]``: the frequencies (as angles in [0, pi]) below which 1/9, ..., 8/9 of the frame's
  power lies, standing in for line spectral pair frequencies;
* ``F0finEnv``, ``voicingFinalUnclipped``: the pitch envelope (last voiced F0, held) and the peak of the
  normalised autocorrelation in the 50-500 Hz lag range (40 ms frames);
* ``F0final`` (0 when unvoiced: voicing under 0.55), ``jitterLocal`` and ``jitterDDP`` (first and
  second differences of the pitch period over the period), ``shimmerLocal`` (difference of the peak
  amplitude over the amplitude), between consecutive voiced frames.

Functionals over a window (:data:`~emolib.datasets.emobase2010.FUNCTIONALS`), as openSMILE defines them:
positions of the maximum and minimum (frames), arithmetic mean, linear regression slope and offset and
its mean absolute and squared errors, standard deviation, skewness, kurtosis, quartiles and their
ranges, 1st and 99th percentiles and their range, and the share of frames above 75 % and 90 % of the
range; ``F0final__Turn_numOnsets`` counts voiced stretches, ``F0final__Turn_duration`` is the window's
length in seconds.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.fft import dct
from scipy.signal import resample_poly

from emolib.datasets.emobase2010 import FUNCTIONALS, LLD, N_VALUES, PITCH_FUNCTIONALS, PITCH_LLD

__all__ = ["RATE", "contours", "emobase2010_numpy", "functionals"]

RATE = 16000
"""Sample rate the contours are computed at."""
CHUNK_SECONDS = 30.0
"""Contours are computed over at most this much sound at a time (windows longer than it, alone)."""
HOP = 160
"""10 ms."""
_FRAME = 400
_PITCH_FRAME = 640
_VOICED = 0.55


def _frames(x: NDArray[np.float64], size: int, n: int | None = None) -> NDArray[np.float64]:
    """Frames of ``size`` samples every :data:`HOP` (``n`` of them, zero-padded at the end if needed)."""
    if n is None:
        n = max(1, 1 + (x.size - size) // HOP) if x.size >= size else 1
    padded = np.pad(x, (0, max(0, (n - 1) * HOP + size - x.size)))
    index = np.arange(size)[None, :] + HOP * np.arange(n)[:, None]
    return padded[index]


def _mel_matrix(n_fft: int, bands: int) -> NDArray[np.float64]:
    mel = np.linspace(0.0, 2595 * np.log10(1 + (RATE / 2) / 700), bands + 2)
    hz = 700 * (10 ** (mel / 2595) - 1)
    bins = np.fft.rfftfreq(n_fft, 1 / RATE)
    out = np.zeros((bands, bins.size))
    for b in range(bands):
        lo, mid, hi = hz[b : b + 3]
        out[b] = np.clip(np.minimum((bins - lo) / (mid - lo), (hi - bins) / (hi - mid)), 0, None)
    return out


_MEL26 = _mel_matrix(512, 26)
_MEL8 = _mel_matrix(512, 8)


def _sma(c: NDArray[np.float64]) -> NDArray[np.float64]:
    padded = np.pad(c, ((1, 1), (0, 0)), mode="edge")
    return (padded[:-2] + padded[1:-1] + padded[2:]) / 3.0


def _delta(c: NDArray[np.float64]) -> NDArray[np.float64]:
    padded = np.pad(c, ((2, 2), (0, 0)), mode="edge")
    return (2 * (padded[4:] - padded[:-4]) + (padded[3:-1] - padded[1:-3])) / 10.0


def _pitch(x: NDArray[np.float64], n: int) -> tuple[NDArray[np.float64], ...]:
    """F0 (0 unvoiced), voicing, pitch period and peak amplitude per 10 ms frame."""
    frames = _frames(x, _PITCH_FRAME, n)
    frames = frames - frames.mean(axis=1, keepdims=True)
    spec = np.fft.rfft(frames, 2 * _PITCH_FRAME)
    ac = np.fft.irfft(np.abs(spec) ** 2)[:, :_PITCH_FRAME]
    lo, hi = RATE // 500, RATE // 50
    norm = np.maximum(ac[:, :1], 1e-12)
    lag = lo + np.argmax(ac[:, lo:hi], axis=1)
    voicing = np.clip(ac[np.arange(len(ac)), lag] / norm[:, 0], 0.0, 1.0)
    voiced = voicing > _VOICED
    f0 = np.where(voiced, RATE / lag, 0.0)
    return f0, voicing, lag / RATE, np.abs(frames).max(axis=1), voiced


def contours(signal: NDArray[np.floating], rate: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The 34 low-level contours and the 4 pitch contours of a mono signal, every 10 ms.

    Returns
    -------
    tuple of numpy.ndarray
        ``(n_frames, 34)`` in :data:`~emolib.datasets.emobase2010.LLD` order (smoothed) and ``(n_frames, 4)``
        in :data:`~emolib.datasets.emobase2010.PITCH_LLD` order.
    """
    x = np.asarray(signal, dtype=np.float64)
    if rate != RATE:
        g = np.gcd(int(rate), RATE)
        x = resample_poly(x, RATE // g, int(rate) // g)
    frames = _frames(x, _FRAME)
    n = len(frames)
    power = np.abs(np.fft.rfft(frames * np.hamming(_FRAME), 512)) ** 2
    loudness = (power.mean(axis=1) / 512) ** 0.3
    mfcc = dct(np.log(power @ _MEL26.T + 1e-10), type=2, axis=1, norm="ortho")[:, :15]
    logmel = np.log(power @ _MEL8.T + 1e-10)
    cum = np.cumsum(power, axis=1)
    cum /= np.maximum(cum[:, -1:], 1e-12)
    lsp = (
        np.stack([np.argmax(cum >= q, axis=1) for q in np.arange(1, 9) / 9], axis=1) * np.pi / power.shape[1]
    )
    f0, voicing, period, amplitude, voiced = _pitch(x, n)
    held = np.maximum.accumulate(np.where(voiced, np.arange(n), 0))
    env = np.where(held > 0, f0[held], f0)
    low = np.column_stack([loudness, mfcc, logmel, lsp, env, voicing])
    both = voiced[1:] & voiced[:-1]
    jitter = np.zeros(n)
    jitter[1:] = np.where(both, np.abs(np.diff(period)) / np.maximum(period[1:], 1e-9), 0.0)
    ddp = np.zeros(n)
    ddp[2:] = np.where(both[1:] & both[:-1], np.abs(np.diff(period, 2)) / np.maximum(period[2:], 1e-9), 0.0)
    shimmer = np.zeros(n)
    shimmer[1:] = np.where(both, np.abs(np.diff(amplitude)) / np.maximum(amplitude[1:], 1e-9), 0.0)
    pitch = np.column_stack([f0, jitter, ddp, shimmer])
    return _sma(low), _sma(pitch)


def functionals(c: NDArray[np.float64], names: tuple[str, ...]) -> NDArray[np.float64]:
    """The named functionals (``FUNCTIONALS`` or ``PITCH_FUNCTIONALS``) of every column, flat and
    column-major (all functionals of column 0 first)."""
    n = c.shape[0]
    t = np.arange(n, dtype=np.float64)
    mean = c.mean(axis=0)
    std = c.std(axis=0)
    tc = t - t.mean()
    slope = (tc[:, None] * (c - mean)).sum(axis=0) / max(float((tc**2).sum()), 1e-12)
    offset = mean - slope * t.mean()
    err = c - (offset + slope * t[:, None])
    safe = np.where(std > 1e-12, std, 1.0)
    z = (c - mean) / safe
    q1, q2, q3, p1, p99 = np.percentile(c, [25, 50, 75, 1, 99], axis=0)
    lo, hi = c.min(axis=0), c.max(axis=0)
    span = hi - lo
    values = {
        "maxPos": np.argmax(c, axis=0).astype(np.float64),
        "minPos": np.argmin(c, axis=0).astype(np.float64),
        "amean": mean,
        "linregc1": slope,
        "linregc2": offset,
        "linregerrA": np.abs(err).mean(axis=0),
        "linregerrQ": (err**2).mean(axis=0),
        "stddev": std,
        "skewness": np.where(std > 1e-12, (z**3).mean(axis=0), 0.0),
        "kurtosis": np.where(std > 1e-12, (z**4).mean(axis=0), 0.0),
        "quartile1": q1,
        "quartile2": q2,
        "quartile3": q3,
        "iqr1-2": q2 - q1,
        "iqr2-3": q3 - q2,
        "iqr1-3": q3 - q1,
        "percentile1.0": p1,
        "percentile99.0": p99,
        "pctlrange0-1": p99 - p1,
        "upleveltime75": (c > lo + 0.75 * span).mean(axis=0),
        "upleveltime90": (c > lo + 0.90 * span).mean(axis=0),
    }
    return np.stack([values[k] for k in names], axis=1).ravel()


def _window_values(
    low: NDArray[np.float64], pitch: NDArray[np.float64], seconds: float
) -> NDArray[np.float64]:
    both_low = np.column_stack([low, _delta(low)])
    both_pitch = np.column_stack([pitch, _delta(pitch)])
    voiced = pitch[:, 0] > 0
    onsets = float(np.count_nonzero(voiced[1:] & ~voiced[:-1]) + int(voiced[0]))
    out = np.concatenate(
        [functionals(both_low, FUNCTIONALS), functionals(both_pitch, PITCH_FUNCTIONALS), [onsets, seconds]]
    )
    return out


def emobase2010_numpy(
    signal: NDArray[np.floating], rate: int, starts: NDArray[np.float64], length: float
) -> NDArray[np.float64]:
    """The stand-in emobase2010 values of windows ``[start, start + length)`` of a mono signal.

    Parameters
    ----------
    signal
        Mono samples.
    rate
        Their sample rate.
    starts
        Window starts in seconds (a window running past the end is cut there).
    length
        Window length in seconds.

    Returns
    -------
    numpy.ndarray
        float64 ``(len(starts), 1582)`` in :data:`~emolib.datasets.emobase2010.NAMES` order.
    """
    x = np.asarray(signal, dtype=np.float64)
    starts = np.asarray(starts, dtype=np.float64)
    out = np.empty((len(starts), N_VALUES))
    per_second = RATE // HOP
    first = 0
    while first < len(starts):  # contours of at most CHUNK_SECONDS of sound at a time (memory)
        last = first
        while last + 1 < len(starts) and starts[last + 1] + length - starts[first] <= CHUNK_SECONDS:
            last += 1
        offset = float(starts[first])
        piece = x[int(round(offset * rate)) : int(round((starts[last] + length) * rate))]
        low, pitch = contours(piece if piece.size else x[-1:], rate)
        for i in range(first, last + 1):
            a = min(int(round((starts[i] - offset) * per_second)), len(low) - 1)
            b = max(a + 1, min(int(round((starts[i] - offset + length) * per_second)), len(low)))
            out[i] = _window_values(low[a:b], pitch[a:b], (b - a) / per_second)
        first = last + 1
    if len(LLD) * 2 * len(FUNCTIONALS) + len(PITCH_LLD) * 2 * len(PITCH_FUNCTIONALS) + 2 != N_VALUES:
        raise RuntimeError("the emobase2010 layout changed")  # pragma: no cover - guards the constants
    return out
