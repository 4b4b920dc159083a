"""The Study A step grid of a movie, and streams of 16-frame clips and 23520-sample windows on it.

The number of steps of a movie is decided here, once, by :func:`step_grid`: the movie is resampled
to 30 fps (:mod:`emolib.media.video`), which gives ``floor(n_frames * 30 / fps)`` whole frames,
and every 16 of them make one step. A trailing partial clip is dropped. The audio is cut to the
same grid: step ``i`` is samples ``[23520 i, 23520 (i + 1))`` at 44.1 kHz, which covers exactly
the time of frames ``[16 i, 16 (i + 1))`` at 30 fps (:data:`emolib.media.alignment.STEP_SAMPLES`).
Audio beyond the last step is discarded; audio that ends a little early (encoder priming and
padding make audio tracks differ from the picture by some milliseconds) is padded with zeros up
to :data:`AUDIO_PAD_TOLERANCE` samples. A stream that ends earlier than that (a damaged file)
yields the whole steps it has, and the reader's ``shortfall`` says how many are missing.

Both streams are produced in batches of steps by a background thread (:func:`emolib.core.prefetch.prefetch`),
so that decoding the next batch overlaps with the model working on the current one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from emolib.core.errors import MediaError
from emolib.core.prefetch import Prefetch, prefetch  # noqa: F401 - re-exported (emolib.features.prefetch)
from emolib.media import MediaInfo, expected_frame_count, iter_audio, iter_frame_batches, probe
from emolib.media._common import StrPath
from emolib.media.alignment import AUDIO_RATE, STEP_FRAMES, STEP_SAMPLES, STEP_SECONDS, TARGET_FPS

CLIP_SIZE = (112, 112)
"""``(width, height)`` of the frames of a clip."""
AUDIO_PAD_TOLERANCE = STEP_SAMPLES // 4
"""Largest audio shortfall (samples, about 133 ms) that is zero-padded instead of dropping a step."""


@dataclass(frozen=True)
class StepGrid:
    """The step grid of one movie.

    Attributes
    ----------
    info : MediaInfo
        The probed movie.
    n_frames : int
        Frames at 30 fps an undamaged file gives.
    n_steps : int
        Whole steps: ``n_frames // 16``; both modalities have exactly this many.
    """

    info: MediaInfo
    n_frames: int
    n_steps: int

    @property
    def n_samples(self) -> int:
        """Audio samples at 44.1 kHz that the steps cover: ``n_steps * 23520``."""
        return self.n_steps * STEP_SAMPLES

    @property
    def seconds(self) -> float:
        """Time the steps cover, in seconds."""
        return self.n_steps * STEP_SECONDS

    def starts(self) -> np.ndarray:
        """Start time in seconds of every step."""
        return np.arange(self.n_steps) * STEP_SECONDS


def step_grid(movie: StrPath | MediaInfo) -> StepGrid:
    """The step grid of a movie: the one place where its number of steps is decided.

    Parameters
    ----------
    movie
        A movie file, or its :class:`~emolib.media.MediaInfo`.

    Returns
    -------
    StepGrid
        ``n_steps = floor(floor(n_frames * 30 / fps) / 16)``, computed in exact rational arithmetic,
        which equals :func:`emolib.media.alignment.n_steps` of the video duration.

    Raises
    ------
    MediaError
        If the file cannot be probed.
    """
    info = movie if isinstance(movie, MediaInfo) else probe(movie)
    frames = expected_frame_count(info, TARGET_FPS)
    return StepGrid(info=info, n_frames=frames, n_steps=frames // STEP_FRAMES)


@dataclass(frozen=True)
class StepBatch:
    """A batch of consecutive steps: ``data[k]`` belongs to step ``start + k``."""

    start: int
    data: np.ndarray

    def __len__(self) -> int:
        return int(self.data.shape[0])


class _StepStream:
    """Shared bookkeeping of the clip and window streams."""

    modality = ""

    def __init__(self, grid: StepGrid, batch: int) -> None:
        if int(batch) < 1:
            raise ValueError(f"batch must be at least 1 step, got {batch!r}")
        self.grid = grid
        self.batch = int(batch)
        self.produced = 0
        self.note = ""

    @property
    def expected(self) -> int:
        """Steps an undamaged file gives (``grid.n_steps``)."""
        return self.grid.n_steps

    @property
    def shortfall(self) -> int:
        """Steps missing at the end of the stream (0 for an undamaged file); valid once exhausted."""
        return self.expected - self.produced

    def summary(self) -> dict[str, object]:
        """What the feature store records about the stream once it is exhausted (plain values)."""
        return {
            "n_steps_expected": self.expected,
            "shortfall_steps": self.shortfall,
            "truncated": self.shortfall > 0,
            "note": self.note,
            "audio_padded_samples": int(getattr(self, "padded_samples", 0)),
        }


class ClipStream(_StepStream):
    """Batches of 16-frame clips, ``(n, 16, 112, 112, 3)`` uint8 RGB at 30 fps; see :func:`iter_clips`."""

    modality = "visual"

    def __init__(self, path: StrPath, grid: StepGrid, batch: int, size: tuple[int, int] = CLIP_SIZE) -> None:
        super().__init__(grid, batch)
        self.path, self.size = path, size

    def __iter__(self) -> Iterator[StepBatch]:
        frames_per_batch = self.batch * STEP_FRAMES
        width, height = self.size
        with iter_frame_batches(self.path, frames_per_batch, fps=TARGET_FPS, size=self.size) as reader:
            for block in reader:
                whole = min(len(block) // STEP_FRAMES, self.expected - self.produced)
                if whole <= 0:
                    break
                clips = block[: whole * STEP_FRAMES].reshape(whole, STEP_FRAMES, height, width, 3)
                yield StepBatch(self.produced, clips)
                self.produced += whole
            if reader.truncated:
                self.note = f"video ends after {reader.produced} of {reader.expected} frames at 30 fps"
        if self.produced == 0 and self.expected > 0:
            raise MediaError(self.path, "no video frame could be decoded")


class WindowStream(_StepStream):
    """Batches of audio windows, ``(n, 23520)`` float32 mono at 44.1 kHz; see :func:`iter_windows`."""

    modality = "audio"

    def __init__(self, path: StrPath, grid: StepGrid, batch: int) -> None:
        super().__init__(grid, batch)
        self.path = path
        self.padded_samples = 0

    def __iter__(self) -> Iterator[StepBatch]:
        if not self.grid.info.has_audio:
            raise MediaError(self.path, "has no audio track")
        block = self.batch * STEP_SAMPLES
        pending = np.zeros(0, dtype=np.float32)
        reader = iter_audio(self.path, sr=AUDIO_RATE, block=block)
        decoded, failure = 0, ""
        with reader:
            try:
                for samples in reader:
                    decoded += samples.size
                    pending = np.concatenate([pending, samples]) if pending.size else samples
                    while pending.size >= block and self.produced < self.expected:
                        yield from self._emit(pending[:block])
                        pending = pending[block:]
                    if self.produced >= self.expected:
                        break
            except MediaError as err:  # damaged last packets: keep what was decoded before
                if decoded == 0:
                    raise
                failure = f"; audio decoding stopped: {err.message}"
        missing = self.grid.n_samples - self.produced * STEP_SAMPLES - pending.size
        if self.produced < self.expected and pending.size and missing <= AUDIO_PAD_TOLERANCE:
            self.padded_samples = max(missing, 0)
            pending = np.concatenate([pending, np.zeros(self.padded_samples, dtype=np.float32)])
        if self.produced < self.expected and pending.size >= STEP_SAMPLES:
            yield from self._emit(pending)
        if self.produced < self.expected:
            self.note = f"audio ends after {decoded / AUDIO_RATE:.3f} s of {self.grid.seconds:.3f} s{failure}"
        if self.produced == 0 and self.expected > 0:
            raise MediaError(self.path, "no audio window could be decoded" + failure)

    def _emit(self, samples: np.ndarray) -> Iterator[StepBatch]:
        whole = min(samples.size // STEP_SAMPLES, self.expected - self.produced)
        if whole > 0:
            yield StepBatch(self.produced, samples[: whole * STEP_SAMPLES].reshape(whole, STEP_SAMPLES))
            self.produced += whole


def iter_clips(path: StrPath, grid: StepGrid | None = None, batch: int = 8) -> ClipStream:
    """Stream a movie as batches of 16-frame clips on its step grid.

    Parameters
    ----------
    path
        The movie.
    grid
        Its step grid (probed when ``None``).
    batch
        Clips per batch (the last batch may be shorter).

    Returns
    -------
    ClipStream
        An iterable of :class:`StepBatch` whose data are ``(n, 16, 112, 112, 3)`` uint8 RGB clips at
        30 fps. After iteration ``produced`` is the number of clips, ``shortfall`` the steps missing
        (a damaged file) and ``note`` says why.
    """
    return ClipStream(path, grid or step_grid(path), batch)


def iter_windows(path: StrPath, grid: StepGrid | None = None, batch: int = 8) -> WindowStream:
    """Stream the soundtrack of a movie as batches of 23520-sample windows on its step grid.

    Parameters
    ----------
    path
        The movie.
    grid
        Its step grid (probed when ``None``); the audio is cut or padded to ``grid.n_samples``.
    batch
        Windows per batch.

    Returns
    -------
    WindowStream
        An iterable of :class:`StepBatch` whose data are ``(n, 23520)`` float32 mono windows at
        44.1 kHz; ``produced``, ``shortfall``, ``note`` and ``padded_samples`` tell what happened.

    Raises
    ------
    MediaError
        During iteration, if the movie has no audio track or no audio can be decoded.
    """
    return WindowStream(path, grid or step_grid(path), batch)
