"""Soundtrack synthesis: latent curves made audible.

Cues planted in the sound (see ``data/README.md``):

* **valence** picks the *mode* of the harmony: every bar is a major triad progression
  (I-IV-V-I) when valence is positive and a minor one (i-iv-v-i) when it is negative;
* **arousal** sets the *tempo* (66 to 150 beats per minute), the *loudness* of the music, the
  strength of the kick drum and, above a threshold, off-beat hi-hats;
* **fear** brings a *low rumble* (29-55 Hz) and pushes the music back; every shock is a *sudden
  loud onset* (a broadband burst over a low thump);
* **conversation** scenes carry a babbling voice (a harmonic tone with syllable-rate amplitude
  modulation).

Every sample is a pure function of its index given a :class:`Score` planned once per movie, so
the soundtrack can be produced chunk by chunk (one 30 s sequence at a time) with identical results
whatever the chunking.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from emolib.synth.latent import SCENES, Latent

_TWO_PI = np.float32(2 * np.pi)
_MAJOR = np.array([0, 4, 7])
_MINOR = np.array([0, 3, 7])
_PROGRESSION = np.array([0, 5, 7, 0])  # I-IV-V-I (or i-iv-v-i): semitones above the key
_CONVERSATION = SCENES.index("conversation")
NOISE_TABLE = 1 << 16
"""Length of the per-movie white-noise table behind hi-hats and shocks."""
BLOCK = 1 << 16
"""Samples rendered at once (small blocks keep the temporaries in cache-friendly memory)."""


def tempo_bpm(arousal: ArrayLike) -> NDArray[np.float64]:
    """Tempo in beats per minute for an arousal in [-1, 1]: 66 at -1, 150 at +1."""
    return 66.0 + 84.0 * (np.asarray(arousal, dtype=np.float64) + 1.0) / 2.0


def music_gain(arousal: ArrayLike) -> NDArray[np.float64]:
    """Linear gain of the music for an arousal in [-1, 1] (about -24 dBFS to -10 dBFS)."""
    u = (np.asarray(arousal, dtype=np.float64) + 1.0) / 2.0
    return 0.06 + 0.26 * u**1.3


def midi_hz(note: ArrayLike) -> NDArray[np.float64]:
    """Frequency in Hz of MIDI note numbers."""
    return 440.0 * 2.0 ** ((np.asarray(note, dtype=np.float64) - 69.0) / 12.0)


@dataclass(frozen=True)
class Score:
    """Everything the soundtrack of one movie plays, planned from its latent curves.

    Attributes
    ----------
    beats
        Beat onset times in seconds; ``beats[i + 1]`` ends beat ``i`` (one extra end at the tail).
    chords
        Frequencies of the three chord tones of every beat, shape ``(n_beats, 3)``.
    bass
        Bass frequency per beat, 0 where the bass rests.
    major
        Whether each beat's chord is major.
    hats
        Hi-hat gain per beat (on its off-beat), 0 when arousal is low; it also strengthens the kick.
    voice_hz
        Fundamental of the conversation voice.
    noise
        White-noise table, float32.
    """

    beats: NDArray[np.float64]
    chords: NDArray[np.float64]
    bass: NDArray[np.float64]
    major: NDArray[np.bool_]
    hats: NDArray[np.float64]
    voice_hz: float
    noise: NDArray[np.float32]


def plan_score(latent: Latent, rng: np.random.Generator) -> Score:
    """Plan beats and chords: tempo follows arousal, the mode of each bar follows valence.

    Parameters
    ----------
    latent
        The movie's latent curves.
    rng
        The movie's ``audio`` random stream.
    """
    t = latent.t
    bpm = tempo_bpm(latent.arousal)
    phase = np.concatenate([[0.0], np.cumsum(0.5 * (bpm[1:] + bpm[:-1]) / 60.0 / latent.rate)])
    n_beats = int(np.floor(phase[-1])) + 1
    beats = np.interp(np.arange(n_beats + 1, dtype=np.float64), phase, t)
    beats[-1] = max(beats[-1], beats[-2] + 0.4)  # the extra end beyond the tail
    key = 57 + int(rng.integers(0, 7))  # A3 .. D#4
    bar = np.arange(n_beats) // 4
    bar_start = beats[bar * 4]
    major = latent.at(bar_start, "valence") > 0.0
    triad = np.where(major[:, None], _MAJOR[None, :], _MINOR[None, :])
    degree = _PROGRESSION[bar % len(_PROGRESSION)]
    chords = midi_hz(key + degree[:, None] + triad)
    bass = np.where(np.arange(n_beats) % 2 == 0, midi_hz(key - 24 + degree), 0.0)
    hats = np.clip(latent.at(beats[:-1], "arousal") + 0.1, 0.0, None)
    return Score(
        beats=beats,
        chords=chords,
        bass=bass,
        major=major,
        hats=hats,
        voice_hz=float(rng.uniform(110.0, 210.0)),
        noise=rng.uniform(-1.0, 1.0, NOISE_TABLE).astype(np.float32),
    )


def _events(starts: NDArray[np.float64], length: float, t0: float, t1: float) -> NDArray[np.int64]:
    """Indices of events starting at ``starts`` and lasting ``length`` s that overlap [t0, t1)."""
    lo = np.searchsorted(starts, t0 - length, side="left")
    hi = np.searchsorted(starts, t1, side="left")
    return np.arange(lo, hi)


def _music(score: Score, t: NDArray[np.float64], sr: int) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """Chords, bass and kick (first) and hi-hats (second) for sample times ``t``."""
    music = np.zeros(t.size, dtype=np.float32)
    hats = np.zeros(t.size, dtype=np.float32)
    t0, t1 = float(t[0]), float(t[-1]) + 1.0 / sr
    for i in _events(score.beats[:-1], 1.5, t0, t1):
        start, end = score.beats[i], min(score.beats[i + 1] + 0.05, score.beats[i] + 1.5)
        a, b = np.searchsorted(t, [start, end])
        if a >= b:
            continue
        tau = (t[a:b] - start).astype(np.float32)
        dur = np.float32(end - start)
        env = (1.0 - np.exp(-tau / 0.01)) * np.exp(-tau / (0.7 * dur)) * np.clip((dur - tau) / 0.05, 0, 1)
        freqs = score.chords[i].astype(np.float32)[:, None]
        tone = np.sin(_TWO_PI * freqs * tau).sum(axis=0) + 0.3 * np.sin(2 * _TWO_PI * freqs * tau).sum(axis=0)
        music[a:b] += 0.25 * env * tone
        if score.bass[i] > 0:
            music[a:b] += 0.35 * env * np.sin(_TWO_PI * np.float32(score.bass[i]) * tau)
        # kick drum: a sine gliding from 140 Hz down to 50 Hz (phase integrated analytically)
        glide = 50.0 * tau + 90.0 * 0.04 * (1.0 - np.exp(-tau / 0.04))
        music[a:b] += (0.4 + 0.5 * np.float32(score.hats[i])) * np.sin(_TWO_PI * glide) * np.exp(-tau / 0.12)
        if score.hats[i] > 0:
            mid = start + 0.5 * (score.beats[i + 1] - start)
            c, d = np.searchsorted(t, [mid, mid + 0.08])
            if c < d:
                tau_h = (t[c:d] - mid).astype(np.float32)
                idx = (np.round(t[c:d] * sr).astype(np.int64) + 7919 * i) % NOISE_TABLE
                hats[c:d] += np.float32(0.35 * score.hats[i]) * score.noise[idx] * np.exp(-tau_h / 0.02)
    return music, hats


def _shocks(latent: Latent, score: Score, t: NDArray[np.float64], sr: int) -> NDArray[np.float32]:
    out = np.zeros(t.size, dtype=np.float32)
    for i in _events(latent.shocks, 1.5, float(t[0]), float(t[-1]) + 1.0 / sr):
        start = latent.shocks[i]
        a, b = np.searchsorted(t, [start, start + 1.5])
        if a >= b:
            continue
        tau = (t[a:b] - start).astype(np.float32)
        idx = (np.round(t[a:b] * sr).astype(np.int64) + 104729 * i) % NOISE_TABLE
        burst = 0.8 * score.noise[idx] * np.exp(-tau / 0.25) + 0.6 * np.sin(_TWO_PI * 45.0 * tau) * np.exp(
            -tau / 0.5
        )
        out[a:b] += burst
    return out


def _cycles(freq: float, t: NDArray[np.float64]) -> NDArray[np.float32]:
    """Sine of a long-running oscillator, phase reduced in float64 so float32 sine stays exact."""
    x = freq * t
    x -= np.floor(x)
    return np.sin(_TWO_PI * x.astype(np.float32))


def _rumble(fear: NDArray[np.float32], t: NDArray[np.float64]) -> NDArray[np.float32]:
    out = np.zeros(t.size, dtype=np.float32)
    on = np.flatnonzero(fear > 1e-3)
    if on.size:
        tt = t[on]
        drone = _cycles(41.0, tt) + 0.7 * _cycles(55.3, tt) + 0.5 * _cycles(29.1, tt)
        out[on] = 0.3 * fear[on] * drone * (0.75 + 0.25 * _cycles(0.25, tt))
    return out


def _voice(latent: Latent, score: Score, t: NDArray[np.float64]) -> NDArray[np.float32]:
    out = np.zeros(t.size, dtype=np.float32)
    on = np.flatnonzero(latent.scene_at(t) == _CONVERSATION)
    if on.size == 0:
        return out
    tt = t[on]
    syllables = np.maximum(_cycles(4.3, tt + 0.2 * _cycles(0.7, tt)), 0.0) ** 2
    # intonation: f0 (1 + 0.08 sin(2 pi 0.5 t)); its phase integral is analytic
    intonation = np.float32(score.voice_hz * 0.08 / np.pi) * _cycles(0.5, tt + 0.5)
    cyc = score.voice_hz * tt
    cyc -= np.floor(cyc)
    frac = (cyc.astype(np.float32) + intonation) * _TWO_PI
    voice = np.zeros(tt.size, dtype=np.float32)
    for k, weight in enumerate((1.0, 0.6, 0.5, 0.25, 0.15), start=1):
        voice += np.float32(weight) * np.sin(np.float32(k) * frac)
    out[on] = 0.12 * syllables * voice
    return out


def render_audio(
    latent: Latent, score: Score, start: int, stop: int, sr: int, channels: int
) -> NDArray[np.float32]:
    """Samples ``start .. stop - 1`` of the soundtrack.

    Parameters
    ----------
    latent, score
        Latent curves and score of the movie.
    start, stop
        Sample indices (at ``sr``).
    sr
        Sample rate in Hz.
    channels
        1 (mono) or 2 (stereo: hi-hats lean right, the voice leans left).

    Returns
    -------
    numpy.ndarray
        float32 in [-1, 1], shape ``(stop - start, channels)``.
    """
    t = np.arange(start, stop, dtype=np.float64) / sr
    if t.size == 0:
        return np.zeros((0, channels), dtype=np.float32)
    fear = latent.at(t, "fear").astype(np.float32)
    gain = (music_gain(latent.at(t, "arousal")) * (1.0 - 0.6 * fear)).astype(np.float32)
    music, hats = _music(score, t, sr)
    common = gain * music + _rumble(fear, t) + _shocks(latent, score, t, sr)
    voice = _voice(latent, score, t)
    hats = gain * hats
    if channels == 1:
        mix = (common + hats + voice)[:, None]
    elif channels == 2:
        mix = np.stack([common + 0.6 * hats + 1.2 * voice, common + 1.4 * hats + 0.8 * voice], axis=1)
    else:
        raise ValueError(f"channels must be 1 or 2, got {channels}")
    return np.clip(mix, -1.0, 1.0).astype(np.float32)


def iter_audio(
    latent: Latent, score: Score, n_samples: int, sr: int, channels: int, chunk_seconds: float = 30.0
) -> Iterator[NDArray[np.float32]]:
    """Yield the soundtrack in consecutive chunks of ``chunk_seconds`` (the last one shorter).

    Each chunk is rendered in blocks of :data:`BLOCK` samples, which keeps temporaries small.
    """
    step = int(round(chunk_seconds * sr))
    for start in range(0, n_samples, step):
        stop = min(n_samples, start + step)
        blocks = [
            render_audio(latent, score, a, min(stop, a + BLOCK), sr, channels)
            for a in range(start, stop, BLOCK)
        ]
        yield np.concatenate(blocks)
