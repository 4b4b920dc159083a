"""HDF5 files written so that a full disk is an ordinary error, not a crash at exit.

When a write fails inside HDF5 (``ENOSPC`` while a chunk or the metadata is flushed), closing the
file fails too: HDF5 keeps the file and dataset identifiers open, h5py gives up, and the
identifiers are closed again while Python tears its modules down at exit, where HDF5 dereferences
freed state and the process dies with a segmentation fault (exit 139) after the real error was
reported. :func:`create_h5` therefore writes through :class:`GuardedFile`, h5py's file-object
driver over a plain file that never lets a write fail inside HDF5: the first failure is recorded,
later writes are dropped (the file is garbage by then and is deleted by its caller), HDF5 closes the
file normally, and the recorded failure is raised afterwards as a
:class:`~emolib.core.errors.StorageError` naming the file, what the error means and the bytes involved.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator
from pathlib import Path

import h5py

from emolib.core.errors import StorageError, free_bytes, is_storage_failure

__all__ = ["GuardedFile", "create_h5"]


class GuardedFile(io.RawIOBase):
    """A new binary file whose device errors are recorded instead of raised (see the module docstring).

    Parameters
    ----------
    path
        The file to create (truncated if it exists).

    Attributes
    ----------
    error : OSError or None
        The first failed write, truncation or flush.
    wanted : int
        The size the file would have had: the end of the furthest write asked for.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__()
        self.path = Path(path)
        self._raw = open(self.path, "w+b", buffering=0)  # noqa: SIM115 - closed by close()
        self.error: OSError | None = None
        self.wanted = 0

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._raw.seek(offset, whence)

    def tell(self) -> int:
        return self._raw.tell()

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        return self._raw.readinto(buffer) or 0

    def _record(self, err: OSError) -> None:
        if not is_storage_failure(err):
            raise err
        if self.error is None:
            self.error = err

    def write(self, data: bytes | memoryview) -> int:  # type: ignore[override]
        view = memoryview(data).cast("B")
        start = self._raw.tell()
        self.wanted = max(self.wanted, start + len(view))
        done = 0
        if self.error is None:
            try:
                while done < len(view):  # a raw write may write less than asked (a filling disk)
                    done += self._raw.write(view[done:]) or 0
            except OSError as err:
                self._record(err)
        self._raw.seek(start + len(view))  # what could not be written is dropped
        return len(view)

    def truncate(self, size: int | None = None) -> int:
        size = self._raw.tell() if size is None else size
        self.wanted = max(self.wanted, size)
        if self.error is None:
            try:
                return self._raw.truncate(size)
            except OSError as err:
                self._record(err)
        return size

    def flush(self) -> None:
        if self.error is None and not self._raw.closed:
            try:
                os.fsync(self._raw.fileno())
            except OSError as err:
                self._record(err)

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()

    def failure(
        self, name: str | os.PathLike[str], holding: str | os.PathLike[str] | None
    ) -> StorageError | None:
        """The recorded failure as a :class:`StorageError` about ``name`` (``None`` if all went well)."""
        if self.error is None:
            return None
        where = holding if holding is not None else Path(name).parent
        return StorageError(name, int(self.error.errno or 0), where, self.wanted, free_bytes(where))


@contextlib.contextmanager
def create_h5(
    path: str | os.PathLike[str],
    name: str | os.PathLike[str] | None = None,
    holding: str | os.PathLike[str] | None = None,
) -> Iterator[tuple[h5py.File, GuardedFile]]:
    """Create an HDF5 file at ``path`` whose device errors surface as :class:`StorageError` after closing it.

    Parameters
    ----------
    path
        Where to write (usually a temporary file of :func:`emolib.core.atomic.atomic_path`).
    name
        The file as messages should name it (default: ``path``).
    holding
        The folder to name as the one on the full device (default: the folder of ``name``).

    Yields
    ------
    (h5py.File, GuardedFile)
        The open file, and its guard (check :meth:`GuardedFile.failure` to stop a long write early).

    Raises
    ------
    emolib.core.errors.StorageError
        On leaving the block, if a write failed on the device; HDF5 has closed the file by then.
    """
    guard = GuardedFile(path)
    try:
        with h5py.File(guard, "w") as handle:
            try:
                yield handle, guard
            except StorageError:
                raise
            except Exception as err:  # a read of dropped data can confuse HDF5: report the cause
                cause = guard.failure(name or path, holding)
                if cause is None:
                    raise
                raise cause from err
    finally:
        guard.close()
    failed = guard.failure(name or path, holding)
    if failed is not None:
        raise failed
