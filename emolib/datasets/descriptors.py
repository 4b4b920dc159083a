"""The organisers' precomputed descriptors of MediaEval 2017 and 2018: where they are, and reading them.

Beside the movies, both editions ship per-second visual descriptors and openSMILE audio descriptors
(``formats.md``; ``data/README.md`` says what is assumed where nothing is published):

* **visual**, one folder per movie and descriptor, one file per second of movie, each holding one line
  of comma-separated numbers: ``<...>-Visual_features/<features|visual_features>/<Movie>/<feat>/
  <Movie>-<NNNNN>_<feat>.txt`` (2018 files are also seen with ``_`` before the second), ``NNNNN`` from
  ``00001``; file ``n`` is row ``n - 1`` of the movie, the second ``[n - 1, n)``. Descriptors:
  :data:`VISUAL_DESCRIPTORS`, any subset present;
* **audio**, openSMILE's emobase2010 set (1582 values, plus the ``name`` and ``class`` attributes) as
  Weka ARFF text in ``.csv`` files, one folder per movie: ``<...>-Audio_features/<...>/<Movie>/
  [audio_features/]*.csv``. 2018 (``MEDIAEVAL18_<MM>_<SSSSS>.csv``): one file per second, computed over
  5 s around it, the first two seconds repeating the third; file ``n`` is row ``n - 1``, attributed to
  the second ``[n - 1, n)``. 2017: one file per annotation segment (10 s every 5 s, the 2017 annotation
  grid, as public code that aligns them row by row with the annotations shows), ordered by the number
  that ends the file name; file ``k`` (counting from the first number, 0 or 1) covers ``[5k, 5k + 10)``.

:func:`locate` finds every (descriptor, movie) folder under a data folder, whatever the folder names'
letter case or an extra level of nesting; :func:`read_descriptor` reads one into a
:class:`DescriptorTable`. The real release's defects (a missing second, an empty file, a gap of several
seconds) give one :class:`~emolib.core.errors.DataWarning` each, naming the file or seconds, and the
missing rows are **filled with the values of the nearest second that has them** (the earlier one on a
tie); :attr:`DescriptorTable.filled` marks them. Malformed content (a non-numeric value, a row of the
wrong width, an ARFF header that is not emobase2010's shape) is a :class:`~emolib.core.errors.DataError`
naming file and line.

ARFF files are read by a fast path: the header of the first file of a movie is parsed with
:func:`emolib.datasets.arff.read_arff_header` and reused for every file whose header bytes are the
same, so each further file costs one split of its data row (``benchmarks/descriptors.py`` measures it).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from emolib.core.errors import DataError, warn_data
from emolib.core.files import PathLike, read_lines
from emolib.datasets.arff import ArffHeader, read_arff_header
from emolib.datasets.mediaeval_files import is_number

__all__ = [
    "AUDIO_DESCRIPTORS",
    "DESCRIPTORS",
    "VISUAL_DESCRIPTORS",
    "VISUAL_DIMS",
    "DescriptorSource",
    "DescriptorTable",
    "locate",
    "read_descriptor",
    "sources_by_movie",
    "survey",
]

VISUAL_DESCRIPTORS: tuple[str, ...] = (
    "acc", "cedd", "cl", "eh", "fcth", "gabor", "jcd", "sc", "tamura", "lbp", "fc6",
)  # fmt: skip
"""The organisers' visual descriptors: LIRE's auto colour correlogram, colour and edge directivity, colour
layout, edge histogram, fuzzy colour and texture histogram, Gabor, joint CEDD/FCTH, scalable colour,
Tamura, local binary patterns; and VGG16's fc6 layer."""
VISUAL_DIMS: dict[str, int] = {
    "acc": 256, "cedd": 144, "cl": 33, "eh": 80, "fcth": 192, "gabor": 60, "jcd": 168, "sc": 64,
    "tamura": 18, "lbp": 256, "fc6": 4096,
}  # fmt: skip
"""Values per second of each visual descriptor as participants' papers report them (the synthetic cinema
writes these; the reader takes whatever width a movie's files have, the same for every second)."""
AUDIO_DESCRIPTORS: tuple[str, ...] = ("emobase2010",)
"""The organisers' audio descriptor: openSMILE's emobase2010 (IS10 paralinguistic) set, 1582 values."""
DESCRIPTORS: tuple[str, ...] = VISUAL_DESCRIPTORS + AUDIO_DESCRIPTORS
"""Every descriptor name, as the feature store and the command line know them."""
SEGMENT_SECONDS = 10.0
"""Length of a 2017 audio segment (the annotation window)."""
SEGMENT_SHIFT = 5.0
"""Shift between 2017 audio segments."""

