"""The feature store: one HDF5 file per movie and extractor, written atomically, reused while valid.

Layout
------
``<root>/<extractor>/<movie>.h5`` (``<root>`` defaults to ``<data_dir>/features``), holding

* ``features``: float32 ``(n_rows, dim)``, one row per row of the file's native grid, in time order;
* ``feature_names``: the name of every column;
* ``filled`` (imported descriptors only): bool ``(n_rows,)``, the rows the release lacked, filled from
  the nearest row (:mod:`emolib.datasets.descriptors`);
* attributes: the extractor's identity (``extractor``, ``extractor_version``, ``params`` as canonical
  JSON, ``weights`` = ``"none"``, ``"random"`` or ``"sha256:<hex>"``), the step grid (``fps``,
  ``step_frames``, ``step_seconds``, ``step_samples``, ``audio_rate``, ``clip_size``), the source
  movie (``source_size``, ``source_sha256``, ``source_mtime_ns``, ``source_name``), what came out
  (``n_steps``, ``n_steps_expected``, ``shortfall_steps``, ``truncated``, ``note``,
  ``audio_padded_samples``) and how (``device``, ``elapsed_s``, ``created_utc``,
  ``emolib_version``, ``store_format``), and last ``complete = True``;
* the **native grid** of the rows (:class:`~emolib.features.resample.RowGrid`): ``row_step``,
  ``row_duration`` and ``row_offset`` in seconds: row ``i`` covers ``[offset + i step, offset + i step +
  duration)``. Extractors write the 0.533 s step grid; the organisers' descriptors imported by
  :mod:`emolib.features.imported` their own (1 s rows; 10 s segments every 5 s for 2017 audio). A file
  without these attributes (written before they existed) is on the step grid. ``source_kind`` says
  whether the rows were computed from a movie (``"movie"``) or imported from descriptor files
  (``"descriptors"``; ``source_sha256`` then identifies the folder's files, names, sizes and times).

:meth:`FeatureStore.load_fused` puts every block on one grid (the step grid, or ``step_seconds``) by
overlap-weighted averaging (:func:`emolib.features.resample.resample_rows`).

A file is written under a temporary name in the same folder and renamed when complete, so a reader
(or a killed writer) never leaves a half-written store under the real name; leftover temporary
files (``.<movie>.h5.*.part``) are removed by the next run that holds the store's lock. A write
that fails on its device (disk full, quota, read-only) raises :class:`~emolib.core.errors.StorageError`
naming the file and the store ("no space left on the device holding <store>"); the temporary file
is removed, the files already finished stay, and the next run resumes (:mod:`emolib.core.h5write` keeps
HDF5 from crashing at exit after such a failure).

A stored file is *up to date* when its ``complete`` flag is set and the extractor identity, the
grid and the source movie's size and SHA-256 all match. Hashing a long movie takes seconds, so the
hash recorded in a store file is reused when the movie's size and modification time are unchanged
(:func:`source_id`; pass ``rehash=True`` to always hash).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from emolib import __version__
from emolib.core.atomic import atomic_path
from emolib.core.errors import DataError, storage_errors
from emolib.core.h5write import create_h5
from emolib.media.alignment import AUDIO_RATE, STEP_FRAMES, STEP_SAMPLES, STEP_SECONDS, TARGET_FPS

from .base import Extractor, file_sha256
from .resample import STEP_GRID, RowGrid, n_target_rows, resample_rows
from .steps import CLIP_SIZE

STORE_FORMAT = "1"
"""Version of the file layout; files of another layout are recomputed."""
GRID_ATTRS: dict[str, Any] = {
    "fps": TARGET_FPS,
    "step_frames": STEP_FRAMES,
    "step_seconds": STEP_SECONDS,
    "step_samples": STEP_SAMPLES,
    "audio_rate": AUDIO_RATE,
    "clip_size": f"{CLIP_SIZE[0]}x{CLIP_SIZE[1]}",
}
"""The step grid every stored file is on."""
_IDENTITY_KEYS = ("extractor", "extractor_version", "params", "weights")
STEP_ROWS: dict[str, Any] = {"row_step": STEP_SECONDS, "row_duration": STEP_SECONDS, "row_offset": 0.0}
"""The native-grid attributes of a file on the step grid."""


def native_grid(attrs: Mapping[str, Any]) -> RowGrid:
    """The native grid a stored file's attributes record (the step grid when they record none)."""
    if "row_step" not in attrs:
        return STEP_GRID
    return RowGrid(
        float(attrs["row_step"]), float(attrs["row_duration"]), float(attrs.get("row_offset", 0.0))
    )


