"""Find the dataset layouts under a data folder, whichever the user points the notebooks at.

``data_dir`` may be the synthetic sample (``data/sample`` with ``mediaeval2017/``, ``mediaeval2018/`` and
``smelloffear/`` inside), the root of a real MediaEval 2017 development set, a folder where the MediaEval
2018 parts are unpacked, or a real Smell of Fear folder (``labels/``, ``audio/``, maybe ``vocs/`` and
``movies/``). Several may sit side by side.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from emolib.core.errors import DataError

MEDIAEVAL_SUBDIR = "mediaeval2017"
SMELLOFFEAR_SUBDIR = "smelloffear"
MEDIAEVAL_TEST_SUBDIR = "mediaeval2017test"
"""Folder of the MediaEval 2017 test-set part inside a ``data_dir`` (the synthetic sample has one)."""
MEDIAEVAL2018_SUBDIR = "mediaeval2018"
"""Folder of the MediaEval 2018 parts inside a ``data_dir`` (the synthetic sample has one)."""
MEDIAEVAL_VA_GLOB = "*-MEDIAEVAL2017-valence_arousal.txt"
MEDIAEVAL2017_VA = re.compile(r"^.+-MEDIAEVAL2017-valence_arousal\.txt$")
"""A 2017 development-set valence/arousal file's name (:data:`MEDIAEVAL_VA_GLOB`)."""
MEDIAEVAL2018_VA = re.compile(r"^MEDIAEVAL18_\d+_Valence-Arousal\.txt$", re.IGNORECASE)
"""A 2018 valence/arousal file's name (letter case not significant)."""


@dataclass(frozen=True)
class DataLayouts:
    """Where each dataset layout lives under one data folder (``None`` when absent)."""

    root: Path
    mediaeval: Path | None
    smelloffear: Path | None
    mediaeval2018: Path | None = None
    """The folder holding the MediaEval 2018 parts (their annotation folders anywhere under it)."""


def _holds(folder: Path, name: re.Pattern[str]) -> bool:
    """Whether a file whose name matches is anywhere under ``folder``; hidden folders and the organisers'
    descriptor folders (``*_features``, hundreds of thousands of files) are not entered."""
    if not folder.is_dir():
        return False
    for _, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".") and "_features" not in d.lower()]
        if any(name.match(f) for f in files):
            return True
    return False


def _looks_like_mediaeval(folder: Path) -> bool:
    return _holds(folder, MEDIAEVAL2017_VA)


def _looks_like_mediaeval2018(folder: Path) -> bool:
    return _holds(folder, MEDIAEVAL2018_VA)


def _looks_like_smelloffear(folder: Path) -> bool:
    return (folder / "labels").is_dir()


def locate(data_dir: str | Path) -> DataLayouts:
    """Find the MediaEval 2017, MediaEval 2018 and Smell of Fear layouts under ``data_dir``.

    Parameters
    ----------
    data_dir
        The folder a notebook's ``data_dir`` parameter names.

    Returns
    -------
    DataLayouts
        The folder of each layout found; at least one is not ``None``.

    Raises
    ------
    DataError
        If ``data_dir`` does not exist or holds no layout.
    """
    root = Path(data_dir).expanduser().resolve()
    if not root.is_dir():
        raise DataError(root, "data folder does not exist (generate the sample with `make sample`)")
    mediaeval = next(
        (f for f in (root / MEDIAEVAL_SUBDIR, root) if _looks_like_mediaeval(f)),
        None,
    )
    smelloffear = next(
        (f for f in (root / SMELLOFFEAR_SUBDIR, root) if _looks_like_smelloffear(f)),
        None,
    )
    mediaeval2018 = next(
        (f for f in (root / MEDIAEVAL2018_SUBDIR, root) if _looks_like_mediaeval2018(f)),
        None,
    )
    if mediaeval is None and smelloffear is None and mediaeval2018 is None:
        raise DataError(
            root,
            "holds neither a MediaEval 2017 set (annotation files named "
            f"{MEDIAEVAL_VA_GLOB}), a MediaEval 2018 set (MEDIAEVAL18_<MM>_Valence-Arousal.txt files) "
            "nor a Smell of Fear set (a labels/ folder)",
        )
    return DataLayouts(root=root, mediaeval=mediaeval, smelloffear=smelloffear, mediaeval2018=mediaeval2018)