_VISUAL_ROOT = re.compile(r"visual_features", re.IGNORECASE)
_AUDIO_ROOT = re.compile(r"audio_features", re.IGNORECASE)
_EDITION_2018 = re.compile(r"mediaeval[-_ ]?18|mediaeval[-_ ]?2018", re.IGNORECASE)
_VISUAL_FILE = re.compile(r"^(?P<movie>.+?)[-_](?P<n>\d+)_(?P<feat>[A-Za-z0-9]+)\.txt$")
_NUMBERED = re.compile(r"(?P<n>\d+)\.csv$", re.IGNORECASE)


@dataclass(frozen=True)
class DescriptorSource:
    """One movie's folder of one descriptor.

    Attributes
    ----------
    descriptor
        A name of :data:`DESCRIPTORS`.
    modality
        ``"visual"`` or ``"audio"``.
    movie
        The movie's name (its folder's).
    folder
        The folder of its files.
    edition
        2017 or 2018 (from the folder names, else the movie's name).
    """

    descriptor: str
    modality: str
    movie: str
    folder: Path
    edition: int

    @property
    def grid(self) -> tuple[float, float]:
        """``(step, duration)`` of a row in seconds: ``(5, 10)`` for 2017 audio segments, else ``(1, 1)``."""
        if self.modality == "audio" and self.edition == 2017:
            return SEGMENT_SHIFT, SEGMENT_SECONDS
        return 1.0, 1.0

    def files(self) -> Iterator[os.DirEntry[str]]:
        """The folder's data files (``.txt`` for visual, ``.csv`` for audio), unsorted."""
        suffix = ".txt" if self.modality == "visual" else ".csv"
        with os.scandir(self.folder) as entries:
            for entry in entries:
                if entry.name.lower().endswith(suffix) and not entry.name.startswith(".") and entry.is_file():
                    yield entry

    def count(self) -> int:
        """How many data files the folder holds (a listing only)."""
        return sum(1 for _ in self.files())


@dataclass
class DescriptorTable:
    """One movie's rows of one descriptor, defects filled.

    Attributes
    ----------
    source
        Where it was read from.
    values
        float32 ``(n_rows, dim)``; row ``k`` starts at ``k * step`` seconds and lasts ``duration``.
    names
        A name per column: the ARFF attribute names (audio) or ``<descriptor>_<i>`` (visual).
    filled
        bool ``(n_rows,)``: rows that were missing or empty and took the nearest row's values.
    step, duration
        The row grid in seconds (:attr:`DescriptorSource.grid`).
    defects
        The warnings issued, in order.
    """

    source: DescriptorSource
    values: NDArray[np.float32]
    names: list[str]
    filled: NDArray[np.bool_]
    step: float
    duration: float
    defects: list[str] = field(default_factory=list)

    @property
    def n_rows(self) -> int:
        return int(self.values.shape[0])

    @property
    def dim(self) -> int:
        return int(self.values.shape[1])


# --------------------------------------------------------------------------------------------------
# Finding the folders
# --------------------------------------------------------------------------------------------------


def _edition(inside: tuple[str, ...], movie: str) -> int:
    """2018 if a folder under the searched root or the movie's name says so, else 2017."""
    return 2018 if any(_EDITION_2018.search(p) for p in (*inside, movie)) else 2017


def _visual_sources(top: Path, inside: tuple[str, ...], dirs: list[str]) -> list[DescriptorSource]:
    """The descriptor folders directly inside a movie folder ``top`` (its sub-folders ``dirs``)."""
    out = []
    for d in dirs:
        name = d.lower()
        if name in VISUAL_DESCRIPTORS:
            out.append(DescriptorSource(name, "visual", top.name, top / d, _edition(inside, top.name)))
    return out


