"""Check every file of a data folder and report every problem, not only the first.

The readers (:mod:`emolib.datasets.mediaeval`, :mod:`emolib.datasets.descriptors`,
:mod:`emolib.datasets.smelloffear`, :mod:`emolib.datasets.vocs`, :mod:`emolib.media`) stop at the first
malformed file with a :class:`~emolib.core.errors.DataError` naming it. Before a study of thirty movies
runs for days, :func:`validate` reads each file of every dataset layout on its own (MediaEval 2017 and
2018 annotations, the organisers' descriptor folders, labels, audio features, VOC screenings) and probes
each movie (it must decode and have a video and an audio stream), and collects all the errors, so that
one run of ``python -m emolib validate --data DIR`` lists everything to fix. Defects a reader works
around (a missing second, an empty descriptor file, a short annotation file) are not problems: they are
collected apart (``defects``) and printed as warnings.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emolib.core.errors import DataError, DataWarning
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
        self.defects: list[str] = []
        self.checked = 0

    def check(self, path: Path, fn: Callable[[Any], Any], arg: Any = None, count: int = 1) -> Any:
        """``fn(arg or path)``; a DataError becomes a problem, a DataWarning a defect."""
        self.checked += count
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", DataWarning)
                result = fn(path if arg is None else arg)
            self.defects += [str(w.message) for w in caught if issubclass(w.category, DataWarning)]
            return result
        except DataError as err:
            self.problems.append(Problem(err.path, err.message, err.line))
        except Exception as err:  # noqa: BLE001 - a reader's bug must not hide the other files' problems
            self.problems.append(Problem(str(path), f"unreadable ({type(err).__name__}: {err})"))
        return None

    def add(self, path: Path, message: str) -> None:
        self.problems.append(Problem(str(path), message))

    def problem(self, err: DataError) -> None:
        self.problems.append(Problem(err.path, err.message, err.line))


def _check_movie(path: Path) -> None:
    from emolib.media import probe

    info = probe(path)
    if info.n_frames <= 0 or info.duration <= 0:
        raise DataError(path, "no decodable video frames")
    if not info.has_audio:
        raise DataError(path, "no audio stream (Study A needs the soundtrack)")


def _movies(found: Any, names: set[str]) -> dict[str, Path]:
    """The movie files among a scan's other files whose stem is an annotated movie (first of each)."""
    from emolib.datasets.mediaeval import MOVIE_SUFFIXES

    return {
        f.stem: f for f in reversed(found.others) if f.suffix.lower() in MOVIE_SUFFIXES and f.stem in names
    }


def _ambiguous_movies(found: Any, out: _Collector) -> None:
    from emolib.datasets.mediaeval import MOVIE_SUFFIXES

    seen: dict[str, Path] = {}
    for f in found.others:
        if f.suffix.lower() in MOVIE_SUFFIXES:
            if f.stem in seen:
                out.add(f, f"ambiguous: {seen[f.stem]} has the same name {f.stem!r}")
            seen.setdefault(f.stem, f)


def _check_mediaeval(root: Path, out: _Collector, exclude: Path | None) -> None:
    from emolib.datasets.mediaeval import read_fear, read_valence_arousal, scan

    found = scan(root, out.problem, exclude)
    va, fear = found.of("va2017"), found.of("fear2017")
    lengths: dict[tuple[str, str], int] = {}
    for kind, table, reader in (("valence_arousal", va, read_valence_arousal), ("fear", fear, read_fear)):
        for name, path in table.items():
            rows = out.check(path, reader)
            if rows is not None:
                lengths[(name, kind)] = len(rows)
    for name in sorted(va.keys() ^ fear.keys()):
        other = "fear" if name in va else "valence/arousal"
        out.add((va | fear)[name], f"no matching {other} file for movie {name!r}")
    for name in sorted(va.keys() & fear.keys()):
        n_va, n_fear = lengths.get((name, "valence_arousal")), lengths.get((name, "fear"))
        if n_va is not None and n_fear is not None and n_va != n_fear:
            out.add(va[name], f"{n_va} windows, but {fear[name]} has {n_fear}: the two grids must agree")
    _ambiguous_movies(found, out)
    for movie in _movies(found, set(va) | set(fear)).values():
        out.check(movie, _check_movie)


def _check_mediaeval2018(root: Path, out: _Collector, exclude: Path | None) -> None:
    from emolib.datasets.mediaeval import load_mediaeval2018, read_fear_2018, read_valence_arousal_2018, scan
    from emolib.datasets.mediaeval2018 import movie_part

    before = len(out.problems)
    found = scan(root, out.problem, exclude)
    va, fear = found.of("va2018"), found.of("fear2018")
    parts = {}
    for name, path in va.items():
        out.check(path, read_valence_arousal_2018)
        parts[name] = out.check(path, lambda p, n=name: movie_part(n, p, root), count=0)
    for path in fear.values():
        out.check(path, read_fear_2018)
    for name in sorted(fear.keys() - va.keys()):
        out.add(fear[name], f"no matching valence/arousal file for movie {name!r}")
    if len(out.problems) == before:  # every file reads: the loader's own warnings (short annotation files)
        for part in sorted({p[0] for p in parts.values() if p is not None}):
            out.check(root, lambda r, part=part: load_mediaeval2018(r, part), count=0)
    _ambiguous_movies(found, out)
    for movie in _movies(found, set(va)).values():
        out.check(movie, _check_movie)


def _check_descriptors(root: Path, out: _Collector, exclude: Path | None) -> None:
    from emolib.datasets.descriptors import locate as locate_descriptors
    from emolib.datasets.descriptors import read_descriptor

    sources = out.check(root, locate_descriptors, count=0) or []
    for source in sources:
        if exclude is None or exclude not in source.folder.parents:
            out.check(source.folder, read_descriptor, source, count=source.count())


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


def validate(data_dir: str | Path, defects: list[str] | None = None) -> tuple[list[Problem], int]:
    """Check every file of the MediaEval 2017 and 2018 (with the organisers' descriptor folders) and Smell
    of Fear layouts under ``data_dir``.

    Parameters
    ----------
    data_dir
        A data folder (:func:`emolib.datasets.layouts.locate`), or a plain folder of movies.
    defects
        If given, the defects the readers work around (each a warning naming its file) are appended.

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
    if layouts.mediaeval2018 is not None:
        _check_mediaeval2018(layouts.mediaeval2018, out, layouts.smelloffear)
    _check_descriptors(layouts.root, out, layouts.smelloffear)
    if layouts.smelloffear is not None:
        _check_smelloffear(layouts.smelloffear, out)
    if defects is not None:
        defects += out.defects
    return out.problems, out.checked
