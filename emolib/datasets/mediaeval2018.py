"""The MediaEval 2018 edition: development parts 1-3 and the test part, valence/arousal and fear per second.

Layout (``formats.md``; ``data/README.md`` says what is assumed where nothing is published): movies
``MEDIAEVAL18_<MM>.mp4``; ``MEDIAEVAL18-<Set>-Valence_Arousal-annotations/annotations/
MEDIAEVAL18_<MM>_Valence-Arousal.txt`` (header ``Time Valence Arousal``, tab-separated, one row per
second) and ``MEDIAEVAL18-<Set>-Fear-annotations/annotations/MEDIAEVAL18_<MM>_Fear.txt``
(:func:`~emolib.datasets.mediaeval_files.read_fear_2018`: one 0/1 row per second, or one start/end row
per fear sequence), where ``<Set>`` is ``DevSet-Part1`` (movies 00-13), ``DevSet-Part2`` (14-43),
``DevSet-Part3`` (44-53) or ``TestSet`` (54-65). The files are found anywhere under the folder given, by
name; a file's part is read from the nearest folder named like ``...DevSet-PartN...`` or
``...TestSet...`` (letter case and separators not significant, any nesting), else from the real
release's movie numbers.

Each movie becomes per-second rows ``time``, ``valence``, ``arousal`` and, with fear ground truth,
``fear``: second ``[t, t + 1)`` is fearful when its middle ``t + 0.5`` lies in a fear sequence
``[start, end)`` (a per-second fear file gives its own 0/1). Defects of the real release are warned
about, naming the file, and the movie is kept: a fear file with fewer seconds than the valence/arousal
file (the missing seconds read as no fear), and a **short annotation file** (movie 46 of the real
release has 100 rows for about 3000 s): noticed when the movie's fear ground truth or its descriptor
files reach more than :data:`SHORT_TOLERANCE` seconds (and 5 %) further; only the annotated seconds are
used.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from emolib.core.errors import DataError, warn_data
from emolib.core.files import PathLike, find_by_stem, require_dir
from emolib.datasets import descriptors
from emolib.datasets.mediaeval_files import read_fear_2018, read_valence_arousal_2018
from emolib.datasets.mediaeval_scan import MOVIE_SUFFIXES, part_of, scan
from emolib.datasets.mediaeval_sets import MediaEvalSet, assemble_annotations, movies_table

__all__ = [
    "PARTS",
    "RELEASE_PARTS",
    "SHORT_TOLERANCE",
    "load_mediaeval2018",
    "movie_part",
    "second_fear",
]

PARTS = ("dev", "test")
"""The parts :func:`load_mediaeval2018` loads."""
RELEASE_PARTS: dict[tuple[str, int | None], range] = {
    ("dev", 1): range(0, 14),
    ("dev", 2): range(14, 44),
    ("dev", 3): range(44, 54),
    ("test", None): range(54, 66),
}
"""The real release's movie numbers of each part (used for files outside any part folder)."""
SHORT_TOLERANCE = 3.0
"""Seconds by which other evidence may reach past the valence/arousal rows before the file is short
(or 5 % of the movie, whichever is more: rounding of the last partial second differs between files)."""
EXPECTED_2018 = (
    "MEDIAEVAL18_<MM>_Valence-Arousal.txt files (and MEDIAEVAL18_<MM>_Fear.txt), e.g. in "
    "MEDIAEVAL18-DevSet-Part1-Valence_Arousal-annotations/annotations/"
)
_NUMBER = re.compile(r"_(\d+)$")


def second_fear(times: NDArray[np.float64], sequences: pd.DataFrame) -> NDArray[np.int64]:
    """1 for every second ``[t, t + 1)`` whose middle lies in a fear sequence ``[start, end)``, else 0.

    Examples
    --------
    >>> second_fear(np.arange(6.0), pd.DataFrame({"start": [1.2], "end": [3.5]})).tolist()
    [0, 1, 1, 1, 0, 0]
    """
    middle = np.asarray(times, dtype=np.float64) + 0.5
    out = np.zeros(middle.size, dtype=np.int64)
    for start, end in sequences[["start", "end"]].to_numpy():
        out[(middle >= start) & (middle < end)] = 1
    return out


def movie_part(name: str, path: Path, root: Path) -> tuple[str, int | None]:
    """The part of a 2018 movie (``("dev", 1)`` ... ``("test", None)``): from the folders of its file under
    ``root`` (:func:`~emolib.datasets.mediaeval_scan.part_of`), else from the real release's numbers.

    Raises
    ------
    DataError
        Naming the file, if neither tells.
    """
    found = part_of(path, root)
    if found is not None:
        return found
    number = int(_NUMBER.search(name).group(1))  # type: ignore[union-attr]  # names are MEDIAEVAL18_<MM>
    for key, numbers in RELEASE_PARTS.items():
        if number in numbers:
            return key
    message = "cannot tell its part: put it under a MEDIAEVAL18-DevSet-PartN-... or ...-TestSet-... folder"
    raise DataError(path, message)


