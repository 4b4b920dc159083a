"""A MediaEval 2018 folder the project has never seen, for the readers' and the pipeline's tests.

:func:`write_unseen_2018` writes, under a folder, a 2018-layout release that differs from the synthetic
sample in every way the real one may: other movie numbers (``MEDIAEVAL18_7x``) and count, durations,
frame rates (23.976, 29.97, 50 fps), audio formats (48 kHz 6-channel, 22.05 kHz mono, 44.1 kHz stereo),
folder names in another letter case and with an extra level of nesting, fear in both accepted forms
(one 0/1 row per second, and start/end rows), a movie without fear ground truth, only some visual
descriptors (``fc6``, ``cl``, ``eh``) and the real release's defects: a missing ``fc6`` file, an empty
``cl`` file, a missing audio file and a short annotation file. The folder must be read with warnings
only, each naming its file (:attr:`Unseen2018.defect_files`).

Valence and arousal are smooth functions of time that the descriptors carry (the first ``fc6`` values and
the first emobase2010 values follow them), so a model trained on the development parts can learn
something; nothing else about the values is meaningful.

>>> layout = write_unseen_2018(tmp_path / "release")  # doctest: +SKIP
>>> load_mediaeval2018(layout.root, "dev")  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from media_fixtures import run_ffmpeg

from emolib.datasets.emobase2010 import N_VALUES, format_arff

__all__ = ["UNSEEN_MOVIES", "Unseen2018", "UnseenMovie", "write_unseen_2018"]


@dataclass(frozen=True)
class UnseenMovie:
    """One movie of the unseen release."""

    number: int
    part: str
    """``DevSet-Part1``, ``DevSet-Part2``, ``DevSet-Part3`` or ``TestSet``."""
    seconds: int
    rate: str
    """Frame rate as ffmpeg writes it."""
    audio_rate: int
    channels: int
    fear: str | None
    """``"seconds"``, ``"sequences"`` or ``None`` (no fear file)."""

    @property
    def name(self) -> str:
        return f"MEDIAEVAL18_{self.number:02d}"


UNSEEN_MOVIES: tuple[UnseenMovie, ...] = (
    UnseenMovie(71, "DevSet-Part1", 17, "24000/1001", 48000, 6, "sequences"),
    UnseenMovie(72, "DevSet-Part1", 23, "30000/1001", 22050, 1, "seconds"),
    UnseenMovie(74, "DevSet-Part2", 19, "50", 44100, 2, "sequences"),
    UnseenMovie(75, "DevSet-Part3", 26, "25", 48000, 1, "seconds"),
    UnseenMovie(81, "TestSet", 21, "30000/1001", 48000, 6, "sequences"),
    UnseenMovie(83, "TestSet", 15, "24000/1001", 22050, 1, None),
)
"""Four development movies over the three parts and two test movies, all unlike the sample's."""
VISUAL = {"fc6": 4096, "cl": 33, "eh": 80}
"""The visual descriptors written, with their widths."""


@dataclass
class Unseen2018:
    """What :func:`write_unseen_2018` wrote.

    Attributes
    ----------
    root
        The release folder.
    movies
        The movies written.
    defect_files
        For each planted defect, the file a warning must name (the movie without fear ground truth is
        warned about too, naming its valence/arousal file).
    short
        The movie whose valence/arousal file is short, and the rows it has.
    """

    root: Path
    movies: tuple[UnseenMovie, ...]
    defect_files: list[Path] = field(default_factory=list)
    short: tuple[str, int] = ("", 0)


