"""Check every file of a data folder and report every problem, not only the first.

The readers (:mod:`emolib.datasets.mediaeval`, :mod:`emolib.datasets.smelloffear`,
:mod:`emolib.datasets.vocs`, :mod:`emolib.media`) stop at the first malformed file with a
:class:`~emolib.core.errors.DataError` naming it. Before a study of thirty movies runs for days,
:func:`validate` reads each file of both dataset layouts on its own (annotations, labels, audio
features, VOC screenings) and probes each movie (it must decode and have a video and an audio stream),
and collects all the errors, so that one run of ``python -m emolib validate --data DIR`` lists
everything to fix.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emolib.core.errors import DataError
from emolib.core.files import walk_files
from emolib.datasets.layouts import locate

__all__ = ["Problem", "validate"]

VIDEO_SUFFIXES = (".mp4", ".mkv", ".avi", ".mov", ".m4v", ".webm", ".mpg", ".mpeg")


@dataclass(frozen=True)
class Problem:
    """One problem found: the file (and line) and what is wrong."""

    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.path}{'' if self.line is None else f':{self.line}'}: {self.message}"


class _Collector:
    """Runs checks, turning each :class:`DataError` (or unexpected error) into a :class:`Problem`."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.checked = 0

    def check(self, path: Path, fn: Callable[[Path], Any]) -> Any:
        self.checked += 1
        try:
            return fn(path)
        except DataError as err:
            self.problems.append(Problem(err.path, err.message, err.line))
        except Exception as err:  # noqa: BLE001 - a reader's bug must not hide the other files' problems
            self.problems.append(Problem(str(path), f"unreadable ({type(err).__name__}: {err})"))
        return None

    def add(self, path: Path, message: str) -> None:
        self.problems.append(Problem(str(path), message))


def _check_movie(path: Path) -> None:
    from emolib.media import probe

    info = probe(path)
    if info.n_frames <= 0 or info.duration <= 0:
        raise DataError(path, "no decodable video frames")
    if not info.has_audio:
        raise DataError(path, "no audio stream (Study A needs the soundtrack)")


def _check_mediaeval(root: Path, out: _Collector, exclude: Path | None) -> None:
    from emolib.datasets.mediaeval import _ANNOTATION_RE, MOVIE_SUFFIXES, read_fear, read_valence_arousal

    found: dict[str, dict[str, Path]] = {"valence_arousal": {}, "fear": {}}
    lengths: dict[tuple[str, str], int] = {}
    movies: dict[str, Path] = {}
    for f in walk_files(root):
        if exclude is not None and exclude in f.parents:
            continue
        match = _ANNOTATION_RE.match(f.name)
        if match is None:
            if f.parent.name.lower() == "annotations":
                expected = "<Name>-MEDIAEVAL2017-valence_arousal.txt or <Name>-MEDIAEVAL2017-fear.txt"
                out.add(f, f"misnamed annotation file: expected {expected}")
            elif f.suffix.lower() in MOVIE_SUFFIXES:
                if f.stem in movies:
                    out.add(f, f"ambiguous: {movies[f.stem]} has the same name {f.stem!r}")
                movies.setdefault(f.stem, f)
            continue
        name, kind = match["name"], match["kind"]
        if name in found[kind]:
            out.add(f, f"duplicate annotation file: {found[kind][name]} has the same name")
            continue
        found[kind][name] = f
        table = out.check(f, read_valence_arousal if kind == "valence_arousal" else read_fear)
        if table is not None:
            lengths[(name, kind)] = len(table)
    va, fear = found["valence_arousal"], found["fear"]
    for name in sorted(va.keys() ^ fear.keys()):
        other = "fear" if name in va else "valence/arousal"
        out.add((va | fear)[name], f"no matching {other} file for movie {name!r}")
    for name in sorted(va.keys() & fear.keys()):
        n_va, n_fear = lengths.get((name, "valence_arousal")), lengths.get((name, "fear"))
        if n_va is not None and n_fear is not None and n_va != n_fear:
            out.add(va[name], f"{n_va} windows, but {fear[name]} has {n_fear}: the two grids must agree")
    for movie in movies.values():
        out.check(movie, _check_movie)


def _check_smelloffear(root: Path, out: _Collector) -> None:
    from emolib.datasets.smelloffear import read_audio_features, read_labels
    from emolib.datasets.vocs import read_voc_screening

    reserved = {root / "labels", root / "audio", root / "vocs"}
    for f in sorted((root / "labels").glob("*.csv")):
        if not f.stem.endswith("_transposed"):  # read_labels checks it against its main file
            out.check(f, read_labels)
    for f in sorted((root / "audio").glob("*.npy")):
        out.check(f, read_audio_features)
    for f in sorted((root / "vocs").glob("*.arff")):
        out.check(f, read_voc_screening)
    for f in walk_files(root):
        if f.suffix.lower() in VIDEO_SUFFIXES and not reserved.intersection(f.parents):
            out.check(f, _check_movie)


def validate(data_dir: str | Path) -> tuple[list[Problem], int]:
    """Check every file of the MediaEval 2017 and Smell of Fear layouts under ``data_dir``.

    Parameters
    ----------
    data_dir
        A data folder (:func:`emolib.datasets.layouts.locate`), or a plain folder of movies.

    Returns
    -------
    problems, n_checked
        Every problem found (file order), and how many files were checked.
    """
    out = _Collector()
    root = Path(data_dir).expanduser().resolve()
    try:
        layouts = locate(root)
    except DataError as err:
        if not root.is_dir():
            return [Problem(err.path, err.message, err.line)], 0
        layouts = None
    if layouts is None:  # a folder of movies (e.g. an anonymised test set)
        for f in walk_files(root):
            if f.suffix.lower() in VIDEO_SUFFIXES:
                out.check(f, _check_movie)
        if not out.checked:
            out.add(root, "holds no dataset layout and no movie")
        return out.problems, out.checked
    if layouts.mediaeval is not None:
        _check_mediaeval(layouts.mediaeval, out, layouts.smelloffear)
    if layouts.smelloffear is not None:
        _check_smelloffear(layouts.smelloffear, out)
    return out.problems, out.checked