def _audio_movie(folder: Path) -> str:
    """The movie an audio folder belongs to (the 2017 test set nests ``<Movie>/audio_features/``)."""
    return folder.parent.name if _AUDIO_ROOT.fullmatch(folder.name) else folder.name


def locate(root: PathLike) -> list[DescriptorSource]:
    """Every (descriptor, movie) folder of the organisers' descriptors under ``root``.

    A visual descriptor folder is a folder named as a descriptor (:data:`VISUAL_DESCRIPTORS`, any
    letter case) inside a movie folder, below a folder whose name holds ``visual_features``; an audio
    one is a folder holding ``.csv`` files below a folder whose name holds ``audio_features``. Hidden
    folders and folders starting with ``_`` are skipped; per-second files are not listed.

    Returns
    -------
    list of DescriptorSource
        Sorted by descriptor then movie.

    Raises
    ------
    DataError
        If two folders hold the same descriptor of the same movie (naming both).
    """
    base = Path(root)
    found: dict[tuple[str, str], DescriptorSource] = {}

    def add(source: DescriptorSource) -> None:
        key = (source.descriptor, source.movie)
        if key in found:
            message = f"ambiguous: {found[key].folder} holds {source.descriptor} of {source.movie} too"
            raise DataError(source.folder, message)
        found[key] = source

    for folder, dirs, files in os.walk(base):
        top = Path(folder)
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
        inside = top.relative_to(base).parts
        if any(_VISUAL_ROOT.search(p) for p in inside):
            visual = _visual_sources(top, inside, dirs)
            for source in visual:
                add(source)
            taken = {s.folder.name for s in visual}
            dirs[:] = [d for d in dirs if d not in taken]  # never list the per-second files
        elif any(_AUDIO_ROOT.search(p) for p in inside) and any(f.lower().endswith(".csv") for f in files):
            movie = _audio_movie(top)
            add(DescriptorSource("emobase2010", "audio", movie, top, _edition(inside, movie)))
    return [found[k] for k in sorted(found)]


def sources_by_movie(sources: list[DescriptorSource]) -> dict[str, dict[str, DescriptorSource]]:
    """Movie name to descriptor name to its source."""
    out: dict[str, dict[str, DescriptorSource]] = {}
    for s in sources:
        out.setdefault(s.movie, {})[s.descriptor] = s
    return out


# --------------------------------------------------------------------------------------------------
# Reading one movie's descriptor
# --------------------------------------------------------------------------------------------------


def _numbered(source: DescriptorSource) -> dict[int, Path]:
    """Data files by their number (visual: the second from 1; audio: the number ending the name)."""
    out: dict[int, Path] = {}
    for entry in source.files():
        if source.modality == "visual":
            m = _VISUAL_FILE.match(entry.name)
            if m is None or m["feat"].lower() != source.descriptor:
                message = f"misnamed descriptor file: expected {source.movie}-NNNNN_{source.descriptor}.txt"
                raise DataError(entry.path, message)
        else:
            m = _NUMBERED.search(entry.name)
            if m is None:
                message = "misnamed audio descriptor file: expected a name ending in NNNNN.csv"
                raise DataError(entry.path, message)
        n = int(m["n"])
        if n in out:
            raise DataError(entry.path, f"ambiguous: {out[n].name} has the same number {n}")
        out[n] = Path(entry.path)
    if not out:
        raise DataError(source.folder, f"no {source.descriptor} files")
    return out


def _visual_row(path: Path) -> NDArray[np.float64] | None:
    """The numbers of one visual descriptor file; ``None`` for an empty file."""
    lines = read_lines(path)
    content = [(i, line.strip()) for i, line in enumerate(lines, start=1) if line.strip()]
    if not content:
        return None
    if len(content) > 1:
        raise DataError(path, "expected one line of comma-separated numbers, found more", content[1][0])
    line_no, text = content[0]
    fields = [f.strip() for f in text.rstrip(",").split(",")]
    try:
        row = np.array(fields, dtype=np.float64)
    except ValueError:
        bad = next(f for f in fields if not is_number(f))
        raise DataError(path, f"non-numeric value {bad!r}", line_no) from None
    if not np.isfinite(row).all():
        raise DataError(path, "values must be finite (no NaN)", line_no)
    return row