def curves(seconds: int, number: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Valence, arousal and fear (0/1) of every second of a movie."""
    t = np.arange(seconds, dtype=np.float64)
    valence = 0.6 * np.sin(2 * np.pi * t / 13.0 + number)
    arousal = 0.5 * np.cos(2 * np.pi * t / 9.0 + 0.5 * number)
    fear = ((valence < -0.3) & (arousal > 0.0)).astype(int)
    return valence, arousal, fear


def _movie_file(path: Path, m: UnseenMovie) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    args = ["-f", "lavfi", "-i", f"testsrc2=size=128x72:rate={m.rate}:duration={m.seconds + 0.4}"]
    args += ["-f", "lavfi", "-i", f"sine=frequency=330:sample_rate={m.audio_rate}:duration={m.seconds + 0.4}"]
    args += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    args += ["-c:a", "aac", "-b:a", "64k", "-ac", str(m.channels), "-shortest", str(path)]
    run_ffmpeg(args)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _fear_text(m: UnseenMovie, fear: np.ndarray) -> str:
    if m.fear == "seconds":
        return "Time\tFear\n" + "".join(f"{t}\t{f}\n" for t, f in enumerate(fear))
    padded = np.diff(np.concatenate([[0], fear, [0]]))
    rows = zip(np.flatnonzero(padded == 1), np.flatnonzero(padded == -1), strict=True)
    return "StartTime\tEndTime\n" + "".join(f"{a:.1f}\t{b:.1f}\n" for a, b in rows)


def write_unseen_2018(
    root: Path, movies: tuple[UnseenMovie, ...] = UNSEEN_MOVIES, with_movies: bool = True
) -> Unseen2018:
    """Write the unseen release under ``root`` (see the module docstring); return what was written.

    Parameters
    ----------
    root
        Folder to write into (created).
    movies
        The movies (default :data:`UNSEEN_MOVIES`).
    with_movies
        Also write the ``.mp4`` files (a few seconds of ffmpeg); without them only annotations and
        descriptors are there, as for a user who has only those.
    """
    out = Unseen2018(root, movies)
    rng = np.random.default_rng(2018)
    dev = [m for m in movies if m.part.startswith("DevSet")]
    for m in movies:
        valence, arousal, fear = curves(m.seconds, m.number)
        upper = m.part.upper() if m.number % 2 else m.part.lower()  # letter case varies
        rows = m.seconds
        if dev and m is dev[-1]:  # a short annotation file, as movie 46 of the real release
            rows = m.seconds * 2 // 5
            out.short = (m.name, rows)
        va = "Time\tValence\tArousal\n" + "".join(
            f"{t}\t{v:.6f}\t{a:.6f}\n" for t, v, a in zip(range(rows), valence, arousal, strict=False)
        )
        ann = root / f"mediaeval18-{upper}-valence_arousal-annotations" / "Annotations"
        va_path = _write(ann / f"{m.name}_Valence-Arousal.txt", va)
        if rows < m.seconds or m.fear is None:  # short, or the only movie of its part without fear
            out.defect_files.append(va_path)
        if m.fear is not None:
            _write(root / f"MEDIAEVAL18-{upper}-Fear-annotations" / "annotations" / f"{m.name}_Fear.txt",
                   _fear_text(m, fear))  # fmt: skip
        nested = root / f"MEDIAEVAL18-{m.part}-Visual_features" / f"MEDIAEVAL18-{m.part}-Visual_features"
        for feat, width in VISUAL.items():
            for s in range(1, m.seconds + 1):
                path = nested / "visual_features" / m.name / feat / f"{m.name}_{s:05d}_{feat}.txt"
                if feat == "fc6" and m is movies[0] and s == 3:
                    out.defect_files.append(path)  # a missing second
                    continue
                row = rng.normal(0.0, 0.1, width)
                row[:2] = valence[s - 1], arousal[s - 1]
                text = "" if feat == "cl" and m is movies[1] and s == 2 else ",".join(f"{x:.5g}" for x in row)
                if not text:
                    out.defect_files.append(path)  # an empty file
                _write(path, text + ("\n" if text else ""))
        audio = root / f"MEDIAEVAL18-{m.part}-Audio_features" / "audio_features" / m.name
        for s in range(1, m.seconds + 1):
            path = audio / f"{m.name}_{s:05d}.csv"
            if m is movies[2] and s == m.seconds // 2:
                out.defect_files.append(path)  # a missing audio second, as movie 06's
                continue
            values = rng.normal(0.0, 1.0, N_VALUES)
            values[:2] = valence[s - 1], arousal[s - 1]
            _write(path, format_arff(values))
        if with_movies:
            _movie_file(root / f"MEDIAEVAL18-{m.part}-Data" / "data" / f"{m.name}.mp4", m)
    return out
