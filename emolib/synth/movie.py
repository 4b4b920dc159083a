"""One synthetic movie, from its spec to an ``.mp4`` with a soundtrack.

:func:`render_movie` draws the latent curves, plans the cues (:mod:`emolib.synth.cues`), the shots
and the score, streams the soundtrack into a temporary WAV (describing every 30 s chunk with
:func:`emolib.features.librosa193.librosa193` on the way, when asked), then streams the frames to
ffmpeg. Nothing longer than a batch of frames or a 30 s chunk of sound is held in memory.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from emolib.features.librosa193 import N_FEATURES, librosa193
from emolib.media.alignment import SEQUENCE_SECONDS
from emolib.synth.audio import Score, iter_audio, plan_score
from emolib.synth.cues import Cues, plan_cues
from emolib.synth.latent import Latent, sample_latent
from emolib.synth.mux import encode_movie, write_wav
from emolib.synth.profiles import MovieSpec
from emolib.synth.seeding import stream
from emolib.synth.video import Storyboard, iter_frames, plan_shots, render_batch


@dataclass(frozen=True)
class RenderedMovie:
    """What rendering a movie leaves behind besides its file.

    Attributes
    ----------
    latent, cues, board, score
        Latent curves, cue plan, storyboard and score it was rendered from.
    features
        librosa193 of every 30 s chunk of the soundtrack (the last one partial), or ``None``.
    sound
        The soundtrack before AAC coding, mixed to mono (float32 at the movie's rate), or ``None``.
    """

    latent: Latent
    cues: Cues
    board: Storyboard
    score: Score
    features: NDArray[np.float64] | None
    sound: NDArray[np.float32] | None = None


def movie_latent(spec: MovieSpec, seed: int) -> Latent:
    """The latent curves of a movie (cheap: no pixel, no sample)."""
    return sample_latent(stream(seed, spec.layout, spec.index, "latent"), spec.duration)


def movie_cues(spec: MovieSpec, seed: int, latent: Latent | None = None) -> Cues:
    """The cue plan of a movie (cheap); ``latent`` saves drawing its latent curves again."""
    latent = movie_latent(spec, seed) if latent is None else latent
    return plan_cues(latent, stream(seed, spec.layout, spec.index, "cues"))


def render_movie(
    spec: MovieSpec, seed: int, path: Path, features: bool = False, keep_sound: bool = False
) -> RenderedMovie:
    """Render a movie into ``path`` (written atomically).

    Parameters
    ----------
    spec
        What to render.
    seed
        Seed of the sample.
    path
        Destination ``.mp4``.
    features
        Also compute the 193 audio features of every 30 s chunk.
    keep_sound
        Also keep the soundtrack, mixed to mono (for the organisers'-style audio descriptors).
    """
    latent = movie_latent(spec, seed)
    cues = movie_cues(spec, seed, latent)
    board = plan_shots(latent, cues, stream(seed, spec.layout, spec.index, "video"))
    score = plan_score(latent, cues, stream(seed, spec.layout, spec.index, "audio"))
    rows: list[NDArray[np.float64]] = []
    mono: list[NDArray[np.float32]] = []

    def chunks() -> Iterator[NDArray[np.float32]]:
        for chunk in iter_audio(
            latent, score, spec.n_samples, spec.audio_rate, spec.channels, SEQUENCE_SECONDS
        ):
            if features:
                rows.append(librosa193(chunk, spec.audio_rate))
            if keep_sound:
                mono.append(chunk.mean(axis=1) if chunk.ndim == 2 else chunk)
            yield chunk

    with tempfile.TemporaryDirectory(prefix="emolib-synth-") as tmp:
        wav = Path(tmp) / "soundtrack.wav"
        write_wav(wav, chunks(), spec.audio_rate, spec.channels)
        frames = iter_frames(latent, board, spec.n_frames, float(spec.fps), spec.width, spec.height)
        encode_movie(
            path,
            frames,
            spec.fps_text,
            spec.width,
            spec.height,
            wav,
            audio_bitrate="64k" if spec.channels == 1 else "96k",
        )
    table = (np.stack(rows) if rows else np.zeros((0, N_FEATURES))) if features else None
    sound = np.concatenate(mono).astype(np.float32) if keep_sound and mono else None
    return RenderedMovie(latent=latent, cues=cues, board=board, score=score, features=table, sound=sound)


def second_frames(spec: MovieSpec, movie: RenderedMovie, batch: int = 16) -> Iterator[NDArray[np.uint8]]:
    """The frame shown in the middle of every whole second of a rendered movie, in order, rendered again
    at its presentation time (the frames are a pure function of time) ``batch`` at a time."""
    n_seconds = int(np.floor(spec.duration + 1e-9))
    fps = float(spec.fps)
    times = np.floor((np.arange(n_seconds) + 0.5) * fps) / fps
    for start in range(0, n_seconds, batch):
        yield from render_batch(
            movie.latent, movie.board, times[start : start + batch], spec.width, spec.height
        )
