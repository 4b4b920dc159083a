"""Find the dataset layouts under a data folder, whichever the user points the notebooks at.

``data_dir`` may be the synthetic sample (``data/sample`` with ``mediaeval2017/`` and
``smelloffear/`` inside), the root of a real MediaEval 2017 development set, or a real Smell of
Fear folder (``labels/``, ``audio/``, maybe ``vocs/`` and ``movies/``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from emolib.core.errors import DataError

MEDIAEVAL_SUBDIR = "mediaeval2017"
SMELLOFFEAR_SUBDIR = "smelloffear"
MEDIAEVAL_TEST_SUBDIR = "mediaeval2017test"
"""Folder of the MediaEval 2017 test-set part inside a ``data_dir`` (the synthetic sample has one)."""
MEDIAEVAL_VA_GLOB = "*-MEDIAEVAL2017-valence_arousal.txt"


@dataclass(frozen=True)
class DataLayouts:
    """Where each dataset layout lives under one data folder (``None`` when absent)."""

    root: Path
    mediaeval: Path | None
    smelloffear: Path | None


def _looks_like_mediaeval(folder: Path) -> bool:
    return folder.is_dir() and next(folder.rglob(MEDIAEVAL_VA_GLOB), None) is not None


def _looks_like_smelloffear(folder: Path) -> bool:
    return (folder / "labels").is_dir()


def locate(data_dir: str | Path) -> DataLayouts:
    """Find the MediaEval 2017 and Smell of Fear layouts under ``data_dir``.

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
        If ``data_dir`` does not exist or holds neither layout.
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
    if mediaeval is None and smelloffear is None:
        raise DataError(
            root,
            "holds neither a MediaEval 2017 set (annotation files named "
            f"{MEDIAEVAL_VA_GLOB}) nor a Smell of Fear set (a labels/ folder)",
        )
    return DataLayouts(root=root, mediaeval=mediaeval, smelloffear=smelloffear)
