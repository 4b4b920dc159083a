"""Stream information of a media file: ``probe`` and :class:`MediaInfo`.

The ``imageio-ffmpeg`` wheel ships no ffprobe, so the codecs, the audio stream and the container
duration are read from the banner that ``ffmpeg -i FILE`` prints on stderr, while the frame rate,
frame count and frame size come from OpenCV, the library that decodes the frames (so the numbers
describe exactly what :func:`emolib.media.iter_frames` will see, rotation included).
"""

from __future__ import annotations

import math
import re
import subprocess
from dataclasses import dataclass

import cv2

from emolib.core.errors import MediaError

from ._common import StrPath, check_file, ffmpeg_exe, media_url, stderr_tail

PROBE_TIMEOUT_S = 60.0
"""Seconds after which a hanging ``ffmpeg -i`` is abandoned."""

_STREAM_RE = re.compile(r"^\s*Stream #0:\d+\S*: (Video|Audio): (.+)$", re.MULTILINE)
_DURATION_RE = re.compile(r"Duration: (\d+):(\d{2}):(\d{2}(?:\.\d+)?)")
_AUDIO_RE = re.compile(r"(\d+) Hz, ([^,]+)")
_FPS_RE = re.compile(r"([\d.]+)(k?) fps")
_LAYOUT_CHANNELS = {
    "mono": 1,
    "stereo": 2,
    "downmix": 2,
    "quad": 4,
    "hexagonal": 6,
    "octagonal": 8,
    "hexadecagonal": 16,
    "22.2": 24,
}


@dataclass(frozen=True)
class MediaInfo:
    """What :func:`probe` learns about a movie file.

    Attributes
    ----------
    path : str
        The file, as given.
    fps : float
        Nominal frame rate of the video stream (e.g. ``23.976023976023978`` for 24000/1001).
    n_frames : int
        Number of video frames according to the container (OpenCV's count).
    duration : float
        Video duration in seconds, ``n_frames / fps`` (the container may be a little longer when its
        audio track outlasts the picture).
    width, height : int
        Frame size in pixels, as OpenCV decodes it.
    has_audio : bool
        Whether the file has an audio stream.
    audio_rate : int or None
        Sample rate of the first audio stream in Hz.
    audio_channels : int or None
        Channel count of the first audio stream (6 for 5.1).
    video_codec : str
        ffmpeg's name of the video codec (``"h264"``, ``"mpeg4"``, ...).
    audio_codec : str or None
        ffmpeg's name of the audio codec (``"aac"``, ...).
    """

    path: str
    fps: float
    n_frames: int
    duration: float
    width: int
    height: int
    has_audio: bool
    audio_rate: int | None
    audio_channels: int | None
    video_codec: str
    audio_codec: str | None


@dataclass(frozen=True)
class Banner:
    """The parts of ffmpeg's input banner that we use."""

    duration: float | None
    video: str | None
    audio: str | None


def _run_ffmpeg_banner(path: StrPath) -> str:
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", media_url(path)]
    try:
        res = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=PROBE_TIMEOUT_S)
    except subprocess.TimeoutExpired as exc:
        raise MediaError(path, f"ffmpeg took more than {PROBE_TIMEOUT_S:.0f} s to read the header") from exc
    return res.stderr.decode("utf-8", errors="replace")


def _parse_banner(text: str) -> Banner:
    match = _DURATION_RE.search(text)
    duration = None
    if match:
        h, m, s = match.groups()
        duration = int(h) * 3600 + int(m) * 60 + float(s)
    video = audio = None
    for kind, desc in _STREAM_RE.findall(text):
        if kind == "Video" and video is None and "(attached pic)" not in desc:
            video = desc
        elif kind == "Audio" and audio is None:
            audio = desc
    return Banner(duration, video, audio)


def read_banner(path: StrPath) -> Banner:
    """Check ``path`` and parse the banner of ``ffmpeg -i path``.

    Raises
    ------
    MediaError
        If the file is missing or empty, or ffmpeg cannot read it as media.
    """
    check_file(path)
    text = _run_ffmpeg_banner(path)
    if "Input #0" not in text:
        raise MediaError(path, f"not a readable media file (ffmpeg: {stderr_tail(text)})")
    return _parse_banner(text)


