"""Streaming video frames with OpenCV, resampled to a target frame rate and resized on the fly.

Resampling rule
---------------
Output frame ``k`` stands for time ``k / fps`` and shows the latest source frame whose timestamp
``j / src_fps`` (frame index over the *nominal* source rate) is not after it::

    j(k) = floor(k * src_fps / fps)

Both rates are turned into exact fractions first (``24000/1001`` for ``23.976023976...``), so the
rule has no floating-point noise at exact multiples. Only whole output frames are produced: a movie
of ``n_src`` frames gives ``floor(n_src * fps / src_fps)`` of them (:func:`expected_frame_count`).
A file whose last packets are damaged or missing gives fewer; the readers' ``produced``,
``expected`` and ``truncated`` attributes tell the caller after the fact.
"""

from __future__ import annotations

import math
from fractions import Fraction

import cv2
import numpy as np

from ._common import Closing, StrPath
from .probe import MediaInfo, open_capture, probe

_MAX_DENOMINATOR = 100_000


def exact_rate(fps: float) -> Fraction:
    """A frame rate as an exact fraction: ``exact_rate(30000 / 1001) == Fraction(30000, 1001)``."""
    if not (math.isfinite(fps) and fps > 0):
        raise ValueError(f"frame rate must be a finite positive number, got {fps!r}")
    return Fraction(fps).limit_denominator(_MAX_DENOMINATOR)


def _scaled_floor(k: int, ratio: Fraction) -> int:
    """``floor(k * ratio)`` in exact integer arithmetic."""
    return k * ratio.numerator // ratio.denominator


def expected_frame_count(info: MediaInfo, fps: float | None = None) -> int:
    """Number of frames :func:`iter_frames` yields for an undamaged file.

    Parameters
    ----------
    info
        The movie, from :func:`~emolib.media.probe`.
    fps
        Target frame rate; ``None`` keeps the source frames.

    Returns
    -------
    int
        ``floor(info.n_frames * fps / info.fps)``, or ``info.n_frames`` when ``fps`` is None.
    """
    if fps is None:
        return info.n_frames
    return _scaled_floor(info.n_frames, exact_rate(fps) / exact_rate(info.fps))


def source_frame_index(k: int, src_fps: float, fps: float) -> int:
    """Index of the source frame shown by output frame ``k``: ``floor(k * src_fps / fps)``, exactly."""
    return _scaled_floor(k, exact_rate(src_fps) / exact_rate(fps))


def _check_size(size: tuple[int, int] | None) -> tuple[int, int] | None:
    if size is None:
        return None
    width, height = (int(v) for v in size)
    if width <= 0 or height <= 0:
        raise ValueError(f"size must be (width, height) with positive values, got {size!r}")
    return width, height


def _check_batch(batch: int) -> int:
    if int(batch) < 1:
        raise ValueError(f"batch must be at least 1, got {batch!r}")
    return int(batch)


class FrameReader(Closing):
    """Iterator over the frames of a movie; made by :func:`iter_frames`.

    Frames are decoded one at a time (never the whole movie), resampled to ``fps`` by the rule in
    the module docstring and resized to ``size``. Every yielded array is a fresh ``uint8`` array of
    shape ``(height, width, 3)`` that the caller may keep or modify.

    Attributes
    ----------
    info : MediaInfo
        The probed movie.
    fps : float or None
        Target frame rate (None: the source frames as they are).
    expected : int
        Frames an undamaged file yields: ``expected_frame_count(info, fps)``.
    produced : int
        Frames yielded so far; after exhaustion, the frames actually produced.
    exhausted : bool
        True once iteration has ended (all frames, a decoding failure, or :meth:`close`).
    source_ended : bool
        True if the decoder ran out of frames (end of a damaged or cut file) before ``expected``;
        see also :attr:`truncated`.
    """

    def __init__(
        self, path: StrPath, fps: float | None = None, size: tuple[int, int] | None = None, rgb: bool = True
    ) -> None:
        self._cap: cv2.VideoCapture | None = None
        target = None if fps is None else exact_rate(fps)  # check the arguments before any decoding
        self.size = _check_size(size)
        self.fps, self.rgb = fps, rgb
        self.info = probe(path)
        self.expected = expected_frame_count(self.info, fps)
        self._ratio = Fraction(1) if target is None else exact_rate(self.info.fps) / target
        self.produced = 0
        self.exhausted = False
        self.source_ended = False
        self._pos = -1  # index of the last source frame grabbed
        self._held_index = -1  # index of the source frame in self._held
        self._held: np.ndarray | None = None
        self._cap = open_capture(path)

    @property
    def frame_shape(self) -> tuple[int, int, int]:
        """Shape ``(height, width, 3)`` of every yielded frame."""
        width, height = self.size or (self.info.width, self.info.height)
        return height, width, 3

    @property
    def truncated(self) -> bool:
        """True when the decoder ran out of frames before ``expected`` (a damaged or cut file)."""
        return self.source_ended and self.produced < self.expected

    def __iter__(self) -> FrameReader:
        return self

    def __next__(self) -> np.ndarray:
        if self.exhausted or self.produced >= self.expected:
            self.close()
            raise StopIteration
        j = _scaled_floor(self.produced, self._ratio)
        if j != self._held_index and not self._load(j):
            self.source_ended = True
            self.close()
            raise StopIteration
        self.produced += 1
        return self._held.copy()

    def _load(self, j: int) -> bool:
        """Decode up to source frame ``j`` and hold it converted; False if the stream ends first."""
        while self._pos < j:
            if not self._cap.grab():
                return False
            self._pos += 1
        ok, raw = self._cap.retrieve()
        if not ok or raw is None:
            return False
        self._held = self._convert(raw)
        self._held_index = j
        return True

    def _convert(self, bgr: np.ndarray) -> np.ndarray:
        if self.size is not None and (bgr.shape[1], bgr.shape[0]) != self.size:
            shrinking = self.size[0] <= bgr.shape[1] and self.size[1] <= bgr.shape[0]
            interp = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
            bgr = cv2.resize(bgr, self.size, interpolation=interp)
        return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB) if self.rgb else np.ascontiguousarray(bgr)

    def close(self) -> None:
        """Release the decoder; iteration then ends. Safe to call more than once."""
        self.exhausted = True
        self._held = None
        if self._cap is not None:
            self._cap.release()
            self._cap = None


