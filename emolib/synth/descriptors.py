"""The organisers' descriptor folders of the synthetic cinema: per-second visual files, emobase2010 ARFF.

The real releases ship LIRE image descriptors and VGG16 ``fc6`` of one frame per second, and openSMILE's
emobase2010 of the sound (:mod:`emolib.datasets.descriptors`). The synthetic cinema writes folders of
the same names, file names and line formats, with **stand-in values in the real dimensions**, computed
from the frame shown in the middle of every second (rendered again at that time, so it is a frame of the
movie) and from the soundtrack before AAC coding, so that they carry the planted cues:

* ``acc`` (256): for 64 colours (4 levels per channel) and pixel distances 1, 3, 5, 7, the probability
  that a pixel that far to the right or below has the same colour (an auto colour correlogram);
* ``cedd`` (144), ``fcth`` (192), ``jcd`` (168): joint histograms of 24 colour bins (8 hues x dark/mid/
  bright) and 6, 8 or 7 texture classes of 4 x 4 blocks (classes from the block's gradient direction
  and strength), normalised and quantised to eighths as LIRE's are;
* ``cl`` (33): the 8 x 8 thumbnail in YCbCr, 2-D DCT, the first 21 Y and 6 Cb and 6 Cr coefficients in
  zigzag order (a colour layout descriptor);
* ``eh`` (80): for each of 4 x 4 sub-images, the share of 2 x 2 blocks with a vertical, horizontal, 45 deg,
  135 deg or non-directional edge (an edge histogram);
* ``gabor`` (60): mean and standard deviation of the responses to 5 scales x 6 orientations of Gabor
  filters on the grey image;
* ``sc`` (64): a 16 hue x 2 saturation x 2 value histogram (scalable colour before its Haar transform);
* ``tamura`` (18): coarseness, contrast and a 16-bin histogram of gradient directions (at half size);
* ``lbp`` (256): the histogram of 8-neighbour local binary pattern codes of the grey image;
* ``fc6`` (4096): ``ReLU(W s + b)`` where ``s`` holds 214 cheap statistics of the frame, standardised
  (a 6 x 6 colour thumbnail, colour and brightness moments, the ``eh`` and ``tamura`` values) and ``W``,
  ``b`` a fixed random projection (seed :data:`FC6_SEED`, the same for every sample), sparse like
  VGG16's fc6 (about three quarters zeros);
* ``emobase2010`` (1582): openSMILE's IS10 set where the ``opensmile`` package is installed, else the
  numpy stand-in (:mod:`emolib.features.emobase_numpy`); the manifest says which.

None of these is the real algorithm: they are descriptors of the right shape whose values follow the
frames and the sound, so that models trained on them learn the planted cues.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from emolib.core.atomic import write_text
from emolib.datasets.descriptors import VISUAL_DESCRIPTORS, VISUAL_DIMS
from emolib.datasets.emobase2010 import format_arff
from emolib.features.opensmile_audio import emobase2010_windows
from emolib.synth.movie import RenderedMovie, second_frames
from emolib.synth.profiles import MovieSpec

__all__ = [
    "FC6_SEED",
    "audio_descriptors",
    "descriptor_folders_2017",
    "movie_sound",
    "format_row",
    "visual_descriptors",
    "write_audio_folder",
    "write_visual_folders",
]

FC6_SEED = 2018
"""Seed of the fixed random projection behind the synthetic ``fc6`` (never changes with the sample's seed)."""
_ZIGZAG = sorted(
    ((i, j) for i in range(8) for j in range(8)),
    key=lambda p: (p[0] + p[1], p[1] if (p[0] + p[1]) % 2 else p[0]),
)


def _grey(frame: NDArray[np.uint8]) -> NDArray[np.float32]:
    return cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255.0


def _acc(frame: NDArray[np.uint8]) -> NDArray[np.float64]:
    q = (frame // 64).astype(np.int64)
    colour = q[..., 0] * 16 + q[..., 1] * 4 + q[..., 2]
    out = np.zeros((64, 4))
    for k, d in enumerate((1, 3, 5, 7)):
        pairs = [(colour[:, :-d], colour[:, d:]), (colour[:-d, :], colour[d:, :])]
        same = np.concatenate([a[a == b] for a, b in pairs])
        total = np.bincount(np.concatenate([a.ravel() for a, _ in pairs]), minlength=64)
        out[:, k] = np.bincount(same, minlength=64) / np.maximum(total, 1)
    return out.ravel()


def _colour_bins(frame: NDArray[np.uint8]) -> NDArray[np.int64]:
    hsv = cv2.cvtColor(frame, cv2.COLOR_RGB2HSV)
    hue = (hsv[..., 0].astype(np.int64) * 8) // 180
    level = np.digitize(hsv[..., 2], (85, 170))
    return hue * 3 + level


def _texture_classes(grey: NDArray[np.float32], n: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Texture class (``n`` classes: flat, then gradient directions) and index of every 4 x 4 block."""
    gy, gx = np.gradient(grey)
    h, w = (grey.shape[0] // 4) * 4, (grey.shape[1] // 4) * 4
    bx = gx[:h, :w].reshape(h // 4, 4, w // 4, 4).mean(axis=(1, 3))
    by = gy[:h, :w].reshape(h // 4, 4, w // 4, 4).mean(axis=(1, 3))
    strength = np.hypot(bx, by)
    direction = ((np.arctan2(by, bx) % np.pi) / np.pi * (n - 1)).astype(np.int64) % (n - 1)
    return np.where(strength < 0.01, 0, 1 + direction), np.indices((h // 4, w // 4)).reshape(2, -1)


def _joint(frame: NDArray[np.uint8], grey: NDArray[np.float32], n_texture: int) -> NDArray[np.float64]:
    texture, _ = _texture_classes(grey, n_texture)
    h, w = texture.shape
    colour = _colour_bins(frame)[: h * 4 : 4, : w * 4 : 4]
    hist = np.bincount((texture * 24 + colour).ravel(), minlength=24 * n_texture).astype(np.float64)
    hist /= max(hist.max(), 1.0)
    return np.floor(hist * 7.999)


def _cl(frame: NDArray[np.uint8]) -> NDArray[np.float64]:
    small = cv2.resize(frame, (8, 8), interpolation=cv2.INTER_AREA)
    ycc = cv2.cvtColor(small, cv2.COLOR_RGB2YCrCb).astype(np.float32)
    coeffs = [cv2.dct(ycc[..., c]) for c in (0, 2, 1)]  # Y, Cb, Cr
    zig = [np.array([c[i, j] for i, j in _ZIGZAG]) for c in coeffs]
    return np.concatenate([zig[0][:21], zig[1][:6], zig[2][:6]]) / 8.0


def _eh(grey: NDArray[np.float32]) -> NDArray[np.float64]:
    h, w = (grey.shape[0] // 8) * 8, (grey.shape[1] // 8) * 8
    g = grey[:h, :w]
    a, b, c, d = g[0::2, 0::2], g[0::2, 1::2], g[1::2, 0::2], g[1::2, 1::2]
    filters = np.stack(
        [
            np.abs(a - b + c - d),
            np.abs(a + b - c - d),
            np.abs(np.sqrt(2) * (a - d)),
            np.abs(np.sqrt(2) * (b - c)),
            np.abs(2 * (a - b - c + d)),
        ]
    )
    kind = np.where(filters.max(axis=0) > 0.05, filters.argmax(axis=0), -1)
    hh, ww = kind.shape
    out = np.zeros((4, 4, 5))
    for i in range(4):
        for j in range(4):
            block = kind[i * hh // 4 : (i + 1) * hh // 4, j * ww // 4 : (j + 1) * ww // 4]
            out[i, j] = np.bincount(block[block >= 0], minlength=5)[:5] / max(block.size, 1)
    return out.ravel()


def _gabor_bank() -> list[NDArray[np.float64]]:
    return [
        cv2.getGaborKernel((9, 9), 1.0 * 1.3**scale, np.pi * k / 6, 2.0 * 1.3**scale, 0.5, 0)
        for scale in range(5)
        for k in range(6)
    ]


_GABOR = _gabor_bank()


def _gabor(grey: NDArray[np.float32]) -> NDArray[np.float64]:
    half = cv2.resize(
        grey, (max(8, grey.shape[1] // 2), max(8, grey.shape[0] // 2)), interpolation=cv2.INTER_AREA
    )
    out = []
    for kernel in _GABOR:
        response = np.abs(cv2.filter2D(half, cv2.CV_32F, kernel))
        out += [float(response.mean()), float(response.std())]
    return np.asarray(out)


def _sc(frame: NDArray[np.uint8]) -> NDArray[np.float64]:
    hsv = cv2.cvtColor(frame, cv2.COLOR_RGB2HSV)
    hue = (hsv[..., 0].astype(np.int64) * 16) // 180
    index = hue * 4 + (hsv[..., 1] >= 128) * 2 + (hsv[..., 2] >= 128)
    return np.bincount(index.ravel(), minlength=64)[:64] / index.size


def _tamura(full: NDArray[np.float32]) -> NDArray[np.float64]:
    grey = full[::2, ::2]
    gy, gx = np.gradient(grey)
    magnitude = np.hypot(gx, gy)
    coarse = [float(np.abs(cv2.blur(grey, (k, k)) - grey).mean()) for k in (2, 4, 8)]
    coarseness = float(np.argmin(coarse) + 1) + float(np.std(coarse))
    std = float(grey.std())
    kurt = float(((grey - grey.mean()) ** 4).mean() / max(std**4, 1e-12))
    contrast = std / max(kurt, 1e-6) ** 0.25
    angles = (np.arctan2(gy, gx) % np.pi)[magnitude > 0.02]
    hist = np.histogram(angles, bins=16, range=(0, np.pi))[0] / max(angles.size, 1)
    return np.concatenate([[coarseness, contrast], hist])


def _lbp(grey: NDArray[np.float32]) -> NDArray[np.float64]:
    c = grey[1:-1, 1:-1]
    shifts = [(0, 0), (0, 1), (0, 2), (1, 2), (2, 2), (2, 1), (2, 0), (1, 0)]
    h, w = c.shape
    code = np.zeros(c.shape, dtype=np.int64)
    for bit, (dy, dx) in enumerate(shifts):
        code |= (grey[dy : dy + h, dx : dx + w] >= c).astype(np.int64) << bit
    return np.bincount(code.ravel(), minlength=256) / code.size


def _fc6_projection() -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    rng = np.random.default_rng(FC6_SEED)
    return rng.normal(0.0, 1.0 / 16.0, size=(VISUAL_DIMS["fc6"], 256)), rng.normal(
        -0.7, 0.1, VISUAL_DIMS["fc6"]
    )


_FC6 = _fc6_projection()


def _fc6_input(
    frame: NDArray[np.uint8], eh: NDArray[np.float64], tamura: NDArray[np.float64]
) -> NDArray[np.float64]:
    """The 256 standardised frame statistics the ``fc6`` projection reads (zero-padded)."""
    thumb = cv2.resize(frame, (6, 6), interpolation=cv2.INTER_AREA).astype(np.float64).ravel() / 255.0
    rgb = frame.reshape(-1, 3).astype(np.float64) / 255.0
    moments = np.concatenate([rgb.mean(axis=0), rgb.std(axis=0), [rgb.mean(), rgb.std()]])
    stats = np.concatenate([thumb, moments, eh, tamura])
    s = np.zeros(256)
    s[: stats.size] = (stats - stats.mean()) / max(stats.std(), 1e-9)
    return s


def visual_descriptors(
    frames: Iterable[NDArray[np.uint8]], names: Sequence[str] = VISUAL_DESCRIPTORS
) -> dict:
    """The stand-in visual descriptors (see the module docstring) of each frame.

    Parameters
    ----------
    frames
        ``uint8`` RGB frames, one per second.
    names
        Which descriptors (a subset of :data:`~emolib.datasets.descriptors.VISUAL_DESCRIPTORS`).

    Returns
    -------
    dict
        Name to float64 ``(n_frames, dim)`` with the real dimensions (:data:`VISUAL_DIMS`).
    """
    rows: dict[str, list[NDArray[np.float64]]] = {n: [] for n in names}
    for frame in frames:
        grey = _grey(frame)
        for n in names:
            rows[n].append(_describe(n, frame, grey))
    out = {n: np.stack(r) if r else np.zeros((0, VISUAL_DIMS[n])) for n, r in rows.items()}
    if "fc6" in out and len(rows["fc6"]):
        weights, bias = _FC6
        out["fc6"] = np.maximum(out["fc6"] @ weights.T + bias, 0.0)  # one product for every frame
    return out


def _describe(name: str, frame: NDArray[np.uint8], grey: NDArray[np.float32]) -> NDArray[np.float64]:
    """One stand-in descriptor of one frame."""
    if name in ("cedd", "fcth", "jcd"):
        return _joint(frame, grey, {"cedd": 6, "fcth": 8, "jcd": 7}[name])
    if name == "fc6":
        return _fc6_input(frame, _eh(grey), _tamura(grey))
    by_frame = {"acc": _acc, "cl": _cl, "sc": _sc}
    if name in by_frame:
        return by_frame[name](frame)
    return {"eh": _eh, "gabor": _gabor, "tamura": _tamura, "lbp": _lbp}[name](grey)


def format_row(values: NDArray[np.float64]) -> str:
    """One line of comma-separated numbers (4 significant digits; zeros as ``0``), as the real files."""
    return ",".join("0" if v == 0 else f"{v:.4g}" for v in values) + "\n"


def write_visual_folders(
    movie_dir: Path, movie: str, values: Mapping[str, NDArray[np.float64]], separator: str = "-",
    skip: Mapping[str, Sequence[int]] | None = None, empty: Mapping[str, Sequence[int]] | None = None,
) -> list[Path]:  # fmt: skip
    """Write ``<movie_dir>/<feat>/<movie><separator><NNNNN>_<feat>.txt`` (second ``n`` from 1); the folders.

    ``skip`` leaves the files of some seconds out and ``empty`` writes them empty (planted defects).
    """
    folders = []
    for name, table in values.items():
        folder = movie_dir / name
        gone, blank = set((skip or {}).get(name, ())), set((empty or {}).get(name, ()))
        for k, row in enumerate(table, start=1):
            if k not in gone:
                text = "" if k in blank else format_row(row)
                write_text(folder / f"{movie}{separator}{k:05d}_{name}.txt", text)
        folders.append(folder)
    return folders


def audio_descriptors(
    sound: NDArray[np.float32], rate: int, starts: NDArray[np.float64], length: float
) -> tuple[NDArray[np.float64], str]:
    """emobase2010 of windows of the (mono) soundtrack, and the backend used (openSMILE or the stand-in)."""
    return emobase2010_windows(sound, rate, starts, length)


def write_audio_folder(
    folder: Path, stem: str, values: NDArray[np.float64], first: int, skip: Sequence[int] = ()
) -> Path:
    """Write ``<folder>/<stem><NNNNN>.csv`` (ARFF text), numbered from ``first``; ``skip`` leaves some out."""
    for k, row in enumerate(values, start=first):
        if k not in skip:
            write_text(folder / f"{stem}{k:05d}.csv", format_arff(row))
    return folder


def movie_sound(rendered: RenderedMovie) -> NDArray[np.float32]:
    """The mono soundtrack a movie was rendered with (``render_movie(..., keep_sound=True)``)."""
    if rendered.sound is None:
        raise ValueError("the movie was rendered without keep_sound=True")
    return rendered.sound


def descriptor_folders_2017(
    root: Path, visual: Path, audio: Path, spec: MovieSpec, rendered: RenderedMovie, names: tuple[str, ...],
    starts: NDArray[np.float64],
) -> tuple[list[Path], str]:  # fmt: skip
    """Write a 2017 movie's visual folders (``names``, one file per second) and its audio segment files.

    ``visual`` and ``audio`` are the movie's folders (``<...>-Visual_features/<features>/<Movie>`` and
    ``<...>-Audio_features/<features>/<Movie>[/audio_features]``); audio files
    ``<Movie>_<NNNNN>.csv`` are numbered from 0 like the annotation windows that start at ``starts``.
    Returns the movie-level folders written and the audio backend.
    """
    values = visual_descriptors(second_frames(spec, rendered), names)
    write_visual_folders(visual, spec.name, values)
    rows, backend = audio_descriptors(movie_sound(rendered), spec.audio_rate, starts, 10.0)
    write_audio_folder(audio, f"{spec.name}_", rows, first=0)
    return [visual, audio], backend
