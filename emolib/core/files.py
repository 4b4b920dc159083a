"""File-level helpers shared by the dataset readers: existence checks, exact line numbering, discovery.

Every failure is a :class:`~emolib.core.errors.DataError` naming the file, so callers never see a bare
``FileNotFoundError`` or ``UnicodeDecodeError``.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from emolib.core.errors import DataError

PathLike = str | os.PathLike[str]


def require_file(path: PathLike) -> Path:
    """Return ``path`` as a :class:`~pathlib.Path` after checking it is an existing regular file.

    Raises
    ------
    DataError
        If the file does not exist or is not a regular file.
    """
    p = Path(path)
    if not p.exists():
        raise DataError(p, "file not found")
    if not p.is_file():
        raise DataError(p, "not a regular file")
    return p


def require_dir(path: PathLike, expected: str) -> Path:
    """Return ``path`` after checking it is an existing folder; ``expected`` says what should be in it."""
    p = Path(path)
    if not p.is_dir():
        raise DataError(p, f"folder not found (expected {expected})")
    return p


def read_lines(path: PathLike) -> list[str]:
    """Read a UTF-8 text file as a list of lines without their line endings.

    Only ``\\n`` (optionally preceded by ``\\r``) ends a line, so that index ``i`` of the result is
    line ``i + 1`` of the file as an editor shows it. A byte-order mark is dropped; a final line
    ending does not produce an extra empty line.

    Raises
    ------
    DataError
        If the file is missing or is not UTF-8 text.
    """
    p = require_file(path)
    try:
        text = p.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = p.read_bytes()[: exc.start].count(b"\n") + 1
        raise DataError(p, "not UTF-8 text", line=line) from None
    except OSError as exc:
        raise DataError(p, f"cannot read: {exc.strerror or exc}") from None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def last_content_line(lines: list[str]) -> int:
    """Number of lines once trailing blank lines are removed (blank lines at the very end are harmless)."""
    n = len(lines)
    while n and not lines[n - 1].strip():
        n -= 1
    return n


def walk_files(root: Path, prune: Callable[[str], bool] | None = None) -> Iterator[Path]:
    """Every regular file under ``root``, in sorted order, skipping hidden files and folders.

    ``prune``, if given, is called with the name of every sub-folder; the folders it accepts are not
    entered (e.g. the per-second descriptor folders of a MediaEval release, when looking for annotations).
    """
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and (prune is None or not prune(d)))
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(folder) / name


def find_by_stem(
    files: Iterable[Path], stems: Iterable[str] | None, suffixes: tuple[str, ...]
) -> dict[str, Path]:
    """Map each stem to the single file named ``<stem><suffix>`` among ``files`` (suffix case-insensitive).

    Stems with no such file are left out of the result; ``stems=None`` takes every stem found.

    Raises
    ------
    DataError
        If two files match the same stem (naming both: the choice would be arbitrary).
    """
    wanted = None if stems is None else set(stems)
    found: dict[str, Path] = {}
    for f in files:
        if f.suffix.lower() not in suffixes or (wanted is not None and f.stem not in wanted):
            continue
        if f.stem in found:
            raise DataError(f, f"ambiguous: {found[f.stem]} has the same name {f.stem!r}")
        found[f.stem] = f
    return found


def file_digest(path: str | Path) -> str | None:
    """SHA-256 of a file's content, or ``None`` when it does not exist."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


def source_digest(root: str | Path) -> str:
    """SHA-256 over every file under ``root`` (relative path and content), compiled Python files left out.

    The identity of a version of a package's code: results computed by one version are not taken for
    those of another (the book's run cache, a resumed sweep's finished folds).
    """
    base = Path(root)
    files = sorted(
        (path.relative_to(base).as_posix(), file_digest(path))
        for path in base.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".pyc", ".pyo")
    )
    return hashlib.sha256(json.dumps(files).encode()).hexdigest()
