"""Writers of the synthetic MediaEval 2018 set, and of the descriptor folders of every MediaEval movie.

Layout under ``<out>/mediaeval2018/`` (the real release's names, see ``data/README.md``), for each
release set ``<Set>`` (``DevSet-Part1``, ``DevSet-Part2``, ``DevSet-Part3``, ``TestSet``)::

    movies/MEDIAEVAL18_<MM>.mp4
    MEDIAEVAL18-<Set>-Valence_Arousal-annotations/annotations/MEDIAEVAL18_<MM>_Valence-Arousal.txt
    MEDIAEVAL18-<Set>-Fear-annotations/annotations/MEDIAEVAL18_<MM>_Fear.txt        (fear sequences)
    MEDIAEVAL18-<Set>-Visual_features/visual_features/MEDIAEVAL18_<MM>/<feat>/MEDIAEVAL18_<MM>-<SSSSS>_<feat>.txt
    MEDIAEVAL18-<Set>-Audio_features/audio_features/MEDIAEVAL18_<MM>/MEDIAEVAL18_<MM>_<SSSSS>.csv
    _latent/MEDIAEVAL18_<MM>.csv                                                   (synthetic only)

The movies are made exactly as the 2017 ones (same latent model and cues), from their own random
streams (layout code 4). Valence and arousal: the raters' felt curves averaged over every whole second
``[t, t + 1)`` plus rater noise (:data:`~emolib.synth.mediaeval.RATER_NOISE`), clipped to [-1, 1]; fear:
the runs of seconds whose mean latent fear exceeds :data:`~emolib.synth.mediaeval.FEAR_THRESHOLD`,
written as start/end rows (header ``Start End``; no row when the movie has no fear).

The real release's defects are planted in the first development movies (:data:`DEFECTS`), so that the
readers' warnings show: an audio file of one second missing and the ``cl`` file of second 6 empty
(movie 00), a gap of four seconds in the ``fc6`` and ``jcd`` files (movie 01), and a valence/arousal file
that stops at 60 % of the movie (movie 02).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from emolib.core.atomic import write_text
from emolib.datasets.descriptors import VISUAL_DESCRIPTORS
from emolib.datasets.layouts import MEDIAEVAL2018_SUBDIR
from emolib.synth.descriptors import (
    audio_descriptors,
    movie_sound,
    visual_descriptors,
    write_audio_folder,
    write_visual_folders,
)
from emolib.synth.mediaeval import FEAR_THRESHOLD, FELT_SECONDS, RATER_NOISE
from emolib.synth.movie import RenderedMovie, second_frames
from emolib.synth.profiles import MovieSpec
from emolib.synth.seeding import stream

__all__ = [
    "AUDIO_WINDOW",
    "DEFECTS",
    "build_movie_2018",
    "format_fear_sequences",
    "format_va_2018",
    "second_annotations",
]

AUDIO_WINDOW = 5.0
"""Seconds of sound behind each 2018 audio descriptor file (centred on its second)."""
DEFECTS: dict[int, tuple[str, ...]] = {0: ("audio_missing", "cl_empty"), 1: ("gap",), 2: ("short",)}
"""Defects planted in the development movies, by movie number."""
SHORT_SHARE = 0.6
"""Share of the seconds a short annotation file keeps."""
GAP = (10, 13)
"""Seconds (files 10 to 13, from 1) missing in the ``fc6`` and ``jcd`` folders of a movie with a gap."""
EMPTY_CL_SECOND = 6
"""The second whose ``cl`` file is empty (as movie 27's of the real release)."""


def second_annotations(
    rendered: RenderedMovie, rng: np.random.Generator, n_seconds: int
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
    """Times, valence, arousal and per-second fear (0/1) of every whole second of a movie."""
    times = np.arange(n_seconds, dtype=np.float64)
    felt = rendered.latent.felt(FELT_SECONDS)
    va = [
        np.clip(felt.interval_means(times, 1.0, name) + rng.normal(0.0, RATER_NOISE, n_seconds), -1, 1)
        for name in ("valence", "arousal")
    ]
    fear = (rendered.latent.interval_means(times, 1.0, "fear") > FEAR_THRESHOLD).astype(np.int64)
    return times, va[0], va[1], fear


def format_va_2018(
    times: NDArray[np.float64], valence: NDArray[np.float64], arousal: NDArray[np.float64]
) -> str:
    """Text of a ``MEDIAEVAL18_<MM>_Valence-Arousal.txt`` file: header, tab-separated, one row per second."""
    rows = ["Time\tValence\tArousal"]
    rows += [f"{t:.0f}\t{v:.7f}\t{a:.7f}" for t, v, a in zip(times, valence, arousal, strict=True)]
    return "\n".join(rows) + "\n"


def fear_sequences(times: NDArray[np.float64], fear: NDArray[np.int64]) -> list[tuple[int, int]]:
    """``(start, end)`` of every run of fearful seconds (end exclusive)."""
    padded = np.concatenate([[0], fear, [0]])
    edges = np.diff(padded)
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return [(int(times[a]), int(times[b - 1]) + 1) for a, b in zip(starts, ends, strict=True)]


def format_fear_sequences(sequences: list[tuple[int, int]]) -> str:
    """Text of a ``MEDIAEVAL18_<MM>_Fear.txt`` file in the sequence form: header ``Start End``, a row each."""
    return "\n".join(["Start\tEnd", *(f"{a}\t{b}" for a, b in sequences)]) + "\n"


def _audio_per_second(
    sound: NDArray[np.float32], rate: int, n_seconds: int
) -> tuple[NDArray[np.float64], str]:
    """One emobase2010 row per second ``k``: the 5 s ``[k - 2, k + 3)``; seconds 0 and 1 repeat second 2."""
    first = 2 if n_seconds > 2 else 0
    starts = np.arange(first, n_seconds, dtype=np.float64) - first
    values, backend = audio_descriptors(sound, rate, starts, AUDIO_WINDOW)
    return np.concatenate([np.repeat(values[:1], first, axis=0), values]), backend


def build_movie_2018(spec: MovieSpec, seed: int, out: Path) -> dict:
    """Render one 2018 movie with its annotations, descriptor folders and latent file; its manifest entry."""
    from emolib.synth.groundtruth import write_latent
    from emolib.synth.movie import render_movie

    root = out / MEDIAEVAL2018_SUBDIR
    movie = root / "movies" / f"{spec.name}.mp4"
    rendered = render_movie(spec, seed, movie, keep_sound=True)
    n_seconds = int(np.floor(spec.duration + 1e-9))
    times, valence, arousal, fear = second_annotations(
        rendered, stream(seed, spec.layout, spec.index, "annotation"), n_seconds
    )
    defects = DEFECTS.get(spec.index, ()) if spec.part.startswith("DevSet") else ()
    kept = int(np.ceil(SHORT_SHARE * n_seconds)) if "short" in defects else n_seconds
    prefix = root / f"MEDIAEVAL18-{spec.part}"
    va_path = write_text(
        Path(f"{prefix}-Valence_Arousal-annotations") / "annotations" / f"{spec.name}_Valence-Arousal.txt",
        format_va_2018(times[:kept], valence[:kept], arousal[:kept]),
    )
    sequences = fear_sequences(times, fear)
    fear_path = write_text(
        Path(f"{prefix}-Fear-annotations") / "annotations" / f"{spec.name}_Fear.txt",
        format_fear_sequences(sequences),
    )
    visual = Path(f"{prefix}-Visual_features") / "visual_features" / spec.name
    gap = {n: list(range(GAP[0], GAP[1] + 1)) for n in ("fc6", "jcd")} if "gap" in defects else {}
    empty = {"cl": [EMPTY_CL_SECOND]} if "cl_empty" in defects else {}
    write_visual_folders(
        visual, spec.name, visual_descriptors(second_frames(spec, rendered)), "-", gap, empty
    )
    audio = Path(f"{prefix}-Audio_features") / "audio_features" / spec.name
    rows, backend = _audio_per_second(movie_sound(rendered), spec.audio_rate, n_seconds)
    skip = [n_seconds // 2] if "audio_missing" in defects else []
    write_audio_folder(audio, f"{spec.name}_", rows, first=1, skip=skip)
    latent_path = write_latent(root / "_latent" / f"{spec.name}.csv", rendered)
    return {
        "part": spec.part,
        "n_seconds": n_seconds,
        "annotated_seconds": kept,
        "fear_seconds": int(fear.sum()),
        "fear_sequences": [list(s) for s in sequences],
        "descriptors": [*VISUAL_DESCRIPTORS, "emobase2010"],
        "audio_descriptors": backend,
        "defects": list(defects),
        "files": [str(p.relative_to(out)) for p in (movie, va_path, fear_path, latent_path)],
        "dirs": [str(p.relative_to(out)) for p in (visual, audio)],
    }
