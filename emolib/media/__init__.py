"""Streaming media readers: probe a movie, stream its frames (resampled and resized) and its audio.

Only the ffmpeg binary of the ``imageio-ffmpeg`` wheel and OpenCV's FFMPEG backend are used, never
a system ffmpeg. Nothing here loads a whole movie: frames and audio blocks are decoded on demand.
Every problem with a file raises :class:`~emolib.core.errors.MediaError` naming the file.

>>> from emolib.media import probe, iter_frames, iter_audio  # doctest: +SKIP
>>> info = probe("movie.mp4")  # doctest: +SKIP
>>> with iter_frames("movie.mp4", fps=30, size=(112, 112)) as frames:  # doctest: +SKIP
...     for frame in frames:  # (112, 112, 3) uint8 RGB
...         ...
"""

from .audio import DEFAULT_BLOCK, AudioReader, iter_audio, read_audio
from .probe import MediaInfo, probe
from .video import (
    FrameBatchReader,
    FrameReader,
    exact_rate,
    expected_frame_count,
    iter_frame_batches,
    iter_frames,
    source_frame_index,
)

__all__ = [
    "DEFAULT_BLOCK",
    "AudioReader",
    "FrameBatchReader",
    "FrameReader",
    "MediaInfo",
    "exact_rate",
    "expected_frame_count",
    "iter_audio",
    "iter_frame_batches",
    "iter_frames",
    "probe",
    "read_audio",
    "source_frame_index",
]