class FrameBatchReader(Closing):
    """Iterator over stacked frames, ``(n, height, width, 3)`` uint8; made by :func:`iter_frame_batches`.

    Every batch holds ``batch`` frames except possibly the last. ``info``, ``expected``,
    ``produced`` (frames, not batches), ``exhausted`` and ``truncated`` mirror :class:`FrameReader`.
    """

    def __init__(self, frames: FrameReader, batch: int) -> None:
        self.frames = frames
        self.batch = _check_batch(batch)

    info = property(lambda self: self.frames.info, doc="The probed movie.")
    expected = property(lambda self: self.frames.expected, doc="Frames an undamaged file yields.")
    produced = property(lambda self: self.frames.produced, doc="Frames yielded so far.")
    exhausted = property(lambda self: self.frames.exhausted, doc="True once iteration has ended.")
    truncated = property(lambda self: self.frames.truncated, doc="True if fewer frames than expected.")

    def __iter__(self) -> FrameBatchReader:
        return self

    def __next__(self) -> np.ndarray:
        out = np.empty((self.batch, *self.frames.frame_shape), dtype=np.uint8)
        n = 0
        for n, frame in enumerate(self.frames, start=1):  # noqa: B007 - n is the count after the loop
            out[n - 1] = frame
            if n == self.batch:
                break
        if n == 0:
            raise StopIteration
        return out[:n]

    def close(self) -> None:
        """Release the decoder."""
        self.frames.close()


def iter_frames(
    path: StrPath, fps: float | None = None, size: tuple[int, int] | None = None, rgb: bool = True
) -> FrameReader:
    """Stream the frames of a movie, resampled to ``fps`` and resized to ``size``.

    Parameters
    ----------
    path
        The movie file.
    fps
        Target frame rate; ``None`` yields the source frames unchanged. Output frame ``k`` shows
        source frame ``floor(k * src_fps / fps)`` (see the module docstring).
    size
        ``(width, height)`` of the output frames; ``None`` keeps the source size. Shrinking uses
        ``cv2.INTER_AREA``, enlarging ``cv2.INTER_LINEAR``.
    rgb
        True for RGB channel order, False for OpenCV's BGR.

    Returns
    -------
    FrameReader
        An iterator of ``uint8`` arrays of shape ``(height, width, 3)``, at most
        ``expected_frame_count(probe(path), fps)`` of them. After exhaustion, ``reader.produced``
        is the number actually produced and ``reader.truncated`` tells whether the file ended early
        (damaged last packets: decoding stops at the last decodable frame, without error). Use it as
        a context manager, or call ``close()``, to release the decoder before the end.

    Raises
    ------
    MediaError
        At the call (not at the first frame) if the file cannot be probed or opened.

    Examples
    --------
    >>> with iter_frames("movie.mp4", fps=30, size=(112, 112)) as frames:  # doctest: +SKIP
    ...     for frame in frames:
    ...         ...
    >>> frames.produced == frames.expected  # doctest: +SKIP
    True
    """
    return FrameReader(path, fps=fps, size=size, rgb=rgb)


def iter_frame_batches(
    path: StrPath,
    batch: int,
    fps: float | None = None,
    size: tuple[int, int] | None = None,
    rgb: bool = True,
) -> FrameBatchReader:
    """Stream a movie as batches of ``batch`` frames, shape ``(n, height, width, 3)``, ``n <= batch``.

    The frames and their count are those of :func:`iter_frames` with the same arguments; only the
    last batch may be short. The returned reader has the same ``produced``/``expected``/``truncated``
    attributes (counted in frames) and is a context manager.
    """
    batch = _check_batch(batch)  # before the decoder is opened
    return FrameBatchReader(iter_frames(path, fps=fps, size=size, rgb=rgb), batch)
