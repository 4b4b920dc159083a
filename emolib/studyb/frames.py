"""Movies as 30 s sequences of 1 fps, 64x36 RGB frames, streamed and cached per film.

The paper extracted one frame per second with ffmpeg, resized it to 64x36 (distorting other aspect
ratios to fit) and bundled 30 frames per 30 s sequence into an array of shape
``(sequences, 30, 36, 64, 3)``. :func:`sequence_frames` does the same from a movie file while
decoding one frame at a time (:func:`emolib.media.iter_frames`), so a feature-length film never
sits in memory at full resolution: only the small uint8 result does (207 KB per sequence).

Decoding a long film takes minutes, so :func:`cached_sequence_frames` keeps the array of each film
in ``<cache_dir>/<Film>.npz`` (written atomically, so an interrupted run leaves no half-written
file and the next run resumes with the films not yet cached). The cache records the movie's size
and modification time and is rebuilt when the movie changes.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from emolib.core.atomic import atomic_path
from emolib.core.errors import DataError
from emolib.media import iter_frame_batches
from emolib.media.alignment import SEQUENCE_SECONDS

__all__ = [
    "FRAME_SIZE",
    "FRAMES_PER_SEQUENCE",
    "cached_sequence_frames",
    "sequence_frames",
    "to_unit_float",
]

FRAME_SIZE: tuple[int, int] = (64, 36)
"""(width, height) of every frame."""
FRAMES_PER_SEQUENCE = int(SEQUENCE_SECONDS)
"""Frames per 30 s sequence at 1 fps."""
_CACHE_VERSION = 1


def sequence_frames(
    movie: str | Path,
    max_sequences: int | None = None,
    size: tuple[int, int] = FRAME_SIZE,
    frames_per_sequence: int = FRAMES_PER_SEQUENCE,
) -> NDArray[np.uint8]:
    """Stream a movie into whole 30 s sequences of 1 fps frames.

    Parameters
    ----------
    movie
        The movie file.
    max_sequences
        Stop after this many sequences (e.g. the number of labelled sequences, which drops the
        closing credits as the paper did); ``None`` keeps every whole sequence.
    size
        (width, height) of the frames; other aspect ratios are distorted to fit, as in the paper.
    frames_per_sequence
        Frames per sequence (30 at 1 fps).

    Returns
    -------
    numpy.ndarray
        uint8 RGB array of shape ``(sequences, frames_per_sequence, height, width, 3)``; a trailing
        partial sequence is dropped.
    """
    if max_sequences is not None and max_sequences < 0:
        raise ValueError(f"max_sequences must be non-negative, got {max_sequences}")
    width, height = size
    chunks: list[NDArray[np.uint8]] = []
    with iter_frame_batches(movie, batch=frames_per_sequence, fps=1, size=size) as batches:
        for batch in batches:
            if max_sequences is not None and len(chunks) >= max_sequences:
                break
            if len(batch) < frames_per_sequence:
                break
            chunks.append(batch)
    if not chunks:
        return np.zeros((0, frames_per_sequence, height, width, 3), dtype=np.uint8)
    return np.stack(chunks)


def _signature(movie: Path, max_sequences: int | None, size: tuple[int, int]) -> str:
    stat = movie.stat()
    return json.dumps(
        {
            "version": _CACHE_VERSION,
            "bytes": stat.st_size,
            "mtime_ns": stat.st_mtime_ns,
            "max_sequences": max_sequences,
            "size": list(size),
        },
        sort_keys=True,
    )


def cached_sequence_frames(
    movie: str | Path,
    cache_dir: str | Path | None,
    max_sequences: int | None = None,
    size: tuple[int, int] = FRAME_SIZE,
) -> NDArray[np.uint8]:
    """:func:`sequence_frames`, read from or written to ``<cache_dir>/<movie stem>.npz``.

    Parameters
    ----------
    movie
        The movie file.
    cache_dir
        Folder of the cache; ``None`` disables caching.
    max_sequences, size
        As for :func:`sequence_frames`; a cache made with other values is rebuilt.

    Returns
    -------
    numpy.ndarray
        uint8 array ``(sequences, 30, height, width, 3)``.

    Raises
    ------
    DataError
        If the movie is missing.
    """
    path = Path(movie)
    if not path.is_file():
        raise DataError(path, "movie file not found")
    if cache_dir is None:
        return sequence_frames(path, max_sequences, size)
    cache = Path(cache_dir) / f"{path.stem}.npz"
    signature = _signature(path, max_sequences, size)
    if cache.is_file():
        try:
            with np.load(cache, allow_pickle=False) as stored:
                if str(stored["signature"]) == signature:
                    return stored["frames"]
        except (OSError, ValueError, KeyError):
            pass  # unreadable or stale: rebuild below
    frames = sequence_frames(path, max_sequences, size)
    with atomic_path(cache) as tmp, open(tmp, "wb") as handle:
        np.savez(handle, frames=frames, signature=np.array(signature))
    return frames


def to_unit_float(frames: NDArray[np.uint8]) -> NDArray[np.float32]:
    """uint8 pixels to float32 in [0, 1], the range of the autoencoder's sigmoid output."""
    return np.asarray(frames, dtype=np.float32) / np.float32(255.0)