LOCK_NAME = ".extract.lock"


@dataclass(frozen=True)
class SourceId:
    """The identity of a source movie file."""

    path: Path
    size: int
    mtime_ns: int
    sha256: str


def source_id(path: str | Path, known: Mapping[str, Any] | None = None, rehash: bool = False) -> SourceId:
    """Size, modification time and SHA-256 of a movie file.

    Parameters
    ----------
    path
        The movie.
    known
        Attributes of a store file made from this movie earlier; its ``source_sha256`` is reused
        when ``source_size`` and ``source_mtime_ns`` match the file now.
    rehash
        Always hash the file.
    """
    p = Path(path)
    stat = p.stat()
    if (
        not rehash
        and known is not None
        and int(known.get("source_size", -1)) == stat.st_size
        and int(known.get("source_mtime_ns", -1)) == stat.st_mtime_ns
        and known.get("source_sha256")
    ):
        return SourceId(p, stat.st_size, stat.st_mtime_ns, str(known["source_sha256"]))
    return SourceId(p, stat.st_size, stat.st_mtime_ns, file_sha256(p))


def _plain(value: Any) -> Any:
    """An HDF5 attribute value as a plain Python value."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.generic):
        return value.item()
    return value


@dataclass
class StoredFeatures:
    """Features of one movie from one extractor, as read back from the store."""

    extractor: str
    movie: str
    data: np.ndarray
    names: list[str]
    attrs: dict[str, Any]
    filled: np.ndarray | None = None
    """Imported descriptors: the rows the release lacked (filled from the nearest row); else ``None``."""

    @property
    def n_steps(self) -> int:
        return int(self.data.shape[0])

    @property
    def grid(self) -> RowGrid:
        """The rows' native grid."""
        return native_grid(self.attrs)


@dataclass
class FusedFeatures:
    """Features of several extractors concatenated on the step grid (thesis section 3.4.4).

    Attributes
    ----------
    movie : str
    data : numpy.ndarray
        float32 ``(n_steps, sum of dims)``, one row per ``step_seconds``; columns in the order of ``blocks``.
    names : list of str
        ``<extractor>:<feature>`` for every column.
    blocks : list of (str, int)
        Extractor name and width of each block of columns.
    dropped : dict
        Steps dropped from the end of each extractor's rows to reach the common length (a damaged
        file can leave one modality shorter than the other).
    attrs : dict
        Store attributes of each extractor.
    step_seconds : float
        The grid the rows are on: row ``k`` covers ``[k step, (k + 1) step)``.
    filled : dict
        For each imported block: bool ``(n_steps,)``, rows that average any row the release lacked.
    """

    movie: str
    data: np.ndarray
    names: list[str]
    blocks: list[tuple[str, int]]
    dropped: dict[str, int] = field(default_factory=dict)
    attrs: dict[str, dict[str, Any]] = field(default_factory=dict)
    step_seconds: float = STEP_SECONDS
    filled: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def n_steps(self) -> int:
        return int(self.data.shape[0])

    def block(self, extractor: str) -> np.ndarray:
        """The columns of one extractor."""
        start = 0
        for name, width in self.blocks:
            if name == extractor:
                return self.data[:, start : start + width]
            start += width
        raise KeyError(extractor)