@dataclass
class _ArffLayout:
    """The header shared by a movie's audio files: which fields of a data row are the numbers."""

    digest: str
    names: list[str]
    numeric: list[int]
    width: int


def _arff_layout(path: Path, header_bytes: bytes) -> _ArffLayout:
    header: ArffHeader = read_arff_header(path)
    attributes = header.attributes
    numeric = [i for i, a in enumerate(attributes) if a.kind == "numeric" and a.name.lower() != "class"]
    if not numeric:
        raise DataError(path, "no numeric attribute: not an openSMILE descriptor file")
    names = [header.attributes[i].name for i in numeric]
    digest = hashlib.sha1(header_bytes).hexdigest()
    return _ArffLayout(digest, names, numeric, len(header.attributes))


_DATA = re.compile(rb"^[ \t]*@data[ \t]*$", re.IGNORECASE | re.MULTILINE)


def _audio_row(
    path: Path, layout: _ArffLayout | None
) -> tuple[NDArray[np.float64] | None, _ArffLayout | None]:
    """The numbers of one ARFF audio file (``None`` if empty) and the header layout it follows."""
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise DataError(path, f"cannot read: {err.strerror or err}") from None
    if not raw.strip():
        return None, layout
    match = _DATA.search(raw)
    if match is None:
        raise DataError(path, "missing data section (no @data line)")
    header_bytes = raw[: match.start()]
    if layout is None or hashlib.sha1(header_bytes).hexdigest() != layout.digest:
        layout = _arff_layout(path, header_bytes)
    data_line = raw[: match.end()].count(b"\n") + 1
    rows = [
        (data_line + i + 1, line.strip())
        for i, line in enumerate(raw[match.end() :].decode("utf-8", "replace").splitlines()[1:])
        if line.strip() and not line.strip().startswith("%")
    ]
    if not rows:
        return None, layout
    if len(rows) > 1:
        raise DataError(path, f"expected one data row, found {len(rows)}", rows[1][0])
    line_no, text = rows[0]
    fields = text.split(",")
    if len(fields) != layout.width:
        raise DataError(path, f"expected {layout.width} values, found {len(fields)}", line_no)
    picked = [fields[i].strip() for i in layout.numeric]
    try:
        row = np.array([np.nan if v == "?" else v for v in picked], dtype=np.float64)
    except ValueError:
        bad = next(v for v in picked if v != "?" and not is_number(v))
        raise DataError(path, f"non-numeric value {bad!r}", line_no) from None
    return row, layout


