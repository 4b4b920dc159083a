"""Streaming audio through the bundled ffmpeg binary.

ffmpeg decodes the first audio stream, downmixes it (``-ac``) and resamples it (``-ar``), and writes
raw 32-bit float samples (``-f f32le``) to a pipe that is read one block at a time, so a 1.5 h movie
never sits in memory. Its stderr goes to a temporary file (no pipe to fill, so no deadlock) and
its last lines become the message of the :class:`~emolib.core.errors.MediaError` raised if it fails.
"""

from __future__ import annotations

import subprocess
import tempfile
from typing import IO

import numpy as np

from emolib.core.errors import MediaError

from ._common import Closing, StrPath, ffmpeg_exe, media_url, stderr_tail
from .alignment import AUDIO_RATE, STEP_SAMPLES
from .probe import audio_format, read_banner

DEFAULT_BLOCK = STEP_SAMPLES * 64
"""Default block length in samples: 64 steps of 16/30 s, about 34 s at 44.1 kHz."""
_BYTES_PER_SAMPLE = 4  # float32


def _ffmpeg_audio_command(path: StrPath, sr: int, channels: int) -> list[str]:
    return [
        ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error",
        "-i", media_url(path), "-map", "0:a:0",
        "-f", "f32le", "-acodec", "pcm_f32le", "-ac", str(channels), "-ar", str(sr), "pipe:1",
    ]  # fmt: skip


class AudioReader(Closing):
    """Iterator over float32 audio blocks decoded by ffmpeg; made by :func:`iter_audio`.

    ffmpeg starts at the first ``next()``. Blocks have ``block`` samples (per channel) except the
    last; shape ``(n,)`` when ``mono`` else ``(n, channels)``. ffmpeg is killed and reaped when the
    iteration ends, on :meth:`close`, on leaving a ``with`` block, or when the reader is garbage
    collected, so stopping early leaves no process behind.

    Attributes
    ----------
    path : str
        The file, as given.
    sr : int
        Output sample rate in Hz.
    channels : int
        Output channels (1 when ``mono``).
    source_rate, source_channels : int or None
        Format of the audio stream in the file.
    produced : int
        Samples (per channel) yielded so far.
    """

    def __init__(
        self, path: StrPath, sr: int = AUDIO_RATE, block: int = DEFAULT_BLOCK, mono: bool = True
    ) -> None:
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        if int(sr) <= 0 or int(block) <= 0:
            raise ValueError(f"sr and block must be positive, got sr={sr!r}, block={block!r}")
        banner = read_banner(path)
        if banner.audio is None:
            raise MediaError(path, "has no audio track")
        self.path = str(path)
        self.sr, self.block = int(sr), int(block)
        self.source_rate, self.source_channels = audio_format(banner.audio)
        if not mono and self.source_channels is None:
            raise MediaError(path, f"cannot tell the channel count of the audio track ({banner.audio})")
        self.channels = 1 if mono else self.source_channels
        self.produced = 0
        self._done = False

    def __iter__(self) -> AudioReader:
        return self

    def __next__(self) -> np.ndarray:
        if self._done:
            raise StopIteration
        proc = self._proc or self._start()
        frame_bytes = _BYTES_PER_SAMPLE * self.channels
        data = proc.stdout.read(self.block * frame_bytes)
        n = len(data) // frame_bytes
        if n == 0:
            self._finish()
            raise StopIteration
        samples = np.frombuffer(data[: n * frame_bytes], dtype="<f4").astype(np.float32)
        self.produced += n
        return samples if self.channels == 1 else samples.reshape(n, self.channels)

    def _start(self) -> subprocess.Popen[bytes]:
        self._stderr = tempfile.TemporaryFile()
        cmd = _ffmpeg_audio_command(self.path, self.sr, self.channels)
        self._proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._stderr
        )
        return self._proc

    def _stderr_text(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", errors="replace")

    def _finish(self) -> None:
        """Reap ffmpeg after the end of its output; raise MediaError if it failed."""
        self._proc.stdout.close()
        code = self._proc.wait()
        message = f"ffmpeg failed (exit {code}) to decode the audio: {stderr_tail(self._stderr_text())}"
        self.close()
        if code != 0:
            raise MediaError(self.path, message)

    def close(self) -> None:
        """Stop ffmpeg (if running) and reap it; iteration then ends. Safe to call more than once."""
        self._done = True
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.poll() is None:
                proc.kill()
            proc.stdout.close()
            proc.wait()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None


def iter_audio(
    path: StrPath, sr: int = AUDIO_RATE, block: int = DEFAULT_BLOCK, mono: bool = True
) -> AudioReader:
    """Stream the first audio track of a file as float32 blocks, resampled and downmixed by ffmpeg.

    Parameters
    ----------
    path
        A movie or audio file.
    sr
        Output sample rate in Hz (ffmpeg resamples).
    block
        Samples per block (per channel); the last block may be shorter.
    mono
        True to downmix every channel to one (ffmpeg's ``-ac 1`` matrix, e.g. for 5.1), giving
        blocks of shape ``(n,)``; False to keep the source channels, giving ``(n, channels)``.

    Returns
    -------
    AudioReader
        An iterator of float32 blocks, nominally in [-1, 1]. Use it as a context manager or call
        ``close()`` when stopping early; abandoning it also stops ffmpeg once it is garbage collected.

    Raises
    ------
    MediaError
        At the call if the file is missing, empty, not media, or has no audio track ("has no audio
        track"); during iteration if ffmpeg fails, with the last lines of its stderr.
    """
    return AudioReader(path, sr=sr, block=block, mono=mono)


def read_audio(path: StrPath, sr: int = AUDIO_RATE, mono: bool = True) -> np.ndarray:
    """Decode a whole audio track into memory; for short files (use :func:`iter_audio` for movies).

    Parameters
    ----------
    path
        A movie or audio file.
    sr
        Output sample rate in Hz.
    mono
        Downmix to one channel (shape ``(n,)``) or keep the channels (shape ``(n, channels)``).

    Returns
    -------
    numpy.ndarray
        float32 samples.

    Raises
    ------
    MediaError
        As :func:`iter_audio`.
    """
    with iter_audio(path, sr=sr, mono=mono) as reader:
        blocks = list(reader)
        if not blocks:
            return np.zeros((0,) if mono else (0, reader.channels), dtype=np.float32)
    return np.concatenate(blocks)