class StoreWriter:
    """Appends feature rows to a temporary HDF5 file; :meth:`finish` sets the attributes and renames it.

    Made by :meth:`FeatureStore.writer`; use it as a context manager. Leaving the block with an
    exception (or without :meth:`finish`) deletes the temporary file and leaves the store as it was.
    A device that fails the writes (disk full) raises :class:`~emolib.core.errors.StorageError` naming
    ``dest`` and ``holding`` (the store's folder) from :meth:`append` or on leaving the block.
    """

    def __init__(
        self,
        dest: Path,
        dim: int,
        names: Sequence[str],
        attrs: Mapping[str, Any],
        holding: Path | None = None,
    ) -> None:
        self.dest = dest
        self.holding = holding
        self.dim = int(dim)
        self._names = list(names)
        self._attrs = dict(attrs)
        self._stack = contextlib.ExitStack()
        self._file: h5py.File | None = None
        self.rows = 0
        self.finished = False

    def __enter__(self) -> StoreWriter:
        tmp = self._stack.enter_context(atomic_path(self.dest))
        self._file, self._guard = self._stack.enter_context(create_h5(tmp, self.dest, self.holding))
        self._data = self._file.create_dataset(
            "features",
            shape=(0, self.dim),
            maxshape=(None, self.dim),
            dtype="float32",
            chunks=(max(1, min(256, (1 << 20) // (4 * self.dim))), self.dim),
            compression="lzf",
        )
        self._file.create_dataset(
            "feature_names", data=np.array(self._names, dtype=object), dtype=h5py.string_dtype()
        )
        for key, value in self._attrs.items():
            self._file.attrs[key] = value
        self._file.attrs["complete"] = False
        return self

    def append(self, rows: np.ndarray) -> None:
        """Append ``(n, dim)`` rows.

        Raises
        ------
        emolib.core.errors.StorageError
            As soon as a write of the file has failed on its device.
        """
        rows = np.asarray(rows, dtype=np.float32)
        if rows.ndim != 2 or rows.shape[1] != self.dim:
            raise ValueError(f"expected rows of width {self.dim}, got shape {rows.shape}")
        self._data.resize(self.rows + len(rows), axis=0)
        self._data[self.rows :] = rows
        self.rows += len(rows)
        failed = self._guard.failure(self.dest, self.holding)
        if failed is not None:
            raise failed

    def add_mask(self, name: str, mask: np.ndarray) -> None:
        """Store a bool dataset beside the rows (e.g. ``filled``: the rows the release lacked)."""
        self._file.create_dataset(name, data=np.asarray(mask, dtype=bool))

    def finish(self, **attrs: Any) -> None:
        """Write the closing attributes and mark the file complete; it is renamed on leaving the block."""
        for key, value in {**attrs, "n_steps": self.rows, "complete": True}.items():
            self._file.attrs[key] = value
        self.finished = True

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any) -> None:
        if exc_type is None and not self.finished:
            exc_type = RuntimeError  # closed without finish(): do not publish the file
            self._stack.__exit__(exc_type, exc_type("writer closed before finish()"), None)
            return
        self._stack.__exit__(exc_type, exc, tb)


class FeatureStore:
    """A folder of per-movie, per-extractor HDF5 feature files (see the module docstring).

    Parameters
    ----------
    root
        The store folder (created on first write).
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).expanduser()

    def __repr__(self) -> str:
        return f"FeatureStore({str(self.root)!r})"

    def path(self, extractor: str, movie: str) -> Path:
        """Where the features of ``movie`` by ``extractor`` live."""
        return self.root / extractor / f"{movie}.h5"

    def extractors(self) -> list[str]:
        """Extractors with at least one stored movie."""
        if not self.root.is_dir():
            return []
        return sorted(d.name for d in self.root.iterdir() if d.is_dir() and any(d.glob("*.h5")))

    def movies(self, extractor: str) -> list[str]:
        """Movies stored for ``extractor``."""
        folder = self.root / extractor
        return sorted(p.stem for p in folder.glob("*.h5")) if folder.is_dir() else []

    def attrs(self, extractor: str, movie: str) -> dict[str, Any] | None:
        """Attributes of a stored file; ``None`` if it is missing or unreadable."""
        path = self.path(extractor, movie)
        if not path.is_file():
            return None
        try:
            with h5py.File(path, "r") as f:
                attrs = {k: _plain(v) for k, v in f.attrs.items()}
                attrs["_rows"] = int(f["features"].shape[0])
        except (OSError, KeyError):
            return None
        return attrs

    def known_source(self, movie: str, extractors: Sequence[str]) -> dict[str, Any] | None:
        """Attributes of any stored file of ``movie`` (to reuse its source hash), or ``None``."""
        for name in extractors:
            attrs = self.attrs(name, movie)
            if attrs is not None and attrs.get("complete"):
                return attrs
        return None

    def status(self, extractor: Extractor, movie: str, source: SourceId) -> str:
        """``"done"`` if the stored file is complete and matches, else why it must be (re)computed.

        Returns
        -------
        str
            ``"done"``, ``"missing"``, ``"unreadable"``, ``"incomplete"`` or ``"changed: <keys>"``.
        """
        path = self.path(extractor.name, movie)
        if not path.exists():
            return "missing"
        attrs = self.attrs(extractor.name, movie)
        if attrs is None:
            return "unreadable"
        if not attrs.get("complete") or attrs.get("_rows") != attrs.get("n_steps"):
            return "incomplete"
        expected = {
            **extractor.identity(),
            **GRID_ATTRS,
            "store_format": STORE_FORMAT,
            "source_size": source.size,
            "source_sha256": source.sha256,
        }
        changed = [k for k, v in expected.items() if attrs.get(k) != v]
        return "done" if not changed else "changed: " + ", ".join(changed)

    def writer(
        self, extractor: Extractor, movie: str, source: SourceId, extra: Mapping[str, Any]
    ) -> StoreWriter:
        """A :class:`StoreWriter` for the features of ``movie`` by ``extractor``."""
        attrs = {
            **extractor.identity(),
            **GRID_ATTRS,
            "store_format": STORE_FORMAT,
            "source_name": source.path.name,
            "source_size": source.size,
            "source_sha256": source.sha256,
            "source_mtime_ns": source.mtime_ns,
            **STEP_ROWS,
            "source_kind": "movie",
            "modality": extractor.modality,
            "dim": extractor.dim,
            "weights_file": extractor.weights_file or "",
            "emolib_version": __version__,
            "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            **extra,
        }
        return StoreWriter(
            self.path(extractor.name, movie), extractor.dim, extractor.feature_names(), attrs, self.root
        )

    def load(self, extractor: str, movie: str) -> StoredFeatures:
        """Read the features of ``movie`` by ``extractor``.

        Raises
        ------
        DataError
            If the file is missing, unreadable or incomplete.
        """
        path = self.path(extractor, movie)
        if not path.is_file():
            raise DataError(path, f"no {extractor} features for {movie} (run `python -m emolib extract`)")
        try:
            with h5py.File(path, "r") as f:
                attrs = {k: _plain(v) for k, v in f.attrs.items()}
                data = f["features"][...]
                names = [n.decode() if isinstance(n, bytes) else str(n) for n in f["feature_names"][...]]
                filled = f["filled"][...] if "filled" in f else None
        except (OSError, KeyError) as err:
            raise DataError(path, f"unreadable feature file ({err})") from err
        if not attrs.get("complete"):
            raise DataError(path, "incomplete feature file")
        return StoredFeatures(extractor, movie, data, names, attrs, filled)

    def load_fused(
        self, movie: str, extractors: Sequence[str], step_seconds: float | None = None
    ) -> FusedFeatures:
        """Concatenate the features of several extractors on one grid.

        Each block is put on the grid of ``step_seconds`` from its native grid by overlap-weighted
        averaging (:func:`emolib.features.resample.resample_rows`; a block already on it is taken as
        it is). All files computed from the movie must come from the same movie file (same SHA-256);
        imported descriptors come from their own files. If one block has fewer rows than another (a
        damaged movie, descriptors that stop earlier), every block is cut to the shortest and
        ``dropped`` says how many rows each lost.

        Parameters
        ----------
        movie
            The movie.
        extractors
            Extractor or descriptor names, in column order.
        step_seconds
            The grid: ``None`` for the 0.533 s step grid, ``1.0`` for one row per second (row ``k``
            covering ``[k, k + 1)`` s), any positive length.

        Raises
        ------
        DataError
            If a file is missing, or the files computed from the movie were made from different versions
            of it.
        """
        if not extractors:
            raise ValueError("name at least one extractor")
        target = STEP_SECONDS if step_seconds is None else float(step_seconds)
        if not target > 0:
            raise ValueError(f"step_seconds must be positive, got {step_seconds!r}")
        parts = [self.load(name, movie) for name in extractors]
        computed = [p for p in parts if p.attrs.get("source_kind", "movie") == "movie"]
        if len({p.attrs.get("source_sha256") for p in computed}) > 1:
            raise DataError(
                self.path(computed[0].extractor, movie),
                "the extractors' files were made from different versions of the movie",
            )
        sizes = [n_target_rows(p.grid, p.n_steps, target) for p in parts]
        n = min(sizes)
        blocks = [resample_rows(p.data, p.grid, target, n) for p in parts]
        filled = {
            p.extractor: resample_rows(p.filled[:, None].astype(np.float32), p.grid, target, n)[:, 0] > 0
            for p in parts
            if p.filled is not None
        }
        return FusedFeatures(
            movie=movie,
            data=np.concatenate(blocks, axis=1),
            names=[f"{p.extractor}:{name}" for p in parts for name in p.names],
            blocks=[(p.extractor, p.data.shape[1]) for p in parts],
            dropped={p.extractor: size - n for p, size in zip(parts, sizes, strict=True)},
            attrs={p.extractor: p.attrs for p in parts},
            step_seconds=target,
            filled=filled,
        )

    def summary(self) -> list[dict[str, Any]]:
        """One row per stored file: extractor, movie, steps, shortfall, weights, version (for tables)."""
        rows = []
        for name in self.extractors():
            for movie in self.movies(name):
                a = self.attrs(name, movie) or {}
                rows.append(
                    {
                        "extractor": name,
                        "movie": movie,
                        "n_steps": a.get("n_steps"),
                        "n_steps_expected": a.get("n_steps_expected"),
                        "shortfall_steps": a.get("shortfall_steps"),
                        "dim": a.get("dim"),
                        "modality": a.get("modality"),
                        "weights": a.get("weights"),
                        "version": a.get("extractor_version"),
                        "complete": bool(a.get("complete")),
                    }
                )
        return rows

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the store's lock (one extract run per store at a time); clear debris of killed runs.

        Raises
        ------
        DataError
            If another process holds the lock.
        emolib.core.errors.StorageError
            If the lock file cannot be written (a full device).
        """
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / LOCK_NAME, "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise DataError(
                    self.root, "another `extract` run is writing into this feature store"
                ) from None
            try:
                for debris in self.root.glob("*/.*.h5.*.part"):
                    debris.unlink(missing_ok=True)
                with storage_errors(self.root / LOCK_NAME, self.root):  # unbuffered: nothing left to flush
                    os.ftruncate(handle.fileno(), 0)
                    os.pwrite(handle.fileno(), f"{os.getpid()}\n".encode(), 0)
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