def _evidence(fear_rows: float, sources: Mapping[str, descriptors.DescriptorSource]) -> tuple[float, str]:
    """How far other files say the movie goes (seconds), and which."""
    best, what = fear_rows, "its fear file"
    for source in sources.values():
        step, duration = source.grid
        seconds = (source.count() - 1) * step + duration
        if seconds > best:
            best, what = seconds, f"its {source.descriptor} files in {source.folder}"
    return best, what


def _movie(
    name: str, va_path: Path, fear_path: Path | None, sources: Mapping[str, descriptors.DescriptorSource]
) -> tuple[pd.DataFrame, pd.DataFrame | None, list[str]]:
    """One movie's per-second rows, fear sequences and the defects found."""
    table = read_valence_arousal_2018(va_path)
    times = table["time"].to_numpy()
    end = float(times[-1]) + 1.0
    defects: list[str] = []
    sequences = None
    fear_reach = 0.0
    if fear_path is not None:
        fear = read_fear_2018(fear_path)
        sequences = fear.sequences
        if fear.seconds is not None:
            by_time = dict(zip(fear.seconds["time"].round(6), fear.seconds["fear"], strict=True))
            values = np.array([by_time.get(round(t, 6), -1) for t in times], dtype=np.int64)
            lacking = int((values < 0).sum())
            if lacking:
                message = f"no fear row for {lacking} of the {times.size} annotated seconds: read as no fear"
                defects.append(warn_data(fear_path, message, stacklevel=4))
            table["fear"] = np.maximum(values, 0)
            fear_reach = float(fear.seconds["time"].iloc[-1]) + 1.0
        else:
            table["fear"] = second_fear(times, sequences)
            fear_reach = float(sequences["end"].max()) if len(sequences) else 0.0
    reach, what = _evidence(fear_reach, sources)
    if reach - end > max(SHORT_TOLERANCE, 0.05 * reach):
        message = (
            f"short annotation file: {len(table)} rows (to {end:g} s), although the movie lasts at least "
            f"{reach:g} s (from {what}); only the annotated seconds are used"
        )
        defects.append(warn_data(va_path, message, stacklevel=4))
    table.insert(0, "movie", name)
    return table, sequences, defects


def load_mediaeval2018(root: PathLike, part: str = "dev") -> MediaEvalSet:
    """Find and read one part of a MediaEval 2018 set under ``root``: the development parts or the test part.

    Parameters
    ----------
    root
        Folder to search (the release's folders may be anywhere under it, with any letter case).
    part
        ``"dev"`` (the three development parts together; ``movies["dev_part"]`` says which) or ``"test"``.

    Returns
    -------
    MediaEvalSet
        Edition 2018, ``"second"`` grid: ``annotations`` has ``movie``, ``time``, ``valence``,
        ``arousal`` and ``fear`` (where there is fear ground truth), one row per annotated second;
        ``fear_sequences`` the fear sequences of each movie with fear ground truth; ``defects`` the
        warnings issued. Movies ``MEDIAEVAL18_<MM>.mp4`` are found anywhere under ``root`` (not opened).

    Raises
    ------
    ValueError
        If ``part`` is neither ``"dev"`` nor ``"test"``.
    DataError
        If ``root`` is not a folder or holds no annotation file of the part; a file is malformed
        (naming file and line), misnamed in an ``annotations`` folder or duplicated; a fear file has no
        valence/arousal partner; or a file's part cannot be told.
    """
    if part not in PARTS:
        raise ValueError(f"part must be one of {', '.join(PARTS)}, got {part!r}")
    base = require_dir(root, EXPECTED_2018)
    found = scan(base)
    va, fear = found.of("va2018"), found.of("fear2018")
    for name in sorted(fear.keys() - va.keys()):
        message = f"no matching valence/arousal file {name}_Valence-Arousal.txt under {base}"
        raise DataError(fear[name], message)
    parts = {name: movie_part(name, path, base) for name, path in va.items()}
    names = sorted(n for n in va if parts[n][0] == part)
    if not names:
        raise DataError(base, f"no MediaEval 2018 {part} annotation files found; expected {EXPECTED_2018}")
    videos = find_by_stem(found.others, names, MOVIE_SUFFIXES)
    by_movie = descriptors.sources_by_movie(descriptors.locate(base))
    tables, sequences, defects = [], {}, []
    for name in names:
        table, seq, notes = _movie(name, va[name], fear.get(name), by_movie.get(name, {}))
        tables.append(table)
        defects += notes
        if seq is not None:
            sequences[name] = seq
    fear_files = {n: fear[n] for n in names if n in fear}
    if fear_files and len(fear_files) < len(names):
        for n in names:
            if n not in fear_files:
                message = "no fear ground truth for this movie: its seconds have no fear label"
                defects.append(warn_data(va[n], message))
    dev_parts = {n: parts[n][1] for n in names}
    movies = movies_table(names, videos, va, fear_files, [len(t) for t in tables], part, dev_parts)
    return MediaEvalSet(
        root=base,
        movies=movies,
        annotations=assemble_annotations(tables),
        edition=2018,
        grid="second",
        fear_sequences=sequences,
        defects=tuple(defects),
    )
