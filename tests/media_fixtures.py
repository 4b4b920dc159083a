"""Helpers for the media tests: small clips made with the bundled ffmpeg, and process inspection.

Every video frame of an *indexed clip* is one flat colour that encodes its frame index (three
base-8 digits, one per RGB channel, 32 levels apart), so a decoded frame tells which source frame
it is despite lossy coding (:func:`decode_index`).
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from emolib.media._common import ffmpeg_exe

_LEVELS = 8
_STEP = 256 // _LEVELS
MAX_INDEX = _LEVELS**3 - 1
"""Largest frame index an indexed clip can encode."""


def index_colour(k: int) -> tuple[int, int, int]:
    """RGB colour of frame ``k`` of an indexed clip."""
    if not 0 <= k <= MAX_INDEX:
        raise ValueError(f"frame index {k} outside [0, {MAX_INDEX}]")
    digits = (k % _LEVELS, (k // _LEVELS) % _LEVELS, k // _LEVELS**2)
    return tuple(d * _STEP + _STEP // 2 for d in digits)  # type: ignore[return-value]


def decode_index(frame: np.ndarray) -> int:
    """Frame index encoded in an RGB frame of an indexed clip (median colour, nearest level)."""
    rgb = np.median(frame.reshape(-1, 3), axis=0)
    digits = np.clip(np.round((rgb - _STEP // 2) / _STEP), 0, _LEVELS - 1).astype(int)
    return int(digits[0] + _LEVELS * digits[1] + _LEVELS**2 * digits[2])


@dataclass(frozen=True)
class ClipSpec:
    """An indexed test clip: frame rate as an ffmpeg rational, length, size and optional tones.

    ``tones`` holds one sine frequency (Hz) per audio channel; empty means no audio track.
    """

    name: str
    rate: str
    n_frames: int
    size: tuple[int, int] = (160, 90)
    tones: tuple[float, ...] = ()
    audio_rate: int = 48000

    @property
    def fps(self) -> float:
        num, _, den = self.rate.partition("/")
        return int(num) / int(den or 1)

    @property
    def duration(self) -> float:
        return self.n_frames / self.fps


def run_ffmpeg(args: list[str], stdin: bytes | None = None) -> None:
    """Run the bundled ffmpeg quietly; raise with its stderr if it fails."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", *([] if stdin else ["-nostdin"]), *args]
    res = subprocess.run(cmd, input=stdin, capture_output=True, timeout=120)
    if res.returncode != 0:
        raise RuntimeError(f"ffmpeg failed: {res.stderr.decode(errors='replace')}")


def _indexed_frames(spec: ClipSpec) -> bytes:
    width, height = spec.size
    colours = np.array([index_colour(k) for k in range(spec.n_frames)], dtype=np.uint8)
    return np.broadcast_to(colours[:, None, None, :], (spec.n_frames, height, width, 3)).tobytes()


def _tone_input(spec: ClipSpec) -> list[str]:
    exprs = "|".join(f"0.5*sin(2*PI*{f}*t)" for f in spec.tones)
    source = f"aevalsrc=exprs='{exprs}':s={spec.audio_rate}:d={spec.duration:.6f}"
    return ["-f", "lavfi", "-i", source]


def make_indexed_clip(path: Path, spec: ClipSpec, faststart: bool = False) -> Path:
    """Write ``spec`` as an H.264 (+ AAC) mp4 at ``path`` and return ``path``."""
    width, height = spec.size
    video_in = ["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}", "-r", spec.rate, "-i", "-"]
    audio_in = _tone_input(spec) if spec.tones else []
    audio_out = ["-c:a", "aac", "-b:a", "128k"] if spec.tones else []
    video_out = ["-c:v", "libx264", "-preset", "ultrafast", "-crf", "10", "-pix_fmt", "yuv420p"]
    flags = ["-movflags", "+faststart"] if faststart else []
    run_ffmpeg(video_in + audio_in + video_out + audio_out + flags + [str(path)], stdin=_indexed_frames(spec))
    return path


def make_tone_wav(path: Path, freq: float = 440.0, rate: int = 22050, seconds: float = 1.0) -> Path:
    """Write a mono sine WAV (an audio-only file) at ``path``."""
    run_ffmpeg(
        ["-f", "lavfi", "-i", f"sine=frequency={freq}:sample_rate={rate}:duration={seconds}", str(path)]
    )
    return path


def faststart_copy(src: Path, dst: Path) -> Path:
    """Remux ``src`` into ``dst`` with the index (moov) first, as streamed/web mp4 files have it."""
    run_ffmpeg(["-i", str(src), "-c", "copy", "-movflags", "+faststart", str(dst)])
    return dst


def truncated_copy(src: Path, dst: Path, fraction: float) -> Path:
    """Copy the first ``fraction`` of the bytes of ``src`` to ``dst`` (a download cut short)."""
    data = src.read_bytes()
    dst.write_bytes(data[: int(len(data) * fraction)])
    return dst


def child_processes(name: str = "ffmpeg") -> list[tuple[int, str]]:
    """``(pid, state)`` of this process's children whose command name contains ``name``.

    Zombies (state ``"Z"``: exited but not reaped) are included. Linux only (reads ``/proc``).
    """
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # the process ended while we looked
            continue
        comm = text[text.index("(") + 1 : text.rindex(")")]
        state, ppid = text[text.rindex(")") + 2 :].split()[:2]
        if int(ppid) == os.getpid() and name in comm:
            found.append((int(stat.parent.name), state))
    return found


def dominant_frequency(x: np.ndarray, sr: int) -> float:
    """Frequency (Hz) of the largest peak of the magnitude spectrum of a Hann-windowed signal."""
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.fft.rfftfreq(len(x), 1 / sr)[np.argmax(spectrum)])
