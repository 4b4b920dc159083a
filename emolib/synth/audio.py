"""Soundtrack synthesis: latent curves made audible, where and as far as the cues let them.

Cues planted in the sound (see ``data/README.md`` and :mod:`emolib.synth.cues`), while music plays:

* **valence** sets the share of *major* bars: each bar is a major (I-IV-V-I) or a minor
  (i-iv-v-i) progression step, major with probability ``1 / (1 + exp(-valence / MODE_SPREAD))``,
  so the mode of one bar is a hint and the mode over several bars a measure; and the *brightness*
  of the timbre (the weight of the chord tones' upper harmonics, :func:`timbre_brightness`);
* **arousal** sets the *tempo* (66 to 150 beats per minute, times the stretch's own tempo
  multiplier), the *loudness* of the music (scaled by the stretch's own mix level), the strength
  of the kick drum and, above a threshold, off-beat hi-hats.

Where music is absent the soundtrack is room tone or a dialogue-like babble at a level of its own,
which says nothing about valence or arousal. Whatever the music:

* **fear** brings a *low rumble* (29-55 Hz) and pushes the music back; every shock is a *sudden
  loud onset* (a broadband burst over a low thump), and smaller *stingers* (a burst without the
  flash) cluster in the seconds before a fear episode;
* **conversation** scenes carry a voice (a harmonic tone with syllable-rate amplitude modulation).

Every sample is a pure function of its index given a :class:`Score` planned once per movie, so
the soundtrack can be produced chunk by chunk (one 30 s sequence at a time) with identical results
whatever the chunking.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from emolib.synth.cues import Cues
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
MODE_SPREAD = 0.15
"""Valence scale of the share of major bars (a bar is major with probability sigmoid(valence / this))."""
STINGER_LEVEL = 0.45
"""Loudness of a stinger relative to a shock's onset."""


def tempo_bpm(arousal: ArrayLike) -> NDArray[np.float64]:
    """Tempo in beats per minute for an arousal in [-1, 1]: 66 at -1, 150 at +1."""
    return 66.0 + 84.0 * (np.asarray(arousal, dtype=np.float64) + 1.0) / 2.0


def music_gain(arousal: ArrayLike) -> NDArray[np.float64]:
    """Linear gain of the music for an arousal in [-1, 1] (about -24 dBFS to -10 dBFS)."""
    u = (np.asarray(arousal, dtype=np.float64) + 1.0) / 2.0
    return 0.06 + 0.26 * u**1.3


