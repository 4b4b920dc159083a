"""One scan of a MediaEval folder: every annotation and ground-truth file, by kind and movie name.

Every loader of :mod:`emolib.datasets.mediaeval` (2017 development and test sets, the 2018 parts) and
:mod:`emolib.datasets.validate` walk a folder once with :func:`scan`, which recognises each file by its
name (:data:`KINDS`) wherever it lies under the folder, so the release layouts, the synthetic sample's
and a user's own arrangement all work. The organisers' per-second descriptor folders
(``*-Visual_features``, ``*-Audio_features``) are not entered: they hold hundreds of thousands of files
and no annotation (:mod:`emolib.datasets.descriptors` reads them).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from emolib.core.errors import DataError
from emolib.core.files import walk_files

__all__ = [
    "KINDS",
    "MOVIE_SUFFIXES",
    "Scan",
    "descriptor_folder",
    "part_of",
    "raise_problem",
    "scan",
]

KINDS: dict[str, re.Pattern[str]] = {
    "va2018": re.compile(r"^(?P<name>MEDIAEVAL18_\d+)_Valence-Arousal\.txt$", re.IGNORECASE),
    "fear2018": re.compile(r"^(?P<name>MEDIAEVAL18_\d+)_Fear\.txt$", re.IGNORECASE),
    "test_va2017": re.compile(r"^(?P<name>MEDIAEVAL17_\d+)_Valence-Arousal\.txt$"),
    "va2017": re.compile(r"^(?P<name>.+)-MEDIAEVAL2017-valence_arousal\.txt$"),
    "fear2017": re.compile(r"^(?P<name>.+)-MEDIAEVAL2017-fear\.txt$"),
    "renamed_va2017": re.compile(r"^(?P<name>.+)_valence_arousal\.txt$"),
    "renamed_fear2017": re.compile(r"^(?P<name>.+)_fear\.txt$"),
}
"""Every annotation file kind, tried in this order (the first match wins):

* ``va2018``, ``fear2018``: ``MEDIAEVAL18_<MM>_Valence-Arousal.txt`` and ``MEDIAEVAL18_<MM>_Fear.txt``
  (letter case of the suffix not significant);
* ``test_va2017``: the 2017 test set's ``MEDIAEVAL17_<XX>_Valence-Arousal.txt``;
* ``va2017``, ``fear2017``: the 2017 development set's ``<Name>-MEDIAEVAL2017-valence_arousal.txt`` and
  ``<Name>-MEDIAEVAL2017-fear.txt``;
* ``renamed_va2017``, ``renamed_fear2017``: the 2017 test set's ground truth as it is also seen,
  ``<Movie>_valence_arousal.txt`` and ``<Movie>_fear.txt``.
"""
MOVIE_SUFFIXES = (".mp4",)
"""Movie file extensions recognised beside the annotations (compared case-insensitively)."""
_GROUND_TRUTH_KINDS = {"test_va2017", "renamed_va2017", "renamed_fear2017"}
_EXPECTED_NAMES = (
    "<Name>-MEDIAEVAL2017-valence_arousal.txt or <Name>-MEDIAEVAL2017-fear.txt (2017), "
    "MEDIAEVAL18_<MM>_Valence-Arousal.txt or MEDIAEVAL18_<MM>_Fear.txt (2018)"
)
_DESCRIPTOR_FOLDER = re.compile(r"(visual|audio)_features", re.IGNORECASE)
_DEV_PART = re.compile(r"devset[-_ ]*part[-_ ]*(\d+)", re.IGNORECASE)
_DEV = re.compile(r"devset", re.IGNORECASE)
_TEST = re.compile(r"testset", re.IGNORECASE)


def raise_problem(problem: DataError) -> None:
    """The default ``on_problem``: raise the problem."""
    raise problem


def descriptor_folder(name: str) -> bool:
    """Whether a folder name is one of the organisers' descriptor folders (``*-Visual_features``, ...)."""
    return _DESCRIPTOR_FOLDER.search(name) is not None


@dataclass
class Scan:
    """What :func:`scan` found under one folder.

    Attributes
    ----------
    root
        The folder scanned.
    files
        Kind (a key of :data:`KINDS`) to movie name to file.
    others
        Every other file (candidate movies among them), in walk order.
    """

    root: Path
    files: dict[str, dict[str, Path]] = field(default_factory=lambda: {kind: {} for kind in KINDS})
    others: list[Path] = field(default_factory=list)

    def of(self, kind: str) -> dict[str, Path]:
        """The files of one kind, by movie name."""
        return self.files[kind]


def scan(
    root: Path, on_problem: Callable[[DataError], None] = raise_problem, exclude: Path | None = None
) -> Scan:
    """Walk ``root`` once and sort every annotation file by kind and movie name.

    Parameters
    ----------
    root
        The folder to walk (hidden files and folders, and descriptor folders, are skipped).
    on_problem
        Called with a :class:`DataError` for a file in a folder named ``annotations`` that matches no
        kind ("misnamed annotation file") and for a second file of the same kind and movie ("duplicate
        annotation file" or, for the 2017 test set's ground truth, "duplicate ground-truth file");
        raises by default. The first file found is kept.
    exclude
        A folder under ``root`` to leave out (e.g. a Smell of Fear layout beside the MediaEval one).

    Returns
    -------
    Scan
        The files by kind and name, and the other files.
    """
    found = Scan(root)
    for f in walk_files(root, prune=descriptor_folder):
        if exclude is not None and exclude in f.parents:
            continue
        kind, match = next(((k, m) for k, rx in KINDS.items() if (m := rx.match(f.name))), (None, None))
        if kind is None or match is None:
            if f.parent.name.lower() == "annotations":
                on_problem(DataError(f, f"misnamed annotation file: expected {_EXPECTED_NAMES}"))
            found.others.append(f)
            continue
        table = found.files[kind]
        name = match["name"]
        if name in table:
            what = "ground-truth" if kind in _GROUND_TRUTH_KINDS else "annotation"
            on_problem(DataError(f, f"duplicate {what} file: {table[name]} has the same name"))
            continue
        table[name] = f
    return found


def part_of(path: Path, root: Path) -> tuple[str, int | None] | None:
    """The 2018 part a file belongs to, from the names of its folders under ``root``.

    A folder named like ``MEDIAEVAL18-DevSet-Part2-...`` (letter case, ``-``/``_``/space not
    significant) gives ``("dev", 2)``; one with ``DevSet`` and no part number ``("dev", None)``; one
    with ``TestSet`` ``("test", None)``. The nearest such folder wins; ``None`` if there is none.

    Examples
    --------
    >>> part_of(Path("/d/MEDIAEVAL18-DevSet-Part3-Fear-annotations/annotations/x.txt"), Path("/d"))
    ('dev', 3)
    >>> part_of(Path("/d/mediaeval18-testset-valence_arousal-annotations/a/x.txt"), Path("/d")) is None
    False
    """
    try:
        parts = path.relative_to(root).parts[:-1]
    except ValueError:
        parts = path.parts[:-1]
    for folder in reversed(parts):
        if (m := _DEV_PART.search(folder)) is not None:
            return "dev", int(m.group(1))
        if _TEST.search(folder):
            return "test", None
        if _DEV.search(folder):
            return "dev", None
    return None