def codec_name(desc: str) -> str:
    """ffmpeg's codec name: the first word of a stream description such as ``"h264 (Main) (avc1 / ...)"``."""
    return desc.split(maxsplit=1)[0].rstrip(",")


def channel_count(layout: str) -> int | None:
    """Number of channels of an ffmpeg channel layout (``"mono"``, ``"5.1(side)"``, ``"3 channels"``)."""
    layout = layout.strip()
    match = re.match(r"(\d+) channels", layout)
    if match:
        return int(match.group(1))
    base = layout.split("(", 1)[0]
    if base in _LAYOUT_CHANNELS:
        return _LAYOUT_CHANNELS[base]
    match = re.fullmatch(r"(\d+)\.(\d+)", base)
    return int(match.group(1)) + int(match.group(2)) if match else None


def audio_format(desc: str) -> tuple[int | None, int | None]:
    """Sample rate (Hz) and channel count from an ffmpeg audio stream description."""
    match = _AUDIO_RE.search(desc)
    if not match:
        return None, None
    return int(match.group(1)), channel_count(match.group(2))


def _banner_fps(desc: str) -> float | None:
    match = _FPS_RE.search(desc)
    if not match:
        return None
    return float(match.group(1)) * (1000.0 if match.group(2) else 1.0)


def open_capture(path: StrPath) -> cv2.VideoCapture:
    """Open ``path`` with OpenCV's FFMPEG backend.

    Raises
    ------
    MediaError
        If OpenCV cannot open the file.
    """
    cap = cv2.VideoCapture(media_url(path), cv2.CAP_FFMPEG)
    if not cap.isOpened():
        cap.release()
        raise MediaError(path, "OpenCV cannot open the video stream")
    return cap


def _count_by_decoding(cap: cv2.VideoCapture) -> int:
    n = 0
    while cap.grab():
        n += 1
    return n


def _video_properties(path: StrPath, banner: Banner) -> tuple[float, int, int, int]:
    """fps, frame count, width and height, from OpenCV with the banner as fallback."""
    cap = open_capture(path)
    try:
        fps = cap.get(cv2.CAP_PROP_FPS)
        if not (math.isfinite(fps) and fps > 0):
            fps = _banner_fps(banner.video or "") or 0.0
        if fps <= 0:
            raise MediaError(path, "the video stream has no known frame rate")
        n_frames = int(round(cap.get(cv2.CAP_PROP_FRAME_COUNT)))
        if n_frames <= 0 and banner.duration:
            n_frames = int(round(banner.duration * fps))
        if n_frames <= 0:  # no count in the container and no duration: decode once to count
            n_frames = _count_by_decoding(cap)
        width, height = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    finally:
        cap.release()
    if n_frames <= 0 or width <= 0 or height <= 0:
        raise MediaError(path, "the video stream has no decodable frames")
    return fps, n_frames, width, height


def probe(path: StrPath) -> MediaInfo:
    """Read the stream information of a movie file without decoding it.

    Parameters
    ----------
    path
        The movie file.

    Returns
    -------
    MediaInfo
        Frame rate, frame count, size, duration and codecs of the video, and the audio format.

    Raises
    ------
    MediaError
        If the file is missing, empty, not media (e.g. a text file named ``.mp4``), has no video
        stream, or OpenCV cannot open its video. The message starts with the file name.

    Examples
    --------
    >>> info = probe("bigbuckbunny.mp4")  # doctest: +SKIP
    >>> info.width, info.height, info.fps, info.audio_channels  # doctest: +SKIP
    (1280, 720, 25.0, 6)
    """
    banner = read_banner(path)
    if banner.video is None:
        raise MediaError(path, "has no video stream")
    fps, n_frames, width, height = _video_properties(path, banner)
    rate, channels = audio_format(banner.audio) if banner.audio else (None, None)
    return MediaInfo(
        path=str(path),
        fps=fps,
        n_frames=n_frames,
        duration=n_frames / fps,
        width=width,
        height=height,
        has_audio=banner.audio is not None,
        audio_rate=rate,
        audio_channels=channels,
        video_codec=codec_name(banner.video),
        audio_codec=codec_name(banner.audio) if banner.audio else None,
    )
