"""The organisers' descriptor folders: finding them, reading them, their defects; emobase2010's layout."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from emolib.core.errors import DataError, DataWarning
from emolib.datasets import emobase2010
from emolib.datasets.arff import read_arff
from emolib.datasets.descriptors import locate, read_descriptor, sources_by_movie
from emolib.features.emobase_numpy import emobase2010_numpy
from emolib.features.opensmile_audio import emobase2010_windows, opensmile_available

NEEDS_OPENSMILE = pytest.mark.skipif(  # not in the dev extra: its licence is for non-commercial use only
    not opensmile_available(),
    reason="optional 'opensmile' package not installed (research licence): pip install -e '.[opensmile]'",
)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def visual(root: Path, movie: str, feat: str, rows: dict[int, str], sep: str = "-") -> Path:
    folder = root / "MEDIAEVAL17-DevSet-Visual_features" / "features" / movie / feat
    for n, text in rows.items():
        write(folder / f"{movie}{sep}{n:05d}_{feat}.txt", text)
    return folder


def only(root: Path):
    (source,) = locate(root)
    return source


def test_locate_finds_both_editions_any_case_and_nesting_but_not_the_store(tmp_path: Path) -> None:
    visual(tmp_path, "Sintel", "CL", {1: "1,2"})
    write(
        tmp_path
        / "mediaeval17-testset-audio_features/AUDIO_FEATURES/MEDIAEVAL17_01/audio_features/a_00000.csv",
        "",
    )
    nested = "MEDIAEVAL18-TestSet-Visual_features/MEDIAEVAL18-TestSet-Visual_features/visual_features"
    write(tmp_path / nested / "MEDIAEVAL18_60" / "fc6" / "MEDIAEVAL18_60_00001_fc6.txt", "1")
    write(tmp_path / "features" / "fc6" / "MEDIAEVAL18_60.h5", "")  # a feature store: not a descriptor folder
    found = {(s.descriptor, s.movie, s.edition, s.modality) for s in locate(tmp_path)}
    assert found == {
        ("cl", "Sintel", 2017, "visual"),
        ("emobase2010", "MEDIAEVAL17_01", 2017, "audio"),
        ("fc6", "MEDIAEVAL18_60", 2018, "visual"),
    }
    assert set(sources_by_movie(locate(tmp_path))["Sintel"]) == {"cl"}


def test_visual_rows_defects_filled_from_the_nearest_second(tmp_path: Path) -> None:
    visual(tmp_path, "Norm", "eh", {1: "1,1\n", 2: "2,2", 3: "", 6: "6,6,\n", 7: "7,7"})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = read_descriptor(only(tmp_path))
    assert table.values[:, 0].tolist() == [1, 2, 2, 2, 6, 6, 7]  # 3 (empty) and 4 from 2; 5 from 6
    assert table.filled.tolist() == [False, False, True, True, True, False, False]
    assert (table.step, table.duration, table.names) == (1.0, 1.0, ["eh_0", "eh_1"])
    messages = [str(w.message) for w in caught]
    assert all(w.category is DataWarning for w in caught) and len(messages) == 2 == len(table.defects)
    assert "Norm-00003_eh.txt: empty file" in messages[0]
    assert "Norm-00004_eh.txt: missing file: 2 seconds 4-5 are missing" in messages[1]


@pytest.mark.parametrize(
    ("rows", "words", "line"),
    [
        ({1: "1,2", 2: "1,x"}, "non-numeric value 'x'", 1),
        ({1: "1,2", 2: "1,2,3"}, "3 values, but Norm-00001_eh.txt has 2", None),
        ({1: "1,2\n3,4\n"}, "found more", 2),
        ({1: "1,nan"}, "finite", 1),
        ({1: "", 2: "\n"}, "every eh file of Norm is empty", None),
    ],
)
def test_malformed_visual_files_are_errors_naming_file_and_line(tmp_path, rows, words, line) -> None:
    visual(tmp_path, "Norm", "eh", rows)
    with pytest.raises(DataError, match=words) as excinfo:
        read_descriptor(only(tmp_path))
    assert excinfo.value.line == line


def test_misnamed_or_doubled_files_are_errors(tmp_path: Path) -> None:
    folder = visual(tmp_path, "Norm", "eh", {1: "1"})
    write(folder / "Norm-00002_cl.txt", "1")
    with pytest.raises(DataError, match="misnamed descriptor file"):
        read_descriptor(only(tmp_path))
    (folder / "Norm-00002_cl.txt").unlink()
    write(folder / "Norm_0001_eh.txt", "1")
    with pytest.raises(DataError, match="same number 1"):
        read_descriptor(only(tmp_path))


def audio(root: Path, movie: str, rows: dict[int, np.ndarray | str], edition: str = "18") -> Path:
    folder = root / f"MEDIAEVAL{edition}-DevSet-Part1-Audio_features" / "audio_features" / movie
    for n, values in rows.items():
        text = values if isinstance(values, str) else emobase2010.format_arff(values)
        write(folder / f"{movie}_{n:05d}.csv", text)
    return folder


def test_audio_fast_path_agrees_with_the_arff_reader_and_fills_a_missing_second(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    rows = {n: rng.normal(size=emobase2010.N_VALUES) for n in (1, 2, 4)}
    folder = audio(tmp_path, "MEDIAEVAL18_06", rows)
    with pytest.warns(DataWarning, match="MEDIAEVAL18_06_00003.csv: missing file"):
        table = read_descriptor(only(tmp_path))
    assert table.names == list(emobase2010.NAMES) and table.values.shape == (4, 1582)
    _, frame = read_arff(folder / "MEDIAEVAL18_06_00004.csv")
    np.testing.assert_allclose(table.values[3], frame[list(emobase2010.NAMES)].iloc[0].to_numpy(), rtol=1e-6)
    assert table.filled.tolist() == [False, False, True, False]


def test_audio_2017_segments_are_numbered_from_zero_on_the_window_grid(tmp_path: Path) -> None:
    audio(tmp_path, "Sintel", {k: np.full(emobase2010.N_VALUES, float(k)) for k in range(3)}, edition="17")
    table = read_descriptor(only(tmp_path))
    assert (table.step, table.duration) == (5.0, 10.0) and table.values[:, 0].tolist() == [0.0, 1.0, 2.0]


def test_bad_audio_files_are_errors_naming_the_file(tmp_path: Path) -> None:
    good = emobase2010.format_arff(np.zeros(emobase2010.N_VALUES))
    audio(tmp_path, "MEDIAEVAL18_07", {1: good, 2: good.replace(",?", ",1,?")})
    with pytest.raises(DataError, match="expected 1584 values, found 1585") as excinfo:
        read_descriptor(only(tmp_path))
    assert excinfo.value.path.endswith("MEDIAEVAL18_07_00002.csv") and excinfo.value.line is not None
    audio(tmp_path, "MEDIAEVAL18_07", {2: good.replace("@data", "")})
    with pytest.raises(DataError, match="no @data"):
        read_descriptor(only(tmp_path))


def test_emobase2010_layout_and_the_numpy_stand_in() -> None:
    assert emobase2010.N_VALUES == 1582 == len(set(emobase2010.NAMES))
    assert (
        emobase2010.NAMES[0] == "pcm_loudness_sma_maxPos"
        and emobase2010.NAMES[-1] == "F0final__Turn_duration"
    )
    t = np.arange(3 * 22050) / 22050
    sound = (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    values = emobase2010_numpy(sound, 22050, np.array([0.0, 1.0]), 2.0)
    assert values.shape == (2, 1582) and np.isfinite(values).all()
    assert values[0, -1] == pytest.approx(2.0, abs=0.02)  # the window's duration
    f0_mean = list(emobase2010.NAMES).index("F0final_sma_amean")
    assert values[0, f0_mean] == pytest.approx(220, rel=0.05)  # a 220 Hz tone
    same, backend = emobase2010_windows(sound, 22050, np.array([0.0, 1.0]), 2.0, backend="numpy")
    assert backend == "numpy stand-in"
    np.testing.assert_array_equal(same, values)


@NEEDS_OPENSMILE
def test_opensmile_gives_the_organisers_layout() -> None:
    import opensmile

    from emolib.features.opensmile_audio import EGEMAPS_DIM, OpenSmileAudio, OpenSmileEGeMAPS

    smile = opensmile.Smile(
        feature_set=opensmile.FeatureSet.IS10, feature_level=opensmile.FeatureLevel.Functionals
    )
    assert list(smile.feature_names) == list(emobase2010.NAMES)
    sound = np.random.default_rng(1).normal(0, 0.1, 23520 * 3).astype(np.float32)
    extractor = OpenSmileAudio()
    rows = extractor.transform(sound.reshape(3, 23520))
    assert rows.shape == (3, 1582) and extractor.feature_names() == list(emobase2010.NAMES)
    assert OpenSmileEGeMAPS().transform(sound.reshape(3, 23520)).shape == (3, EGEMAPS_DIM)
    values, backend = emobase2010_windows(sound, 44100, np.arange(0.0, 1.0, 0.5), 0.5)
    assert values.shape == (2, 1582) and backend.startswith("opensmile")
