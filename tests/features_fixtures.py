"""Helpers for the feature tests: short synthetic movies made with the bundled ffmpeg."""

from __future__ import annotations

from pathlib import Path

from media_fixtures import run_ffmpeg


def make_movie(
    path: Path,
    rate: str = "25",
    seconds: float = 3.0,
    size: tuple[int, int] = (160, 90),
    tone: float | None = 440.0,
    audio_rate: int = 48000,
    faststart: bool = False,
) -> Path:
    """A moving test pattern (``testsrc2``) with an optional sine soundtrack, H.264 + AAC mp4."""
    width, height = size
    args = ["-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate={rate}:duration={seconds}"]
    if tone is not None:
        args += ["-f", "lavfi", "-i", f"sine=frequency={tone}:sample_rate={audio_rate}:duration={seconds}"]
        args += ["-c:a", "aac", "-b:a", "96k"]
    args += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-shortest"]
    if faststart:
        args += ["-movflags", "+faststart"]
    run_ffmpeg([*args, str(path)])
    return path
