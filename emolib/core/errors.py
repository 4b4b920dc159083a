"""Errors raised on bad input (every one names the offending file, and the line when there is one), warnings
about defects of real data that a reader works around (:class:`DataWarning`), and errors of devices that
cannot be written (full, over quota, read-only: :class:`StorageError`)."""

from __future__ import annotations

import contextlib
import errno
import os
import warnings
from collections.abc import Iterator
from os import PathLike
from pathlib import Path


class DataError(ValueError):
    """A data file is missing, unreadable or malformed.

    Parameters
    ----------
    path
        The file (or folder) at fault.
    message
        What is wrong, in words a user can act on.
    line
        1-based line number in ``path`` where the problem was found, if any.

    Examples
    --------
    >>> str(DataError("a/b.txt", "value 1.5 outside [-1, 1]", line=7))
    'a/b.txt:7: value 1.5 outside [-1, 1]'
    """

    def __init__(self, path: str | PathLike[str], message: str, line: int | None = None) -> None:
        self.path = str(path)
        self.line = line
        self.message = message
        where = self.path if line is None else f"{self.path}:{line}"
        super().__init__(f"{where}: {message}")

    def __reduce__(self):  # keep the exception picklable (multiprocessing, papermill)
        return (type(self), (self.path, self.message, self.line))


class DataWarning(UserWarning):
    """A defect of a data file that the reader worked around (a missing second, an empty file, a short
    annotation): the message names the file and says what was done instead."""


def warn_data(path: str | PathLike[str], message: str, line: int | None = None, stacklevel: int = 3) -> str:
    """Issue a :class:`DataWarning` ``"<path>[:<line>]: <message>"`` and return its text.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     text = warn_data("a/MEDIAEVAL18_27-00006_cl.txt", "empty file: filled from second 5")
    >>> text, caught[0].category.__name__
    ('a/MEDIAEVAL18_27-00006_cl.txt: empty file: filled from second 5', 'DataWarning')
    """
    where = str(path) if line is None else f"{path}:{line}"
    text = f"{where}: {message}"
    warnings.warn(text, DataWarning, stacklevel=stacklevel)
    return text


class MediaError(DataError):
    """A media file cannot be probed or decoded, or lacks a stream the caller needs."""


_WRITE_ERRNOS = {
    errno.ENOSPC: "no space left on the device holding {}",
    errno.EDQUOT: "disk quota exceeded on the device holding {}",
    errno.EROFS: "the device holding {} is read-only",
    errno.EFBIG: "file too large for the file system holding {}",
}
"""Errors of the device written to (not of the data), each with its meaning for a user."""


def _size(n: int) -> str:
    """A byte count for people: ``'980 B'``, ``'12.6 kB'``, ``'3.4 MB'``."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


def free_bytes(folder: str | PathLike[str]) -> int | None:
    """Bytes an unprivileged user may still write on the device holding ``folder`` (``None`` if unknown)."""
    path = Path(folder)
    while not path.exists() and path != path.parent:
        path = path.parent
    try:
        stat = os.statvfs(path)
    except OSError:
        return None
    return int(stat.f_bavail * stat.f_frsize)


class StorageError(OSError):
    """A file could not be written because of its device: full, over quota, read-only, ...

    Not a problem of the data: the message names the file, what the error means ("no space left on
    the device holding <folder>") and, where known, the bytes the file needed and those free.
    :mod:`emolib.runs.cli` turns it into exit status 1.

    Parameters
    ----------
    path
        The file that could not be written (its final name, not a temporary one).
    code
        The ``errno`` of the failure.
    holding
        The folder to name as the one on the full device (default: the file's folder).
    needed
        Bytes the file needed, if known.
    free
        Bytes free on the device when it failed, if known.

    Examples
    --------
    >>> str(StorageError("/s/a.h5", errno.ENOSPC, "/s", needed=13_000, free=2_048))
    'cannot write /s/a.h5: no space left on the device holding /s (needs at least 13.0 kB, 2.0 kB free)'
    """

    def __init__(
        self,
        path: str | PathLike[str],
        code: int,
        holding: str | PathLike[str] | None = None,
        needed: int | None = None,
        free: int | None = None,
    ) -> None:
        self.path = str(path)
        self.holding = str(holding) if holding is not None else str(Path(path).parent)
        self.needed, self.free = needed, free
        meaning = _WRITE_ERRNOS.get(code, os.strerror(code).lower() + " on the device holding {}")
        self.meaning = meaning.format(self.holding)
        super().__init__(code, self.meaning, self.path)

    def __str__(self) -> str:
        sizes = [f"needs at least {_size(self.needed)}" if self.needed is not None else "",
                 f"{_size(self.free)} free" if self.free is not None else ""]  # fmt: skip
        detail = ", ".join(s for s in sizes if s)
        return f"cannot write {self.path}: {self.meaning}" + (f" ({detail})" if detail else "")

    def __reduce__(self):  # picklable across processes (Dask, multiprocessing)
        return (type(self), (self.path, self.errno, self.holding, self.needed, self.free))


def is_storage_failure(err: BaseException) -> bool:
    """Whether ``err`` is an ``OSError`` of the device written to (see :class:`StorageError`)."""
    return isinstance(err, OSError) and err.errno in _WRITE_ERRNOS


@contextlib.contextmanager
def storage_errors(
    path: str | PathLike[str], holding: str | PathLike[str] | None = None, needed: int | None = None
) -> Iterator[None]:
    """Turn a device's ``OSError`` (no space, quota, read-only) raised inside into a :class:`StorageError`.

    Parameters
    ----------
    path
        The file being written, as the message should name it.
    holding, needed
        As for :class:`StorageError`; the free space is measured when the error happens.
    """
    try:
        yield
    except StorageError:
        raise
    except OSError as err:
        if not is_storage_failure(err):
            raise
        where = holding if holding is not None else Path(path).parent
        raise StorageError(path, err.errno, where, needed, free_bytes(where)) from err