def timbre_brightness(valence: ArrayLike) -> NDArray[np.float64]:
    """Weight of the second harmonic of the chord tones (the third gets its square): 0.2 to 0.4."""
    return 0.2 + 0.1 * (np.asarray(valence, dtype=np.float64) + 1.0)


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
    audible
        Whether any music is heard while each beat sounds (silent beats are skipped).
    bright
        Timbre brightness per beat (:func:`timbre_brightness` of the valence at the beat).
    hats
        Hi-hat gain per beat (on its off-beat), 0 when arousal is low; it also strengthens the kick.
    voice_hz
        Fundamental of the conversation voice.
    noise
        White-noise table, float32.
    cues
        The movie's cue plan: when music plays and at what mix level, the ambience, the stingers.
    """

    beats: NDArray[np.float64]
    chords: NDArray[np.float64]
    bass: NDArray[np.float64]
    major: NDArray[np.bool_]
    audible: NDArray[np.bool_]
    bright: NDArray[np.float64]
    hats: NDArray[np.float64]
    voice_hz: float
    noise: NDArray[np.float32]
    cues: Cues


def major_probability(valence: ArrayLike) -> NDArray[np.float64]:
    """Probability that a bar is major, for valences in [-1, 1]."""
    return 1.0 / (1.0 + np.exp(-np.asarray(valence, dtype=np.float64) / MODE_SPREAD))


def plan_score(latent: Latent, cues: Cues, rng: np.random.Generator) -> Score:
    """Plan beats and chords: tempo follows arousal, the mode of each bar is drawn from valence.

    Parameters
    ----------
    latent
        The movie's latent curves.
    cues
        Its cue plan (when the music is heard).
    rng
        The movie's ``audio`` random stream.
    """
    t = latent.t
    bpm = tempo_bpm(latent.arousal) * cues.tempo_at(t)
    phase = np.concatenate([[0.0], np.cumsum(0.5 * (bpm[1:] + bpm[:-1]) / 60.0 / latent.rate)])
    n_beats = int(np.floor(phase[-1])) + 1
    beats = np.interp(np.arange(n_beats + 1, dtype=np.float64), phase, t)
    beats[-1] = max(beats[-1], beats[-2] + 0.4)  # the extra end beyond the tail
    key = 57 + int(rng.integers(0, 7))  # A3 .. D#4
    bar = np.arange(n_beats) // 4
    bar_major = rng.random(int(bar[-1]) + 1) < major_probability(latent.at(beats[0:n_beats:4], "valence"))
    major = bar_major[bar]
    triad = np.where(major[:, None], _MAJOR[None, :], _MINOR[None, :])
    degree = _PROGRESSION[bar % len(_PROGRESSION)]
    chords = midi_hz(key + degree[:, None] + triad)
    bass = np.where(np.arange(n_beats) % 2 == 0, midi_hz(key - 24 + degree), 0.0)
    hats = np.clip(latent.at(beats[:-1], "arousal") + 0.1, 0.0, None)
    heard = sum(cues.music_level(beats[:-1] + d) for d in (0.0, 0.75, 1.5))  # a beat sounds 1.5 s at most
    return Score(
        beats=beats,
        chords=chords,
        bass=bass,
        major=major,
        audible=heard > 0.0,
        bright=timbre_brightness(latent.at(beats[:-1], "valence")),
        hats=hats,
        voice_hz=float(rng.uniform(110.0, 210.0)),
        noise=rng.uniform(-1.0, 1.0, NOISE_TABLE).astype(np.float32),
        cues=cues,
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
        if not score.audible[i]:
            continue
        start, end = score.beats[i], min(score.beats[i + 1] + 0.05, score.beats[i] + 1.5)
        a, b = np.searchsorted(t, [start, end])
        if a >= b:
            continue
        tau = (t[a:b] - start).astype(np.float32)
        dur = np.float32(end - start)
        env = (1.0 - np.exp(-tau / 0.01)) * np.exp(-tau / (0.7 * dur)) * np.clip((dur - tau) / 0.05, 0, 1)
        freqs = score.chords[i].astype(np.float32)[:, None]
        b2 = np.float32(score.bright[i])
        tone = (
            np.sin(_TWO_PI * freqs * tau)
            + b2 * np.sin(2 * _TWO_PI * freqs * tau)
            + b2 * b2 * np.sin(3 * _TWO_PI * freqs * tau)
        ).sum(axis=0)
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


def _onsets(
    times: NDArray[np.float64], level: float, salt: int, score: Score, t: NDArray[np.float64], sr: int
) -> NDArray[np.float32]:
    """Sudden loud onsets (a broadband burst over a 45 Hz thump) at ``times``, scaled by ``level``."""
    out = np.zeros(t.size, dtype=np.float32)
    for i in _events(times, 1.5, float(t[0]), float(t[-1]) + 1.0 / sr):
        start = times[i]
        a, b = np.searchsorted(t, [start, start + 1.5])
        if a >= b:
            continue
        tau = (t[a:b] - start).astype(np.float32)
        idx = (np.round(t[a:b] * sr).astype(np.int64) + salt * i) % NOISE_TABLE
        burst = 0.8 * score.noise[idx] * np.exp(-tau / 0.25) + 0.6 * np.sin(_TWO_PI * 45.0 * tau) * np.exp(
            -tau / 0.5
        )
        out[a:b] += np.float32(level) * burst
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


def _speech(f0: float, tt: NDArray[np.float64]) -> NDArray[np.float32]:
    """A speaking voice at fundamental ``f0``: harmonics with intonation, modulated at syllable rate."""
    syllables = np.maximum(_cycles(4.3, tt + 0.2 * _cycles(0.7, tt)), 0.0) ** 2
    # intonation: f0 (1 + 0.08 sin(2 pi 0.5 t)); its phase integral is analytic
    intonation = np.float32(f0 * 0.08 / np.pi) * _cycles(0.5, tt + 0.5)
    cyc = f0 * tt
    cyc -= np.floor(cyc)
    frac = (cyc.astype(np.float32) + intonation) * _TWO_PI
    voice = np.zeros(tt.size, dtype=np.float32)
    for k, weight in enumerate((1.0, 0.6, 0.5, 0.25, 0.15), start=1):
        voice += np.float32(weight) * np.sin(np.float32(k) * frac)
    return syllables * voice


def _voice(latent: Latent, score: Score, t: NDArray[np.float64]) -> NDArray[np.float32]:
    out = np.zeros(t.size, dtype=np.float32)
    on = np.flatnonzero(latent.scene_at(t) == _CONVERSATION)
    if on.size:
        out[on] = 0.12 * _speech(score.voice_hz, t[on])
    return out


def _ambience(score: Score, t: NDArray[np.float64], sr: int) -> NDArray[np.float32]:
    """Room tone (soft low-passed noise) or babble (two distant voices over it) where no music plays."""
    out = np.zeros(t.size, dtype=np.float32)
    room = score.cues.ambience_level(t, babble=False)
    babble = score.cues.ambience_level(t, babble=True)
    on = np.flatnonzero((room > 0) | (babble > 0))
    if on.size == 0:
        return out
    tt = t[on]
    idx = np.round(tt * sr).astype(np.int64) + 31337
    hiss = sum(score.noise[(idx - k) % NOISE_TABLE] for k in range(4)) / np.float32(2.0)
    level = (room[on] + babble[on]).astype(np.float32)
    voices = _speech(1.3 * score.voice_hz, tt + 0.37) + _speech(0.8 * score.voice_hz, tt + 1.91)
    out[on] = level * hiss + (2.0 * babble[on]).astype(np.float32) * voices
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
    mix = score.cues.music_level(t)
    gain = (music_gain(latent.at(t, "arousal")) * mix * (1.0 - 0.6 * fear)).astype(np.float32)
    music, hats = _music(score, t, sr) if mix.any() else (np.zeros_like(fear), np.zeros_like(fear))
    common = (
        gain * music
        + _rumble(fear, t)
        + _onsets(latent.shocks, 1.0, 104729, score, t, sr)
        + _onsets(score.cues.stingers, STINGER_LEVEL, 7907, score, t, sr)
        + _ambience(score, t, sr)
    )
    voice = _voice(latent, score, t)
    hats = gain * hats
    if channels == 1:
        out = (common + hats + voice)[:, None]
    elif channels == 2:
        out = np.stack([common + 0.6 * hats + 1.2 * voice, common + 1.4 * hats + 0.8 * voice], axis=1)
    else:
        raise ValueError(f"channels must be 1 or 2, got {channels}")
    return np.clip(out, -1.0, 1.0).astype(np.float32)


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
