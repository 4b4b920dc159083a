"""The organisers' descriptors as sources of the feature store: read from their files, written like features.

``python -m emolib extract --data DIR --visual fc6 --audio emobase2010`` (or :func:`import_descriptors`)
finds each movie's descriptor folders under ``DIR`` (:func:`emolib.datasets.descriptors.locate`), reads
them (defects filled from the nearest row and warned about:
:func:`~emolib.datasets.descriptors.read_descriptor`) and writes one store file per movie and
descriptor, atomically, on the descriptor's native grid (1 s rows; 2017 audio: 10 s segments every
5 s), with the mask of filled rows. No movie is decoded.

A stored file is up to date when its identity (descriptor name, :data:`IMPORT_VERSION`) and the
signature of its folder (:func:`folder_signature`: the files' names, sizes and modification times)
match; the ``extract`` command checks it and re-imports what changed, so runs are resumable like
extraction. Loading for a model (:func:`emolib.features.ensure.ensure_features`) imports what is missing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tqdm import tqdm

from emolib import __version__
from emolib.core.errors import DataError
from emolib.datasets.descriptors import DescriptorSource, read_descriptor

from .runner import MovieResult
from .store import STORE_FORMAT, FeatureStore, StoreWriter

__all__ = ["IMPORT_VERSION", "ImportReport", "folder_signature", "import_descriptor", "import_descriptors"]

IMPORT_VERSION = "1"
"""Bumped whenever the same files would be stored differently."""


def folder_signature(source: DescriptorSource) -> str:
    """SHA-256 of the sorted names, sizes and modification times of a descriptor folder's files."""
    digest = hashlib.sha256()
    for entry in sorted(source.files(), key=lambda e: e.name):
        stat = entry.stat()
        digest.update(f"{entry.name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _identity(descriptor: str) -> dict[str, str]:
    return {"extractor": descriptor, "extractor_version": IMPORT_VERSION, "params": "{}", "weights": "none"}


def import_status(store: FeatureStore, source: DescriptorSource, signature: str | None = None) -> str:
    """``"done"`` if the store holds this folder's rows as they are now, else why not (``"missing"``, ...)."""
    attrs = store.attrs(source.descriptor, source.movie)
    if attrs is None:
        return "missing" if not store.path(source.descriptor, source.movie).exists() else "unreadable"
    if not attrs.get("complete") or attrs.get("_rows") != attrs.get("n_steps"):
        return "incomplete"
    expected = {**_identity(source.descriptor), "store_format": STORE_FORMAT, "source_kind": "descriptors"}
    expected["source_sha256"] = signature or folder_signature(source)
    changed = [k for k, v in expected.items() if attrs.get(k) != v]
    return "done" if not changed else "changed: " + ", ".join(changed)


def import_descriptor(
    store: FeatureStore, source: DescriptorSource, signature: str | None = None
) -> list[str]:
    """Read one movie's descriptor folder and write it into the store (atomically); returns the defects.

    Raises
    ------
    DataError
        If a file is malformed (naming file and line).
    emolib.core.errors.StorageError
        If the store cannot be written.
    """
    started = time.perf_counter()
    signature = signature or folder_signature(source)
    table = read_descriptor(source)  # each defect is a DataWarning naming its file
    attrs: dict[str, Any] = {
        **_identity(source.descriptor),
        "store_format": STORE_FORMAT,
        "row_step": table.step,
        "row_duration": table.duration,
        "row_offset": 0.0,
        "source_kind": "descriptors",
        "source_name": str(source.folder),
        "source_sha256": signature,
        "edition": source.edition,
        "modality": source.modality,
        "dim": table.dim,
        "weights_file": "",
        "emolib_version": __version__,
        "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    path = store.path(source.descriptor, source.movie)
    with StoreWriter(path, table.dim, table.names, attrs, store.root) as writer:
        writer.append(table.values)
        writer.add_mask("filled", table.filled)
        writer.finish(
            n_steps_expected=table.n_rows,
            shortfall_steps=0,
            truncated=False,
            filled_rows=int(table.filled.sum()),
            note="; ".join(table.defects)[:2000],
            elapsed_s=round(time.perf_counter() - started, 3),
            device="cpu",
        )
    return table.defects


@dataclass
class ImportReport:
    """What an import run did: one :class:`~emolib.features.runner.MovieResult` per movie."""

    results: list[MovieResult] = field(default_factory=list)

    @property
    def failed(self) -> list[MovieResult]:
        return [r for r in self.results if r.status == "failed"]


def import_descriptors(
    sources: Mapping[str, Mapping[str, DescriptorSource]],
    names: Sequence[str],
    store: FeatureStore,
    force: bool = False,
    progress: bool = True,
    on_result: Callable[[MovieResult], None] | None = None,
) -> ImportReport:
    """Import the named descriptors of every movie into the store, skipping what is up to date.

    Parameters
    ----------
    sources
        Movie name to descriptor name to its folder (:func:`emolib.datasets.descriptors.sources_by_movie`).
    names
        Descriptor names to import; a movie that lacks one of them fails with that reason.
    store
        The feature store (its lock is held by the caller, or taken here).
    force
        Re-import even up-to-date files.
    progress
        A progress bar on stderr.
    on_result
        Called with each movie's result.

    Returns
    -------
    ImportReport
        One result per movie: ``"done"`` (something imported), ``"skipped"`` (all up to date) or
        ``"failed"`` (a folder missing or malformed; the others go on), with the defects as notes.
    """
    report = ImportReport()
    for movie in tqdm(
        sorted(sources), desc="descriptors", unit="movie", disable=not progress, file=sys.stderr
    ):
        started = time.perf_counter()
        result = MovieResult(movie, "skipped")
        for name in names:
            source = sources[movie].get(name)
            if source is None:
                result.extractors[name] = f"failed: no {name} folder for {movie}"
                continue
            try:
                signature = folder_signature(source)
                if not force and import_status(store, source, signature) == "done":
                    result.extractors[name] = "skipped"
                    continue
                result.notes += import_descriptor(store, source, signature)
                result.extractors[name] = "done"
            except DataError as err:
                result.extractors[name] = f"failed: {err}"
        failures = {k: v for k, v in result.extractors.items() if v.startswith("failed")}
        if failures:
            result.status, result.reason = "failed", "; ".join(f"{k} {v}" for k, v in failures.items())
        elif any(v == "done" for v in result.extractors.values()):
            result.status = "done"
        result.seconds = time.perf_counter() - started
        report.results.append(result)
        if on_result is not None:
            on_result(result)
    return report