def _fill_nearest(rows: list[NDArray[np.float64] | None]) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Stack rows, each ``None`` taking the nearest available row (the earlier one on a tie)."""
    have = np.flatnonzero([r is not None for r in rows])
    index = np.arange(len(rows))
    pos = np.clip(np.searchsorted(have, index), 1, max(len(have) - 1, 1))
    left, right = have[np.maximum(pos - 1, 0)], have[np.minimum(pos, len(have) - 1)]
    nearest = np.where(np.abs(index - left) <= np.abs(right - index), left, right)
    nearest[have] = have
    values = np.stack([rows[int(j)] for j in nearest])  # type: ignore[misc]
    return values, np.array([r is None for r in rows])


def _name_like(example: Path, n: int) -> str:
    """The name the file numbered ``n`` would have, after ``example`` (same zero padding)."""
    pattern = _VISUAL_FILE if example.suffix.lower() == ".txt" else _NUMBERED
    m = pattern.search(example.name)
    if m is None:
        return f"{n:05d}"
    digits = m.group("n")
    return example.name[: m.start("n")] + f"{n:0{len(digits)}d}" + example.name[m.end("n") :]


def _spans(numbers: list[int]) -> list[tuple[int, int]]:
    """Runs of consecutive integers as ``(first, last)``."""
    out: list[tuple[int, int]] = []
    for n in numbers:
        if out and n == out[-1][1] + 1:
            out[-1] = (out[-1][0], n)
        else:
            out.append((n, n))
    return out


def read_descriptor(
    source: DescriptorSource, on_defect: Callable[[Path, str], str] | None = None
) -> DescriptorTable:
    """Read one movie's files of one descriptor, filling the real release's defects.

    Parameters
    ----------
    source
        From :func:`locate`.
    on_defect
        Called with ``(path, message)`` for each defect; returns the text recorded in
        :attr:`DescriptorTable.defects`. Default: a :class:`~emolib.core.errors.DataWarning` naming the
        file. One call per empty file and per run of missing files (a gap of several seconds is one).

    Returns
    -------
    DescriptorTable
        Rows ``0 .. last`` (the last file present), missing and empty ones filled from the nearest row.

    Raises
    ------
    DataError
        Naming the file (and line): a misnamed file, two files with one number, a non-numeric value, a
        row of another width than the movie's first, an unreadable or malformed ARFF header, or a folder
        whose files are all empty.
    """
    report = on_defect or (lambda path, message: warn_data(path, message, stacklevel=4))
    numbered = _numbered(source)
    base = 0 if source.modality == "audio" and source.edition == 2017 and 0 in numbered else 1
    n_rows = max(numbered) - base + 1
    rows: list[NDArray[np.float64] | None] = [None] * n_rows
    layout: _ArffLayout | None = None
    width: tuple[int, Path] | None = None
    found: list[tuple[Path, str]] = []
    unit = "second" if source.grid[0] == 1.0 else "segment"
    for n in sorted(numbered):
        path = numbered[n]
        if source.modality == "visual":
            row = _visual_row(path)
        else:
            row, layout = _audio_row(path, layout)
        if row is None:
            found.append((path, f"empty file: {unit} {n} filled from the nearest {unit}"))
            continue
        if width is None:
            width = (row.size, path)
        elif row.size != width[0]:
            raise DataError(path, f"{row.size} values, but {width[1].name} has {width[0]}")
        rows[n - base] = row
    if width is None:
        raise DataError(source.folder, f"every {source.descriptor} file of {source.movie} is empty")
    missing = [k + base for k in range(n_rows) if rows[k] is None and (k + base) not in numbered]
    example = numbered[min(numbered)]
    for first, last in _spans(missing):
        what = f"{unit} {first} is" if first == last else f"{last - first + 1} {unit}s {first}-{last} are"
        message = f"missing file: {what} missing, filled from the nearest {unit}"
        found.append((source.folder / _name_like(example, first), message))
    defects = [report(path, message) for path, message in found]  # only once the folder reads
    values, filled = _fill_nearest(rows)
    if source.modality == "audio" and layout is not None:
        names = list(layout.names)
    else:
        names = [f"{source.descriptor}_{i}" for i in range(width[0])]
    step, duration = source.grid
    return DescriptorTable(source, values.astype(np.float32), names, filled, step, duration, defects)


@dataclass(frozen=True)
class Survey:
    """What a descriptor folder holds, from its listing and one file (nothing else is read).

    Attributes
    ----------
    n_rows
        Rows the movie has (the last file's number, from the first).
    files
        Files present.
    missing
        Rows without a file.
    empty
        Empty files.
    dim
        Values in the first non-empty file (``0`` if every file is empty).
    """

    n_rows: int
    files: int
    missing: int
    empty: int
    dim: int


def survey(source: DescriptorSource) -> Survey:
    """How many rows, files, missing and empty files a descriptor folder has, and its width.

    Raises
    ------
    DataError
        If a file is misnamed or two share a number (as :func:`read_descriptor`), or the first non-empty
        file is malformed.
    """
    numbered = _numbered(source)
    base = 0 if source.modality == "audio" and source.edition == 2017 and 0 in numbered else 1
    n_rows = max(numbered) - base + 1
    sizes = {n: p.stat().st_size for n, p in numbered.items()}
    empty = [n for n, size in sizes.items() if size == 0]
    dim = 0
    first = next((numbered[n] for n in sorted(numbered) if sizes[n] > 0), None)
    if first is not None:
        row = _visual_row(first) if source.modality == "visual" else _audio_row(first, None)[0]
        dim = 0 if row is None else int(row.size)
    return Survey(n_rows, len(numbered), n_rows - len(numbered), len(empty), dim)
