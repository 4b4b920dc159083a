"""Finding the dataset layouts under whatever folder a notebook's data_dir names."""

from __future__ import annotations

from pathlib import Path

import pytest

from emolib.core.errors import DataError
from emolib.datasets.layouts import locate


def _touch(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("")


def test_sample_layout_has_both(tmp_path: Path) -> None:
    _touch(tmp_path / "mediaeval2017" / "a" / "X-MEDIAEVAL2017-valence_arousal.txt")
    (tmp_path / "smelloffear" / "labels").mkdir(parents=True)
    found = locate(tmp_path)
    assert found.mediaeval == tmp_path / "mediaeval2017"
    assert found.smelloffear == tmp_path / "smelloffear"


def test_real_mediaeval_root(tmp_path: Path) -> None:
    ann = "MEDIAEVAL17-DevSet-Valence_Arousal-annotations/annotations/"
    ann += "Sintel-MEDIAEVAL2017-valence_arousal.txt"
    _touch(tmp_path / ann)
    found = locate(tmp_path)
    assert found.mediaeval == tmp_path
    assert found.smelloffear is None


def test_real_smelloffear_root(tmp_path: Path) -> None:
    (tmp_path / "labels").mkdir()
    found = locate(tmp_path)
    assert (found.mediaeval, found.smelloffear) == (None, tmp_path)


def test_empty_or_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="neither a MediaEval 2017 set"):
        locate(tmp_path)
    with pytest.raises(DataError, match="does not exist"):
        locate(tmp_path / "nope")
