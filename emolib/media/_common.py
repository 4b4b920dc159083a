"""Shared plumbing: the bundled ffmpeg binary, input paths, ffmpeg error messages, reader clean-up."""

from __future__ import annotations

from functools import lru_cache
from os import PathLike
from pathlib import Path
from types import TracebackType
from typing import TypeVar

from emolib.core.errors import MediaError

StrPath = str | PathLike[str]
_C = TypeVar("_C", bound="Closing")


@lru_cache(maxsize=1)
def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary shipped in the ``imageio-ffmpeg`` wheel (never a system ffmpeg)."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def media_url(path: StrPath) -> str:
    """The ``file:`` URL of ``path`` for ffmpeg and OpenCV.

    An absolute path behind the ``file:`` protocol cannot be mistaken for an option (``-x.mp4``), for
    standard input (``-``) or for another protocol (``http:...``), and holds no printf pattern.
    """
    return "file:" + str(Path(path).resolve())


def check_file(path: StrPath) -> Path:
    """Return ``path`` as a :class:`~pathlib.Path` after checking it is a non-empty regular file.

    Raises
    ------
    MediaError
        If the file is missing, is not a regular file, or is empty.
    """
    p = Path(path)
    if not p.exists():
        raise MediaError(path, "file not found")
    if not p.is_file():
        raise MediaError(path, "not a regular file")
    if p.stat().st_size == 0:
        raise MediaError(path, "file is empty (0 bytes)")
    return p


def stderr_tail(text: str, n_lines: int = 4) -> str:
    """The last ``n_lines`` non-blank lines of an ffmpeg stderr, joined into one line for a message."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return " | ".join(lines[-n_lines:]) if lines else "(ffmpeg printed nothing)"


class Closing:
    """Context-manager and finaliser plumbing shared by the readers."""

    def close(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def __enter__(self: _C) -> _C:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - never raise from a finaliser (e.g. at interpreter exit)
            pass
