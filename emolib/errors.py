"""Errors raised on bad input: every one names the offending file, and the line when there is one."""

from __future__ import annotations

from os import PathLike


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


class MediaError(DataError):
    """A media file cannot be probed or decoded, or lacks a stream the caller needs."""
