"""Paths read from files stay inside the folder they belong to.

A summary table, a manifest or any other data file may name other files. Such a name is taken
relative to the folder it belongs to and must stay inside it: an absolute path elsewhere, a ``..``
that climbs out, or a symbolic link that leads out is refused with a :class:`~emolib.core.errors.DataError`
naming the file (and line) it came from, so a crafted data file cannot make emolib read or
overwrite ``/etc/passwd`` or another user's files.
"""

from __future__ import annotations

import os
from pathlib import Path

from emolib.core.errors import DataError

__all__ = ["resolve_inside"]


def resolve_inside(
    root: str | os.PathLike[str],
    name: str | os.PathLike[str],
    source: str | os.PathLike[str] | None = None,
    line: int | None = None,
) -> Path:
    """Resolve ``name`` against ``root`` and check that the result is inside ``root``.

    Parameters
    ----------
    root
        The folder the name must stay in.
    name
        A relative path, or an absolute one that already lies inside ``root``.
    source, line
        The file (and 1-based line) the name was read from, for the error message (default: ``root``).

    Returns
    -------
    pathlib.Path
        The resolved (absolute, symbolic links followed) path.

    Raises
    ------
    DataError
        If the name is empty, contains a NUL byte, or resolves outside ``root``.

    Examples
    --------
    >>> resolve_inside("/data", "movies/a.mp4").as_posix()
    '/data/movies/a.mp4'
    >>> resolve_inside("/data", "../etc/passwd")
    Traceback (most recent call last):
    ...
    emolib.core.errors.DataError: /data: path '../etc/passwd' leads outside /data
    """
    base = Path(root).resolve()
    text = os.fspath(name)
    where = source if source is not None else base
    if not str(text).strip() or "\x00" in str(text):
        raise DataError(where, f"invalid path {text!r}", line=line)
    target = (base / text).resolve()
    if target != base and base not in target.parents:
        raise DataError(where, f"path {str(text)!r} leads outside {base}", line=line)
    return target
