"""Atomic file writes: a reader never sees a half-written file, an interrupted writer leaves no debris.

A write that fails on its device (disk full, quota, read-only file system) raises
:class:`~emolib.core.errors.StorageError`, which names the final file and what the failure means; the
temporary file is removed and the destination is left as it was.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from emolib.core.errors import storage_errors


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], needed: int | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it onto ``path``.

    The temporary file lives in the same folder, so the final :func:`os.replace` is atomic on
    POSIX and Windows. If the body raises, the temporary file is removed and ``path`` is left as
    it was.

    Parameters
    ----------
    path
        Final destination. Its parent folder is created if needed.
    needed
        Bytes the file will take, if known (for the message of a full device).

    Yields
    ------
    pathlib.Path
        Where the caller writes (the file does not exist yet).

    Raises
    ------
    emolib.core.errors.StorageError
        If the device fails the write (no space, quota, read-only), raised here or in the body.
    """
    dest = Path(path)
    with storage_errors(dest, needed=needed):
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
        os.close(fd)
        tmp = Path(tmp_name)
        tmp.unlink()
        try:
            yield tmp
            os.replace(tmp, dest)
        finally:
            if tmp.exists():
                tmp.unlink()


def write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically and return the path."""
    return write_bytes(path, text.encode(encoding))


def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically and return the path."""
    with atomic_path(path, needed=len(data)) as tmp:
        tmp.write_bytes(data)
    return Path(path)
